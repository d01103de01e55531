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
  description = "VPC that holds the database."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the DB subnet group (at least two, in different AZs)."

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "subnet_ids must hold at least two subnet ids (subnet-...)."
  }
}

variable "client_security_group_ids" {
  type        = list(string)
  description = "Security groups allowed to connect on 5432: the shop service, Metabase and MWAA."

  validation {
    condition     = length(var.client_security_group_ids) >= 1 && alltrue([for id in var.client_security_group_ids : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "client_security_group_ids must hold at least one security group id (sg-...)."
  }
}

variable "engine_version" {
  type        = string
  description = "RDS for PostgreSQL version, 16.x (a major version alone, \"16\", lets AWS's minor upgrades pass without a diff)."
  default     = "16.10"

  validation {
    condition     = can(regex("^16(\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must be PostgreSQL 16 (\"16\" or \"16.N\"); the parameter group family follows it."
  }
}

variable "instance_class" {
  type        = string
  description = "DB instance class."
  default     = "db.t4g.medium"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_class))
    error_message = "instance_class must look like db.<family>.<size>, e.g. db.t4g.medium."
  }
}

variable "allocated_storage" {
  type        = number
  description = "Initial storage in GiB (gp3)."
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20 && var.allocated_storage <= 65536
    error_message = "allocated_storage must be between 20 and 65536 GiB."
  }
}

variable "max_allocated_storage" {
  type        = number
  description = "Storage autoscaling ceiling in GiB (greater than allocated_storage)."
  default     = 100

  validation {
    condition     = var.max_allocated_storage > var.allocated_storage && var.max_allocated_storage <= 65536
    error_message = "max_allocated_storage must be greater than allocated_storage and at most 65536 GiB."
  }
}

variable "multi_az" {
  type        = bool
  description = "Standby in a second AZ (prod true; dev may save the cost)."
  default     = true
}

variable "backup_retention_days" {
  type        = number
  description = "Days of automated backups (1-35)."
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the instance (dev may turn it off)."
  default     = true
}

variable "skip_final_snapshot" {
  type        = bool
  description = "Delete without a final snapshot (dev only)."
  default     = false
}

variable "performance_insights" {
  type        = bool
  description = "Turn on Performance Insights (7 days, encrypted with the module's key)."
  default     = true
}

variable "monitoring_interval" {
  type        = number
  description = "Enhanced monitoring interval in seconds (0 turns it off)."
  default     = 60

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be one of 0, 1, 5, 10, 15, 30, 60."
  }
}

variable "log_min_duration_statement_ms" {
  type        = number
  description = "Log statements that run at least this many milliseconds (-1 turns it off)."
  default     = 1000

  validation {
    condition     = var.log_min_duration_statement_ms >= -1
    error_message = "log_min_duration_statement_ms must be -1 or more."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the exported PostgreSQL and upgrade logs, in days (365 or more)."
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

variable "database_name" {
  type        = string
  description = "Name of the database created in the instance."
  default     = "olist"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must start with a letter and hold only lower-case letters, digits and underscores (at most 63)."
  }
}

variable "master_username" {
  type        = string
  description = "Master user name; its password is generated and kept in Secrets Manager by RDS."
  default     = "olist_admin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.master_username)) && !contains(["admin", "postgres", "rdsadmin"], var.master_username)
    error_message = "master_username must be a lower-case identifier and not a reserved name (admin, postgres, rdsadmin)."
  }
}
