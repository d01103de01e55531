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
  description = "ID of the VPC the load balancer and the services run in."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "Public subnets of the load balancer (at least two availability zones)."

  validation {
    condition     = length(var.public_subnet_ids) >= 2 && alltrue([for s in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "public_subnet_ids must hold at least two subnet IDs."
  }
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Private subnets of the Fargate tasks (at least two availability zones)."

  validation {
    condition     = length(var.private_subnet_ids) >= 2 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "private_subnet_ids must hold at least two subnet IDs."
  }
}

variable "certificate_arn" {
  type        = string
  description = "ARN of the ACM certificate of the HTTPS listener (covering shop_domain and metabase_domain)."

  validation {
    condition     = can(regex("^arn:[a-z-]+:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:<partition>:acm:<region>:<account>:certificate/<id>)."
  }
}

variable "shop_domain" {
  type        = string
  description = "Host name of the shop's API (the listener rule's host and DJANGO_ALLOWED_HOSTS)."

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.shop_domain))
    error_message = "shop_domain must be a lower-case DNS name such as shop.example.com."
  }
}

variable "metabase_domain" {
  type        = string
  description = "Host name of Metabase (the listener rule's host)."

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.metabase_domain))
    error_message = "metabase_domain must be a lower-case DNS name such as metabase.example.com."
  }
}

variable "shop_image_tag" {
  type        = string
  description = "The tag of the shop image (the Dockerfile's shop target) in this module's ECR repository, the only one the execution role pulls from, that the service starts with; later releases are rolled out by the deploy, which Terraform leaves alone."

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.shop_image_tag))
    error_message = "shop_image_tag must be a Docker tag: letters, digits, _ . - (at most 128)."
  }
}

variable "metabase_image" {
  type        = string
  description = "The Metabase image, pinned to a version (the one docker-compose.yaml runs locally)."
  default     = "metabase/metabase:v0.52.6.x"

  validation {
    condition     = can(regex("^[^:]+:v[0-9][A-Za-z0-9_.-]*$", var.metabase_image))
    error_message = "metabase_image must carry a version tag (e.g. metabase/metabase:v0.52.6.x), never latest."
  }
}

variable "cpu_architecture" {
  type        = string
  description = "CPU architecture the shop image is built for."
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "shop_cpu" {
  type        = number
  description = "CPU units of a shop task (Fargate: 256, 512, 1024, 2048, 4096)."
  default     = 512

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.shop_cpu)
    error_message = "shop_cpu must be 256, 512, 1024, 2048 or 4096."
  }
}

variable "shop_memory" {
  type        = number
  description = "Memory of a shop task in MiB (a Fargate size that fits shop_cpu)."
  default     = 1024

  validation {
    condition     = var.shop_memory >= 512 && var.shop_memory <= 30720 && var.shop_memory % 512 == 0
    error_message = "shop_memory must be a multiple of 512 from 512 to 30720 MiB."
  }
}

variable "shop_desired_count" {
  type        = number
  description = "Number of shop tasks (2 or more spreads them over availability zones)."
  default     = 2

  validation {
    condition     = var.shop_desired_count >= 1 && var.shop_desired_count <= 20 && floor(var.shop_desired_count) == var.shop_desired_count
    error_message = "shop_desired_count must be a whole number from 1 to 20."
  }
}

variable "metabase_cpu" {
  type        = number
  description = "CPU units of the Metabase task (Fargate: 256, 512, 1024, 2048, 4096)."
  default     = 1024

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.metabase_cpu)
    error_message = "metabase_cpu must be 256, 512, 1024, 2048 or 4096."
  }
}

variable "metabase_memory" {
  type        = number
  description = "Memory of the Metabase task in MiB (Metabase wants 2 GiB or more)."
  default     = 2048

  validation {
    condition     = var.metabase_memory >= 2048 && var.metabase_memory <= 30720 && var.metabase_memory % 512 == 0
    error_message = "metabase_memory must be a multiple of 512 from 2048 to 30720 MiB."
  }
}

variable "metabase_desired_count" {
  type        = number
  description = "Number of Metabase tasks (0 stops it; more than 1 needs Metabase's shared application database, which it has)."
  default     = 1

  validation {
    condition     = var.metabase_desired_count >= 0 && var.metabase_desired_count <= 4 && floor(var.metabase_desired_count) == var.metabase_desired_count
    error_message = "metabase_desired_count must be a whole number from 0 to 4."
  }
}

variable "shop_secret_arns" {
  type = object({
    django_secret_key = string
    database_url      = string
  })
  description = "ARNs of the shop's secrets (the secrets module's shop_secret_arns)."

  validation {
    condition     = alltrue([for arn in values(var.shop_secret_arns) : can(regex("^arn:[a-z-]+:secretsmanager:", arn))])
    error_message = "shop_secret_arns must hold Secrets Manager ARNs."
  }
}

variable "migrations_database" {
  type = object({
    address                = string
    port                   = number
    database_name          = string
    master_username        = string
    master_user_secret_arn = string
    kms_key_arn            = string
  })
  description = "The shop's RDS database as the migrations sign in to it, as its master user, the owner of the shop's tables (the shop_database module's outputs): the password is read from the master user secret RDS manages and rotates (JSON key password), encrypted with kms_key_arn; only the migrate task's execution role reads it."

  validation {
    condition     = can(regex("^arn:[a-z-]+:secretsmanager:", var.migrations_database.master_user_secret_arn))
    error_message = "migrations_database.master_user_secret_arn must be a Secrets Manager ARN."
  }

  validation {
    condition     = can(regex("^arn:[a-z-]+:kms:", var.migrations_database.kms_key_arn))
    error_message = "migrations_database.kms_key_arn must be a KMS key ARN."
  }
}

variable "metabase_database_uri_secret_arn" {
  type        = string
  description = "ARN of the secret holding Metabase's application database URI (MB_DB_CONNECTION_URI)."

  validation {
    condition     = can(regex("^arn:[a-z-]+:secretsmanager:", var.metabase_database_uri_secret_arn))
    error_message = "metabase_database_uri_secret_arn must be a Secrets Manager ARN."
  }
}

variable "secrets_kms_key_arn" {
  type        = string
  description = "ARN of the KMS key the secrets are encrypted with."

  validation {
    condition     = can(regex("^arn:[a-z-]+:kms:", var.secrets_kms_key_arn))
    error_message = "secrets_kms_key_arn must be a KMS key ARN."
  }
}

variable "alb_logs_bucket_name" {
  type        = string
  description = "Bucket of the load balancer's access logs (SSE-S3, with the ELB log-delivery policy; the lake module's alb_logs_bucket_name)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.alb_logs_bucket_name))
    error_message = "alb_logs_bucket_name must be a valid S3 bucket name."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Deletion protection of the load balancer (prod true; dev may turn it off)."
  default     = true
}

variable "ecr_force_delete" {
  type        = bool
  description = "Let destroy delete the ECR repository with its images (dev only)."
  default     = false
}

variable "ecr_keep_images" {
  type        = number
  description = "Number of shop images the ECR lifecycle policy keeps (older ones expire)."
  default     = 50

  validation {
    condition     = var.ecr_keep_images >= 5 && var.ecr_keep_images <= 1000
    error_message = "ecr_keep_images must be from 5 to 1000."
  }
}

variable "waf_rate_limit" {
  type        = number
  description = "Requests one client IP may send in 5 minutes before the web ACL blocks it."
  default     = 2000

  validation {
    condition     = var.waf_rate_limit >= 100 && var.waf_rate_limit <= 2000000000
    error_message = "waf_rate_limit must be from 100 to 2000000000."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the module's CloudWatch log groups, in days (>= 365)."
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention value of at least 365 (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "kms_deletion_window_days" {
  type        = number
  description = "Waiting period before the module's KMS key is deleted, in days."
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be from 7 to 30."
  }
}
