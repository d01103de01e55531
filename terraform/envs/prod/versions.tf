terraform {
  required_version = "~> 1.15.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.25.0"
    }
  }

  # Partial configuration: the bucket (olist-terraform-state-<account id>, made by
  # terraform/bootstrap) and the region come from `terraform init -backend-config=...`.
  backend "s3" {
    key          = "olist/prod/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
