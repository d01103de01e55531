variable "name" {
  type        = string
  description = "Prefix of every name in the environment, e.g. olist-dev."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,24}$", var.name))
    error_message = "name must be 3 to 25 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  type        = string
  description = "The GitHub environment whose jobs may deploy (dev or prod); <environment>-plan may plan."

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod."
  }
}

variable "github_repository" {
  type        = string
  description = "The repository whose workflows may assume the roles, as owner/name."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "state_bucket_name" {
  type        = string
  description = "The bucket holding this environment's Terraform state (terraform/bootstrap's state_bucket)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be an S3 bucket name."
  }
}

variable "state_kms_key_arn" {
  type        = string
  description = "The KMS key that encrypts the state (terraform/bootstrap's state_kms_key_arn)."

  validation {
    condition     = can(regex("^arn:[a-z-]+:kms:", var.state_kms_key_arn))
    error_message = "state_kms_key_arn must be a KMS key ARN."
  }
}
