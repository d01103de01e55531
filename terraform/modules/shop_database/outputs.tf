output "address" {
  description = "Host name of the database instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Name of the database created in the instance."
  value       = aws_db_instance.this.db_name
}

output "master_username" {
  description = "Master user name (its password is in master_user_secret_arn)."
  value       = aws_db_instance.this.username
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret RDS manages for the master user."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "Security group of the database (5432 from the client security groups)."
  value       = aws_security_group.this.id
}

output "instance_arn" {
  description = "ARN of the database instance."
  value       = aws_db_instance.this.arn
}

output "instance_resource_id" {
  description = "Resource id of the instance (for rds-db:connect IAM authentication ARNs)."
  value       = aws_db_instance.this.resource_id
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the storage, Performance Insights, the master secret and the logs."
  value       = module.key.arn
}
