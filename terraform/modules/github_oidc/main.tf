terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.25.0"
    }
  }
}

# GitHub Actions' access to this environment's account: OpenID Connect, no long-lived keys.
# Two roles, each assumable only from this repository's jobs that run in one GitHub environment
# (the token's `sub` claim is repo:<owner>/<name>:environment:<environment>):
#   <name>-github-deploy  environment <environment>       terraform apply and the deploy
#   <name>-github-plan    environment <environment>-plan  terraform plan on pull requests

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  issuer    = "token.actions.githubusercontent.com"
  partition = data.aws_partition.current.partition
  state_arn = "arn:${local.partition}:s3:::${var.state_bucket_name}"
  state_key = "olist/${var.environment}/terraform.tfstate"
}

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "trust_deploy" {
  statement {
    sid     = "GitHubEnvironmentDeploy"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = ["repo:${var.github_repository}:environment:${var.environment}"]
    }
  }
}

data "aws_iam_policy_document" "trust_plan" {
  statement {
    sid     = "GitHubEnvironmentPlan"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = ["repo:${var.github_repository}:environment:${var.environment}-plan"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-github-deploy"
  description          = "GitHub Actions, environment ${var.environment}: terraform apply and the deploy"
  assume_role_policy   = data.aws_iam_policy_document.trust_deploy.json
  max_session_duration = 3600
}

# Terraform creates and changes every kind of resource of the platform, IAM roles included: the
# deploy role administers the account. What limits it is who may assume it: this repository's
# jobs in the GitHub environment (main only, required reviewers in prod).
resource "aws_iam_role_policy_attachment" "deploy_administrator" {
  role       = aws_iam_role.deploy.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_role" "plan" {
  name                 = "${var.name}-github-plan"
  description          = "GitHub Actions, environment ${var.environment}-plan: terraform plan on pull requests"
  assume_role_policy   = data.aws_iam_policy_document.trust_plan.json
  max_session_duration = 3600
}

# A plan refreshes every resource of the state: read access to each kind of resource.
resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

# ...and the state itself: read it, and hold S3's lock file next to it while planning.
data "aws_iam_policy_document" "plan_state" {
  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]
    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = [local.state_key, "${local.state_key}.tflock"]
    }
  }
  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject"]
    resources = ["${local.state_arn}/${local.state_key}"]
  }
  statement {
    sid       = "HoldStateLock"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_arn}/${local.state_key}.tflock"]
  }
  statement {
    sid       = "UseStateKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.state_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "plan_state" {
  name   = "terraform-state"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan_state.json
}
