variable "environment" {
  type        = string
  description = "The environment whose account this state bucket serves: dev or prod."
  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod."
  }
}

variable "region" {
  type        = string
  description = "The AWS region of the state bucket and of the environment (São Paulo by default)."
  default     = "sa-east-1"
}
