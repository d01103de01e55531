# The prod environment: the same modules as envs/dev, sized and protected for the marketplace:
# a NAT gateway and endpoint interfaces in every zone, a multi-AZ database kept 30 days and
# protected from deletion, buckets that refuse to be destroyed while they hold data.

locals {
  name = "olist-prod"
}

data "aws_caller_identity" "current" {}

# terraform/bootstrap's state bucket and key, for the GitHub plan role.
data "aws_kms_alias" "state" {
  name = "alias/olist-terraform-state"
}

module "network" {
  source = "../../modules/network"

  name                        = local.name
  cidr_block                  = "10.40.0.0/16"
  availability_zones          = [for zone in ["a", "b", "c"] : "${var.region}${zone}"]
  nat_gateway_per_az          = true
  interface_endpoint_az_count = 3
}

module "lake" {
  source = "../../modules/lake"

  name                               = local.name
  force_destroy                      = false
  rejected_expiration_days           = 30
  noncurrent_version_expiration_days = 90
}

module "secrets" {
  source = "../../modules/secrets"

  name                 = local.name
  recovery_window_days = 30
}

module "shop_database" {
  source = "../../modules/shop_database"

  name       = local.name
  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.private_subnet_ids
  client_security_group_ids = [
    module.shop_service.shop_security_group_id,
    module.shop_service.metabase_security_group_id,
    module.mwaa.security_group_id,
  ]
  instance_class        = "db.m6g.large"
  allocated_storage     = 100
  max_allocated_storage = 500
  multi_az              = true
  backup_retention_days = 30
  deletion_protection   = true
  skip_final_snapshot   = false
}

module "warehouse" {
  source = "../../modules/warehouse"

  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.mwaa.security_group_id, module.shop_service.metabase_security_group_id]
  s3_prefix_list_id         = module.network.s3_prefix_list_id
  base_capacity             = 8
  max_capacity              = 64
  lake_bucket_arn           = module.lake.lake_bucket_arn
  lake_kms_key_arn          = module.lake.kms_key_arn
}

module "glue" {
  source = "../../modules/glue"

  name                  = local.name
  artefacts_bucket_name = module.lake.artefacts_bucket_name
  artefacts_bucket_arn  = module.lake.artefacts_bucket_arn
  artefacts_kms_key_arn = module.lake.kms_key_arn
  lake_bucket_name      = module.lake.lake_bucket_name
  lake_bucket_arn       = module.lake.lake_bucket_arn
  lake_kms_key_arn      = module.lake.kms_key_arn
  worker_type           = "G.1X"
  number_of_workers     = 4
}

module "mwaa" {
  source = "../../modules/mwaa"

  name                            = local.name
  vpc_id                          = module.network.vpc_id
  private_subnet_ids              = slice(module.network.private_subnet_ids, 0, 2)
  source_bucket_name              = module.lake.mwaa_bucket_name
  source_bucket_arn               = module.lake.mwaa_bucket_arn
  source_kms_key_arn              = module.lake.kms_key_arn
  environment_class               = "mw1.small"
  min_workers                     = 1
  max_workers                     = 3
  lake_bucket_arn                 = module.lake.lake_bucket_arn
  lake_kms_key_arn                = module.lake.kms_key_arn
  lake_root_uri                   = module.lake.lake_root_uri
  glue_job_name                   = module.glue.job_name
  glue_job_arn                    = module.glue.job_arn
  warehouse                       = module.warehouse
  shop_database_security_group_id = module.shop_database.security_group_id
  airflow_secrets_arn_prefix      = module.secrets.airflow_secrets_arn_prefix
  secrets_kms_key_arn             = module.secrets.kms_key_arn
}

module "shop_service" {
  source = "../../modules/shop_service"

  name                             = local.name
  vpc_id                           = module.network.vpc_id
  public_subnet_ids                = module.network.public_subnet_ids
  private_subnet_ids               = module.network.private_subnet_ids
  certificate_arn                  = var.certificate_arn
  shop_domain                      = var.shop_domain
  metabase_domain                  = var.metabase_domain
  shop_image_tag                   = var.shop_image_tag
  shop_desired_count               = 2
  metabase_desired_count           = 1
  shop_secret_arns                 = module.secrets.shop_secret_arns
  migrations_database              = module.shop_database
  metabase_database_uri_secret_arn = module.secrets.metabase_database_uri_secret_arn
  secrets_kms_key_arn              = module.secrets.kms_key_arn
  alb_logs_bucket_name             = module.lake.alb_logs_bucket_name
  deletion_protection              = true
}

module "github_oidc" {
  source = "../../modules/github_oidc"

  name              = local.name
  environment       = "prod"
  github_repository = var.github_repository
  state_bucket_name = "olist-terraform-state-${data.aws_caller_identity.current.account_id}"
  state_kms_key_arn = data.aws_kms_alias.state.target_key_arn
}
