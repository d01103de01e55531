terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.25.0"
    }
  }
}

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region

  # The names are fixed: MWAA's secrets backend looks connections up under airflow/connections/
  # (deploy/mwaa_settings.json), and one account holds one environment.
  airflow_connections = {
    olist_shop = {
      name        = "airflow/connections/olist_shop"
      description = "Airflow connection olist_shop: the shop's RDS PostgreSQL database, signed in as the read-only extract role. Value: Airflow connection JSON {\"conn_type\": \"postgres\", \"host\": \"<RDS address>\", \"port\": 5432, \"schema\": \"olist\", \"login\": \"<extract role>\", \"password\": \"<password>\", \"extra\": {\"sslmode\": \"require\"}} (or the same as an Airflow connection URI postgres://...)."
    }
    olist_warehouse = {
      name        = "airflow/connections/olist_warehouse"
      description = "Airflow connection olist_warehouse: Redshift Serverless through the Data API with the MWAA execution role's credentials (no password). Value: Airflow connection JSON {\"conn_type\": \"redshift\", \"host\": \"<workgroup endpoint>\", \"port\": 5439, \"schema\": \"<warehouse database>\", \"extra\": {\"iam_role\": \"<COPY role ARN>\", \"workgroup_name\": \"<workgroup>\", \"region_name\": \"<region>\", \"sqlalchemy_url\": \"<redshift+redshift_connector:// URL for the Great Expectations checks>\"}}."
    }
  }

  shop_secrets = {
    django_secret_key = {
      name        = "olist/shop/django_secret_key"
      description = "The shop's DJANGO_SECRET_KEY. Value: plain text, a random string of at least 50 characters (e.g. python -c \"import secrets; print(secrets.token_urlsafe(64))\")."
    }
    database_url = {
      name        = "olist/shop/database_url"
      description = "The shop service's DATABASE_URL, signed in as olist_shop_app (read and write on the shop's tables, no DDL); read by the shop's ECS service. Value: plain text libpq URI postgresql://olist_shop_app:<url-encoded password>@<RDS address>:5432/olist?sslmode=require (the database forces TLS)."
    }
  }

  # The warehouse as Metabase reads it: the read-only BI user (olist_bi role; docs/deploy.md),
  # which make metabase takes as METABASE_WAREHOUSE_URL.
  metabase_warehouse_url = {
    name        = "olist/metabase/warehouse_url"
    description = "The warehouse as Metabase reads it, signed in as the read-only BI user (role olist_bi: core and marts only). Value: plain text redshift://olist_metabase:<url-encoded password>@<workgroup endpoint>:5439/<warehouse database>, the METABASE_WAREHOUSE_URL of make metabase."
  }

  metabase_database_uri = {
    name        = "olist/metabase/database_uri"
    description = "Metabase's MB_DB_CONNECTION_URI, its application database on the shop's RDS instance. Value: plain text URI postgres://<RDS address>:5432/metabase?user=<user>&password=<url-encoded password>&ssl=true&sslmode=require."
  }
}

# --- KMS key --------------------------------------------------------------------

module "key" {
  source = "../kms_key"

  alias                = "${var.name}-secrets"
  description          = "${var.name}: Secrets Manager entries"
  deletion_window_days = var.kms_deletion_window_days
}

# --- Secrets (no values: they are set outside Terraform) ---------------------------

resource "aws_secretsmanager_secret" "airflow_connection" {
  #checkov:skip=CKV2_AWS_57:Rotation is manual: the values are set outside Terraform and no rotation Lambda exists for them.
  for_each = local.airflow_connections

  name                    = each.value.name
  description             = each.value.description
  kms_key_id              = module.key.arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret" "shop" {
  #checkov:skip=CKV2_AWS_57:Rotation is manual: the values are set outside Terraform and no rotation Lambda exists for them.
  for_each = local.shop_secrets

  name                    = each.value.name
  description             = each.value.description
  kms_key_id              = module.key.arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret" "metabase_database_uri" {
  #checkov:skip=CKV2_AWS_57:Rotation is manual: the value is set outside Terraform and no rotation Lambda exists for it.
  name                    = local.metabase_database_uri.name
  description             = local.metabase_database_uri.description
  kms_key_id              = module.key.arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret" "metabase_warehouse_url" {
  #checkov:skip=CKV2_AWS_57:Rotation is manual: the value is set outside Terraform and no rotation Lambda exists for it.
  name                    = local.metabase_warehouse_url.name
  description             = local.metabase_warehouse_url.description
  kms_key_id              = module.key.arn
  recovery_window_in_days = var.recovery_window_days
}
