variable "name" {
  type        = string
  description = "Prefix of every name, e.g. \"olist-dev\"."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,24}$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{2,24}$."
  }
}

variable "artefacts_bucket_name" {
  type        = string
  description = "Bucket holding glue/ (clean_olist.py, olist_cleaning.zip, additional-python-modules.txt) and Glue's glue-temp/."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artefacts_bucket_name))
    error_message = "artefacts_bucket_name must be an S3 bucket name."
  }
}

variable "artefacts_bucket_arn" {
  type        = string
  description = "ARN of the artefacts bucket."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artefacts_bucket_arn))
    error_message = "artefacts_bucket_arn must be an S3 bucket ARN (arn:aws:s3:::bucket)."
  }
}

variable "artefacts_kms_key_arn" {
  type        = string
  description = "ARN of the KMS key encrypting the artefacts bucket (may be the lake's key)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.artefacts_kms_key_arn))
    error_message = "artefacts_kms_key_arn must be a KMS key ARN."
  }
}

variable "lake_bucket_name" {
  type        = string
  description = "Name of the lake bucket."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.lake_bucket_name))
    error_message = "lake_bucket_name must be an S3 bucket name."
  }
}

variable "lake_bucket_arn" {
  type        = string
  description = "ARN of the lake bucket."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.lake_bucket_arn))
    error_message = "lake_bucket_arn must be an S3 bucket ARN (arn:aws:s3:::bucket)."
  }
}

variable "lake_kms_key_arn" {
  type        = string
  description = "ARN of the lake's KMS key: the job reads and writes with it, and its security configuration encrypts S3 writes with it."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.lake_kms_key_arn))
    error_message = "lake_kms_key_arn must be a KMS key ARN."
  }
}

variable "lake_prefix" {
  type        = string
  description = "Key prefix of the lake's root in the lake bucket (the DAG's olist.lake_uri is s3://<lake bucket>/<lake_prefix>), without slashes at either end."
  default     = "olist"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$", var.lake_prefix))
    error_message = "lake_prefix must be a key prefix without leading or trailing \"/\" or wildcards."
  }
}

variable "worker_type" {
  type        = string
  description = "Glue worker type."
  default     = "G.1X"

  validation {
    condition     = contains(["G.1X", "G.2X", "G.4X", "G.8X"], var.worker_type)
    error_message = "worker_type must be one of G.1X, G.2X, G.4X, G.8X."
  }
}

variable "number_of_workers" {
  type        = number
  description = "Workers per run (the driver included; at least 2)."
  default     = 2

  validation {
    condition     = var.number_of_workers >= 2 && var.number_of_workers <= 299 && floor(var.number_of_workers) == var.number_of_workers
    error_message = "number_of_workers must be a whole number between 2 and 299."
  }
}

variable "timeout_minutes" {
  type        = number
  description = "A run is stopped after this many minutes."
  default     = 60

  validation {
    condition     = var.timeout_minutes >= 1 && var.timeout_minutes <= 2880
    error_message = "timeout_minutes must be between 1 and 2880."
  }
}

variable "max_concurrent_runs" {
  type        = number
  description = "Runs of the job at once (the DAG runs one at a time)."
  default     = 1

  validation {
    condition     = var.max_concurrent_runs >= 1 && var.max_concurrent_runs <= 100
    error_message = "max_concurrent_runs must be between 1 and 100."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the job's log groups, in days (365 or more)."
  default     = 365

  validation {
    condition     = var.log_retention_days >= 365 && contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention value of at least 365 (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "kms_deletion_window_days" {
  type        = number
  description = "Waiting period before the KMS key is deleted, in days (7-30)."
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}
