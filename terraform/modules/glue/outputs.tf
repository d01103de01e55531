output "job_name" {
  description = "Name of the cleaning job (MWAA's olist.glue_job_name)."
  value       = aws_glue_job.this.name
}

output "job_arn" {
  description = "ARN of the cleaning job."
  value       = aws_glue_job.this.arn
}

output "role_arn" {
  description = "ARN of the role the job runs as."
  value       = aws_iam_role.job.arn
}

output "security_configuration_name" {
  description = "Name of the job's security configuration."
  value       = aws_glue_security_configuration.this.name
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the job's logs and bookmarks."
  value       = module.key.arn
}

output "log_group_names" {
  description = "The job's log groups: error (system, Spark and GlueLogger logs) and output (stdout, stderr)."
  value       = { for stream, group in aws_cloudwatch_log_group.job : stream => group.name }
}
