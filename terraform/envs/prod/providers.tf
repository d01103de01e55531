provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "olist"
      Environment = "prod"
      ManagedBy   = "terraform"
    }
  }
}
