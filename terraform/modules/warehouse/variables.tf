variable "name" {
  type        = string
  description = "Prefix of every name, e.g. \"olist-dev\"."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,24}$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{2,24}$."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC that holds the workgroup."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the workgroup, in at least three AZs (Redshift Serverless requires three)."

  validation {
    condition     = length(var.subnet_ids) >= 3 && alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "subnet_ids must hold at least three subnet ids (subnet-...)."
  }
}

variable "client_security_group_ids" {
  type        = list(string)
  description = "Security groups allowed to connect on 5439 (MWAA)."

  validation {
    condition     = length(var.client_security_group_ids) >= 1 && alltrue([for id in var.client_security_group_ids : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "client_security_group_ids must hold at least one security group id (sg-...)."
  }
}

variable "s3_prefix_list_id" {
  type        = string
  description = "Prefix list of the VPC's S3 gateway endpoint: egress 443 to it lets COPY read the lake under enhanced VPC routing."

  validation {
    condition     = can(regex("^pl-[0-9a-f]+$", var.s3_prefix_list_id))
    error_message = "s3_prefix_list_id must be a prefix list id (pl-...)."
  }
}

variable "base_capacity" {
  type        = number
  description = "Base capacity of the workgroup in RPUs (8 to 512, a multiple of 8)."
  default     = 8

  validation {
    condition     = var.base_capacity >= 8 && var.base_capacity <= 512 && var.base_capacity % 8 == 0
    error_message = "base_capacity must be between 8 and 512 RPUs, in steps of 8."
  }
}

variable "max_capacity" {
  type        = number
  description = "Ceiling of the workgroup's capacity in RPUs (a multiple of 8, at least base_capacity)."
  default     = 64

  validation {
    condition     = var.max_capacity >= var.base_capacity && var.max_capacity <= 5632 && var.max_capacity % 8 == 0
    error_message = "max_capacity must be a multiple of 8 between base_capacity and 5632."
  }
}

variable "max_query_execution_time_seconds" {
  type        = number
  description = "Longest a query may run, in seconds (AWS's default 14400)."
  default     = 14400

  validation {
    condition     = var.max_query_execution_time_seconds >= 1 && var.max_query_execution_time_seconds <= 86399
    error_message = "max_query_execution_time_seconds must be between 1 and 86399."
  }
}

variable "database_name" {
  type        = string
  description = "Name of the database created in the namespace."
  default     = "warehouse"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,63}$", var.database_name))
    error_message = "database_name must start with a letter and hold only lower-case letters, digits and underscores (at most 64)."
  }
}

variable "admin_username" {
  type        = string
  description = "Admin user of the namespace; its password is generated and kept in Secrets Manager by Redshift."
  default     = "olist_admin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,126}$", var.admin_username)) && !contains(["admin", "rdsadmin"], var.admin_username)
    error_message = "admin_username must be a lower-case identifier and not a reserved name (admin, rdsadmin)."
  }
}

variable "lake_bucket_arn" {
  type        = string
  description = "ARN of the lake bucket COPY reads from."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.lake_bucket_arn))
    error_message = "lake_bucket_arn must be an S3 bucket ARN (arn:aws:s3:::bucket)."
  }
}

variable "lake_processed_prefix" {
  type        = string
  description = "Key prefix of the lake's processed zone, the only part COPY may read."
  default     = "olist/processed/"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*/$", var.lake_processed_prefix))
    error_message = "lake_processed_prefix must be a key prefix ending in \"/\", without a leading \"/\" or wildcards."
  }
}

variable "lake_kms_key_arn" {
  type        = string
  description = "ARN of the KMS key that encrypts the lake's objects."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.lake_kms_key_arn))
    error_message = "lake_kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the exported connection, user and user activity logs, in days (365 or more)."
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
