variable "name" {
  type        = string
  description = "Prefix of every name, e.g. \"olist-dev\"."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,24}$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{2,24}$."
  }
}

variable "kms_deletion_window_days" {
  type        = number
  description = "Waiting period, in days, before the secrets key is deleted."
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30 && floor(var.kms_deletion_window_days) == var.kms_deletion_window_days
    error_message = "kms_deletion_window_days must be a whole number from 7 to 30."
  }
}

variable "recovery_window_days" {
  type        = number
  description = "Days a deleted secret can still be restored (7 to 30; immediate deletion, 0, is not allowed so that a destroy cannot lose a value by accident)."
  default     = 7

  validation {
    condition     = var.recovery_window_days >= 7 && var.recovery_window_days <= 30 && floor(var.recovery_window_days) == var.recovery_window_days
    error_message = "recovery_window_days must be a whole number from 7 to 30."
  }
}
