output "state_bucket" {
  description = "The bucket to pass to terraform init -backend-config=\"bucket=...\" in envs/<environment>."
  value       = module.state_bucket.name
}

output "state_kms_key_arn" {
  description = "The KMS key that encrypts the state (the backend's kms_key_id)."
  value       = module.state_key.arn
}
