# The S3 bucket that holds the Terraform state of one AWS account's environment. Applied once
# per account, with local state (this folder's state is small and can be re-imported); every
# environment root then keeps its state here, locked with S3's native lock files.

terraform {
  required_version = "~> 1.15.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.25.0"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      Project     = "olist"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}

# The environments find the key by its alias (their GitHub plan role may use it).
module "state_key" {
  source = "../modules/kms_key"

  alias                = "olist-terraform-state"
  description          = "Terraform state of olist-${var.environment}"
  deletion_window_days = 30
}

# The state bucket: private, versioned, SSE-KMS with the key above, TLS-only; old state
# versions expire after 90 days.
module "state_bucket" {
  #checkov:skip=CKV_AWS_18:Access to the state is logged by CloudTrail data events, not server access logs (this bucket only)
  source = "../modules/s3_bucket"

  name                                   = "olist-terraform-state-${data.aws_caller_identity.current.account_id}"
  kms_key_arn                            = module.state_key.arn
  access_logs                            = null
  lifecycle_rule_id                      = "old-state-versions"
  noncurrent_version_expiration_days     = 90
  abort_incomplete_multipart_upload_days = 1
}
