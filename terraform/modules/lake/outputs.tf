output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the lake, MWAA source and artefacts buckets."
  value       = module.key.arn
}

output "lake_bucket_name" {
  description = "Name of the lake bucket (olist/raw/, processed/, rejected/, data_docs/, dbt_docs/, dbt_runs/, dashboards/)."
  value       = module.lake_bucket.id
}

output "lake_bucket_arn" {
  description = "ARN of the lake bucket."
  value       = module.lake_bucket.arn
}

output "lake_root_uri" {
  description = "The lake's root, s3://<lake bucket>/olist (MWAA option olist.lake_uri)."
  value       = "s3://${module.lake_bucket.id}/olist"
}

output "mwaa_bucket_name" {
  description = "Name of the MWAA source bucket (dags/, plugins.zip, requirements.txt)."
  value       = module.mwaa_bucket.id
}

output "mwaa_bucket_arn" {
  description = "ARN of the MWAA source bucket."
  value       = module.mwaa_bucket.arn
}

output "artefacts_bucket_name" {
  description = "Name of the artefacts bucket (glue/ scripts and zip, Glue's temporary directory glue-temp/)."
  value       = module.artefacts_bucket.id
}

output "artefacts_bucket_arn" {
  description = "ARN of the artefacts bucket."
  value       = module.artefacts_bucket.arn
}

output "alb_logs_bucket_name" {
  description = "Name of the SSE-S3 bucket the load balancer writes its access logs to (any prefix)."
  value       = module.alb_logs_bucket.id
}

output "access_logs_bucket_name" {
  description = "Name of the bucket that receives the S3 server access logs of the other buckets."
  value       = module.access_logs_bucket.id
}
