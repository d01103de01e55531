output "id" {
  description = "The bucket's id, which is its name (what companion resources and logging name)."
  value       = aws_s3_bucket.this.id
}

output "name" {
  description = "The bucket's name."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "The bucket's ARN (what IAM and bucket policies name)."
  value       = aws_s3_bucket.this.arn
}
