variable "name" {
  type        = string
  description = "Prefix of every name, e.g. \"olist-dev\"."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,24}$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{2,24}$."
  }
}

variable "cidr_block" {
  type        = string
  description = "IPv4 CIDR of the VPC, a /16 to /20: private subnets get a /20 slice each (of a /16), public subnets a /24 from the last slice."
  default     = "10.40.0.0/16"

  validation {
    condition = (
      can(cidrhost(var.cidr_block, 0)) &&
      try(tonumber(split("/", var.cidr_block)[1]) >= 16 && tonumber(split("/", var.cidr_block)[1]) <= 20, false)
    )
    error_message = "cidr_block must be a valid IPv4 CIDR with a prefix length from /16 to /20."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Availability zones to spread the subnets over (at least 3: Redshift Serverless needs subnets in three)."

  validation {
    condition     = length(var.availability_zones) >= 3 && length(var.availability_zones) <= 6 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must list 3 to 6 distinct zones."
  }
}

variable "nat_gateway_per_az" {
  type        = bool
  description = "One NAT gateway per availability zone (true, for prod) or a single shared one (false, for dev)."
  default     = false
}

variable "interface_endpoint_az_count" {
  type        = number
  description = "In how many of the availability zones (the first ones) each interface endpoint gets a network interface: every zone survives a zone outage, one costs a third (traffic from the other zones then crosses zones)."
  default     = 3

  validation {
    condition     = var.interface_endpoint_az_count >= 1 && var.interface_endpoint_az_count <= length(var.availability_zones)
    error_message = "interface_endpoint_az_count must be between 1 and the number of availability zones."
  }
}

variable "interface_endpoint_services" {
  type        = list(string)
  description = "Service names (the part after com.amazonaws.<region>.) that get an interface VPC endpoint with private DNS."
  default = [
    "secretsmanager",
    "logs",
    "monitoring",
    "kms",
    "sts",
    "sqs",
    "glue",
    "redshift-data",
    "redshift-serverless",
    "ecr.api",
    "ecr.dkr",
    "airflow.api",
    "airflow.env",
    "airflow.ops",
  ]

  validation {
    condition     = alltrue([for s in var.interface_endpoint_services : can(regex("^[a-z0-9-]+(\\.[a-z0-9-]+)*$", s))]) && length(distinct(var.interface_endpoint_services)) == length(var.interface_endpoint_services)
    error_message = "interface_endpoint_services must be distinct short service names such as \"ecr.api\" (without com.amazonaws.<region>.)."
  }

  validation {
    condition     = !contains(var.interface_endpoint_services, "s3")
    error_message = "S3 is served by the gateway endpoint this module always creates; do not list it."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the flow log group, in days (at least 365)."
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value of at least 365 (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "kms_deletion_window_days" {
  type        = number
  description = "Waiting period, in days, before the flow log key is deleted."
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30 && floor(var.kms_deletion_window_days) == var.kms_deletion_window_days
    error_message = "kms_deletion_window_days must be a whole number from 7 to 30."
  }
}

variable "flow_log_traffic_type" {
  type        = string
  description = "Which traffic the VPC flow log records: ACCEPT, REJECT or ALL."
  default     = "ALL"

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ACCEPT, REJECT or ALL."
  }
}
