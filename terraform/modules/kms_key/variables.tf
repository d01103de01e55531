variable "alias" {
  type        = string
  description = "The key's alias, without the alias/ prefix (e.g. olist-dev-lake)."

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]{1,250}$", var.alias)) && !startswith(var.alias, "aws/")
    error_message = "alias must be letters, digits, / _ - and must not start with aws/."
  }
}

variable "description" {
  type        = string
  description = "What the key encrypts, shown in the KMS console."
}

variable "deletion_window_days" {
  type        = number
  description = "Days a deleted key waits before AWS destroys it (7 to 30)."
  default     = 30

  validation {
    condition     = var.deletion_window_days >= 7 && var.deletion_window_days <= 30
    error_message = "deletion_window_days must be between 7 and 30."
  }
}

variable "log_group_arns" {
  type        = list(string)
  description = "ARNs (wildcards allowed) of the log groups CloudWatch Logs may encrypt with the key; empty: none."
  default     = []
}
