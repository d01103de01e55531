variable "name" {
  type        = string
  description = "Prefix of every name, e.g. \"olist-dev\"; also the MWAA environment's name."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,24}$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{2,24}$."
  }
}

variable "vpc_id" {
  type        = string
  description = "ID of the VPC the environment runs in."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Exactly two private subnets in different availability zones (MWAA takes two)."

  validation {
    condition     = length(var.private_subnet_ids) == 2 && length(distinct(var.private_subnet_ids)) == 2 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "private_subnet_ids must hold exactly two distinct subnet IDs."
  }
}

variable "source_bucket_name" {
  type        = string
  description = "Name of the MWAA source bucket (dags/, plugins.zip, requirements.txt)."
}

variable "source_bucket_arn" {
  type        = string
  description = "ARN of the MWAA source bucket."

  validation {
    condition     = can(regex("^arn:[a-z-]+:s3:::", var.source_bucket_arn))
    error_message = "source_bucket_arn must be an S3 bucket ARN."
  }
}

variable "source_kms_key_arn" {
  type        = string
  description = "ARN of the KMS key the source bucket is encrypted with."

  validation {
    condition     = can(regex("^arn:[a-z-]+:kms:", var.source_kms_key_arn))
    error_message = "source_kms_key_arn must be a KMS key ARN."
  }
}

variable "environment_class" {
  type        = string
  description = "MWAA environment class (size of the scheduler, API server and workers)."
  default     = "mw1.small"

  validation {
    condition     = contains(["mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"], var.environment_class)
    error_message = "environment_class must be one of mw1.micro, mw1.small, mw1.medium, mw1.large, mw1.xlarge, mw1.2xlarge."
  }
}

variable "min_workers" {
  type        = number
  description = "Minimum number of Celery workers."
  default     = 1

  validation {
    condition     = var.min_workers >= 1 && var.min_workers <= 25 && floor(var.min_workers) == var.min_workers
    error_message = "min_workers must be a whole number from 1 to 25."
  }
}

variable "max_workers" {
  type        = number
  description = "Maximum number of Celery workers (autoscaling ceiling, >= min_workers)."
  default     = 2

  validation {
    condition     = var.max_workers >= var.min_workers && var.max_workers <= 25 && floor(var.max_workers) == var.max_workers
    error_message = "max_workers must be a whole number from min_workers to 25."
  }
}

variable "webserver_access" {
  type        = string
  description = "Webserver (Airflow UI/API) access mode; PRIVATE_ONLY keeps it inside the VPC."
  default     = "PRIVATE_ONLY"

  validation {
    condition     = var.webserver_access == "PRIVATE_ONLY"
    error_message = "webserver_access must be PRIVATE_ONLY: the Airflow UI is never exposed publicly."
  }
}

variable "ui_client_security_group_ids" {
  type        = list(string)
  description = "Security groups (a VPN or bastion) allowed to reach the private Airflow UI on 443; empty: none."
  default     = []
}

variable "lake_bucket_arn" {
  type        = string
  description = "ARN of the lake bucket (the DAG reads and writes its olist/ prefix)."

  validation {
    condition     = can(regex("^arn:[a-z-]+:s3:::", var.lake_bucket_arn))
    error_message = "lake_bucket_arn must be an S3 bucket ARN."
  }
}

variable "lake_kms_key_arn" {
  type        = string
  description = "ARN of the KMS key the lake bucket is encrypted with."

  validation {
    condition     = can(regex("^arn:[a-z-]+:kms:", var.lake_kms_key_arn))
    error_message = "lake_kms_key_arn must be a KMS key ARN."
  }
}

variable "lake_root_uri" {
  type        = string
  description = "The lake's root, s3://<lake bucket>/olist (the olist.lake_uri option)."

  validation {
    condition     = can(regex("^s3://[a-z0-9.-]+/olist$", var.lake_root_uri))
    error_message = "lake_root_uri must be s3://<bucket>/olist."
  }
}

variable "glue_job_name" {
  type        = string
  description = "Name of the Glue cleaning job the DAG starts."
}

variable "glue_job_arn" {
  type        = string
  description = "ARN of the Glue cleaning job."

  validation {
    condition     = can(regex("^arn:[a-z-]+:glue:", var.glue_job_arn))
    error_message = "glue_job_arn must be a Glue job ARN."
  }
}

variable "warehouse" {
  type = object({
    workgroup_name    = string
    workgroup_arn     = string
    namespace_arn     = optional(string)
    endpoint_address  = string
    port              = number
    database_name     = string
    copy_role_arn     = string
    security_group_id = string
  })
  description = "The Redshift Serverless warehouse (the warehouse module's outputs)."

  validation {
    condition     = can(regex("^arn:[a-z-]+:redshift-serverless:", var.warehouse.workgroup_arn))
    error_message = "warehouse.workgroup_arn must be a Redshift Serverless workgroup ARN."
  }
}

variable "airflow_secrets_arn_prefix" {
  type        = string
  description = "ARN prefix of the Airflow secrets, arn:<partition>:secretsmanager:<region>:<account>:secret:airflow/."

  validation {
    condition     = can(regex("^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:airflow/$", var.airflow_secrets_arn_prefix))
    error_message = "airflow_secrets_arn_prefix must end in :secret:airflow/."
  }
}

variable "secrets_kms_key_arn" {
  type        = string
  description = "ARN of the KMS key the Airflow secrets are encrypted with."

  validation {
    condition     = can(regex("^arn:[a-z-]+:kms:", var.secrets_kms_key_arn))
    error_message = "secrets_kms_key_arn must be a KMS key ARN."
  }
}

variable "shop_database_security_group_id" {
  type        = string
  description = "Security group of the shop's RDS database (egress 5432 to it; its ingress lives in shop_database)."

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.shop_database_security_group_id))
    error_message = "shop_database_security_group_id must look like sg-0123abcd."
  }
}

variable "log_level" {
  type        = string
  description = "Level of the five Airflow log types sent to CloudWatch."
  default     = "INFO"

  validation {
    condition     = contains(["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"], var.log_level)
    error_message = "log_level must be CRITICAL, ERROR, WARNING, INFO or DEBUG."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the environment's CloudWatch log groups, in days (>= 365)."
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention value of at least 365 (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "kms_deletion_window_days" {
  type        = number
  description = "Waiting period before the environment's KMS key is deleted, in days."
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be from 7 to 30."
  }
}
