output "deploy_role_arn" {
  description = "The GitHub environment <environment>'s AWS_ROLE_ARN: terraform apply and the deploy."
  value       = aws_iam_role.deploy.arn
}

output "plan_role_arn" {
  description = "The GitHub environment <environment>-plan's AWS_ROLE_ARN: terraform plan on pull requests."
  value       = aws_iam_role.plan.arn
}

output "oidc_provider_arn" {
  description = "The account's OpenID Connect provider for GitHub Actions' tokens."
  value       = aws_iam_openid_connect_provider.github.arn
}
