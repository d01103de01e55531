variable "name" {
  type        = string
  description = "Prefix of every name, e.g. \"olist-dev\"."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,24}$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{2,24}$."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy empty the buckets first (true for dev only: it deletes the lake's data)."
  default     = false
}

variable "rejected_expiration_days" {
  type        = number
  description = "Days after which objects under olist/rejected/ in the lake bucket expire."
  default     = 30

  validation {
    condition     = var.rejected_expiration_days >= 1 && var.rejected_expiration_days <= 3650 && floor(var.rejected_expiration_days) == var.rejected_expiration_days
    error_message = "rejected_expiration_days must be a whole number from 1 to 3650."
  }
}

variable "noncurrent_version_expiration_days" {
  type        = number
  description = "Days after which noncurrent (overwritten or deleted) object versions expire, in every bucket."
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && var.noncurrent_version_expiration_days <= 3650 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number from 1 to 3650."
  }
}

variable "access_log_expiration_days" {
  type        = number
  description = "Days after which S3 server access logs and ALB access logs expire."
  default     = 365

  validation {
    condition     = var.access_log_expiration_days >= 90 && var.access_log_expiration_days <= 3650 && floor(var.access_log_expiration_days) == var.access_log_expiration_days
    error_message = "access_log_expiration_days must be a whole number from 90 to 3650."
  }
}

variable "glue_temp_expiration_days" {
  type        = number
  description = "Days after which objects under glue-temp/ (Glue's temporary directory) in the artefacts bucket expire."
  default     = 7

  validation {
    condition     = var.glue_temp_expiration_days >= 1 && var.glue_temp_expiration_days <= 365 && floor(var.glue_temp_expiration_days) == var.glue_temp_expiration_days
    error_message = "glue_temp_expiration_days must be a whole number from 1 to 365."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  type        = number
  description = "Days after which incomplete multipart uploads are aborted, in every bucket."
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && var.abort_incomplete_multipart_upload_days <= 365 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number from 1 to 365."
  }
}

variable "alb_log_delivery_elb_account" {
  type        = bool
  description = "Also let the Region's Elastic Load Balancing account write ALB access logs: needed in Regions opened before August 2022 (us-east-1, eu-west-1, sa-east-1, ...); set false in newer Regions, which use only the log delivery service principal and for which the provider knows no such account."
  default     = true
}

variable "kms_deletion_window_days" {
  type        = number
  description = "Waiting period, in days, before the lake key is deleted."
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30 && floor(var.kms_deletion_window_days) == var.kms_deletion_window_days
    error_message = "kms_deletion_window_days must be a whole number from 7 to 30."
  }
}
