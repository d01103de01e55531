output "environment_name" {
  description = "Name of the MWAA environment."
  value       = aws_mwaa_environment.this.name
}

output "environment_arn" {
  description = "ARN of the MWAA environment."
  value       = aws_mwaa_environment.this.arn
}

output "webserver_url" {
  description = "Host name of the Airflow UI (reachable from inside the VPC only)."
  value       = aws_mwaa_environment.this.webserver_url
}

output "execution_role_arn" {
  description = "ARN of the execution role (the Airflow processes and the DAG's AWS calls)."
  value       = aws_iam_role.execution.arn
}

output "execution_role_name" {
  description = "Name of the execution role; Redshift Serverless maps it to the database user IAMR:<name>."
  value       = aws_iam_role.execution.name
}

output "security_group_id" {
  description = "Security group of the environment (give it to shop_database and warehouse as a client)."
  value       = aws_security_group.this.id
}

output "kms_key_arn" {
  description = "ARN of the environment's KMS key."
  value       = module.key.arn
}
