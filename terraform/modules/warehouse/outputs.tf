output "namespace_name" {
  description = "Name of the Redshift Serverless namespace."
  value       = aws_redshiftserverless_namespace.this.namespace_name
}

output "namespace_arn" {
  description = "ARN of the namespace."
  value       = aws_redshiftserverless_namespace.this.arn
}

output "workgroup_name" {
  description = "Name of the workgroup (the Redshift Data API and GetCredentials take it)."
  value       = aws_redshiftserverless_workgroup.this.workgroup_name
}

output "workgroup_arn" {
  description = "ARN of the workgroup."
  value       = aws_redshiftserverless_workgroup.this.arn
}

output "endpoint_address" {
  description = "Host name of the workgroup's endpoint."
  value       = aws_redshiftserverless_workgroup.this.endpoint[0].address
}

output "port" {
  description = "Port of the workgroup's endpoint."
  value       = aws_redshiftserverless_workgroup.this.endpoint[0].port
}

output "database_name" {
  description = "Name of the warehouse database."
  value       = aws_redshiftserverless_namespace.this.db_name
}

output "copy_role_arn" {
  description = "ARN of the role COPY reads the processed zone with (the namespace's default IAM role)."
  value       = aws_iam_role.copy.arn
}

output "security_group_id" {
  description = "Security group of the workgroup (5439 from the client security groups)."
  value       = aws_security_group.this.id
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the namespace, its admin secret and its logs."
  value       = module.key.arn
}

output "admin_password_secret_arn" {
  description = "ARN of the Secrets Manager secret Redshift manages for the admin user."
  value       = aws_redshiftserverless_namespace.this.admin_password_secret_arn
}
