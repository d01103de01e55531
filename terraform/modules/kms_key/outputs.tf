output "arn" {
  description = "The key's ARN (what IAM policies and encrypted resources name)."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "The key's id."
  value       = aws_kms_key.this.key_id
}

output "alias_name" {
  description = "The key's alias, alias/<alias>."
  value       = aws_kms_alias.this.name
}
