variable "name" {
  type        = string
  description = "The bucket's name, global across AWS (e.g. olist-dev-lake-<account id>)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy empty the bucket first (dev only: it deletes the data)."
  default     = false
}

variable "sse_algorithm" {
  type        = string
  description = "Default encryption: aws:kms (SSE-KMS with kms_key_arn and a bucket key), or AES256 (SSE-S3) only for buckets that ALB access log delivery or S3 server access logging write to, which support nothing else."
  default     = "aws:kms"

  validation {
    condition     = contains(["aws:kms", "AES256"], var.sse_algorithm)
    error_message = "sse_algorithm must be aws:kms or AES256."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "The KMS key of SSE-KMS: required with sse_algorithm aws:kms, null with AES256."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:[^:]+:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN, or null."
  }

  validation {
    condition     = (var.kms_key_arn != null) == (var.sse_algorithm == "aws:kms")
    error_message = "kms_key_arn is required with sse_algorithm aws:kms, and only with it."
  }
}

variable "access_logs" {
  type = object({
    target_bucket = string
    target_prefix = string
  })
  description = "Where this bucket's S3 server access logs go: the log bucket's name and a key prefix ending in / (e.g. lake/). Required: null only for a bucket that is itself the log target, or whose access is logged otherwise (CloudTrail data events)."

  validation {
    condition     = var.access_logs == null || can(regex("^[a-z0-9][a-z0-9_./-]*/$", var.access_logs.target_prefix))
    error_message = "access_logs.target_prefix must end with / (e.g. lake/)."
  }
}

variable "noncurrent_version_expiration_days" {
  type        = number
  description = "Days after which noncurrent (overwritten or deleted) object versions expire."

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  type        = number
  description = "Days after which incomplete multipart uploads are aborted (in every lifecycle rule)."

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of at least 1."
  }
}

variable "lifecycle_rule_id" {
  type        = string
  description = "The id of the lifecycle rule that covers the whole bucket (noncurrent versions, incomplete uploads, and expiration_days when set)."
  default     = "expire-noncurrent-versions"

  validation {
    condition     = length(var.lifecycle_rule_id) >= 1 && length(var.lifecycle_rule_id) <= 255
    error_message = "lifecycle_rule_id must be 1 to 255 characters."
  }
}

variable "expiration_days" {
  type        = number
  description = "Days after which every current object of the bucket expires (log buckets); null: objects do not expire."
  default     = null

  validation {
    condition     = var.expiration_days == null || try(var.expiration_days >= 1 && floor(var.expiration_days) == var.expiration_days, false)
    error_message = "expiration_days must be a whole number of at least 1, or null."
  }
}

variable "prefix_expirations" {
  type = list(object({
    id     = string
    prefix = string
    days   = number
  }))
  description = "Lifecycle rules, each expiring the objects under one prefix after some days (e.g. {id = \"expire-glue-temp\", prefix = \"glue-temp/\", days = 7})."
  default     = []

  validation {
    condition = alltrue([
      for e in var.prefix_expirations : length(e.id) >= 1 && length(e.prefix) >= 1 && e.days >= 1 && floor(e.days) == e.days
    ])
    error_message = "every prefix expiration needs an id, a non-empty prefix and a whole number of days of at least 1."
  }
}

variable "deny_insecure_transport_sid" {
  type        = string
  description = "The sid of the bucket policy's statement that denies requests without TLS."
  default     = "DenyInsecureTransport"

  validation {
    condition     = can(regex("^[A-Za-z0-9]+$", var.deny_insecure_transport_sid))
    error_message = "deny_insecure_transport_sid must be letters and digits only."
  }
}

variable "extra_policy_json" {
  type        = string
  description = "The JSON of an aws_iam_policy_document with the caller's own statements for the bucket policy (log delivery, say); null: the TLS-only denial alone."
  default     = null
}
