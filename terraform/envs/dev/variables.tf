variable "region" {
  type        = string
  description = "The AWS region of the environment (São Paulo, beside the marketplace's customers)."
  default     = "sa-east-1"
}

variable "shop_domain" {
  type        = string
  description = "The shop API's host name (a DNS record pointing at the load balancer, made outside Terraform)."
}

variable "metabase_domain" {
  type        = string
  description = "Metabase's host name, served by the same load balancer."
}

variable "certificate_arn" {
  type        = string
  description = "The ACM certificate (in this region) covering shop_domain and metabase_domain."
}

variable "shop_image_tag" {
  type        = string
  description = "The tag of the shop image in this environment's ECR repository that the service starts with (later releases are the deploy's: docs/cicd.md)."
}

variable "github_repository" {
  type        = string
  description = "The GitHub repository (owner/name) whose workflows may assume this environment's roles."
}
