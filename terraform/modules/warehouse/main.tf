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
  namespace_name  = "${var.name}-warehouse"
  workgroup_name  = "${var.name}-warehouse"
  port            = 5439
  logs_arn_prefix = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}"
  # Redshift Serverless exports each log type to /aws/redshift/serverless/<type> (one group per
  # type and account/region); created here so they carry the key and the retention.
  log_exports = ["connectionlog", "useractivitylog", "userlog"]
}

# --- KMS: the namespace's data, its admin password secret and its log groups --------------------

module "key" {
  source = "../kms_key"

  alias                = local.namespace_name
  description          = "${var.name}: the warehouse's data, admin password secret and logs"
  deletion_window_days = var.kms_deletion_window_days
  log_group_arns       = ["${local.logs_arn_prefix}:log-group:/aws/redshift/serverless/*"]
}

resource "aws_cloudwatch_log_group" "exports" {
  for_each = toset(local.log_exports)

  name              = "/aws/redshift/serverless/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.key.arn
}

# --- The COPY role: reads the lake's processed zone only ---------------------------------------------

data "aws_iam_policy_document" "copy_trust" {
  statement {
    sid     = "RedshiftAssumeCopyRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "copy" {
  statement {
    sid       = "ReadProcessedZone"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${var.lake_bucket_arn}/${var.lake_processed_prefix}*"]
  }

  statement {
    sid       = "ListProcessedZone"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.lake_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.lake_processed_prefix}*"]
    }
  }

  statement {
    sid       = "LocateLakeBucket"
    effect    = "Allow"
    actions   = ["s3:GetBucketLocation"]
    resources = [var.lake_bucket_arn]
  }

  statement {
    sid       = "DecryptLakeObjects"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [var.lake_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${data.aws_region.current.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "copy" {
  name               = "${var.name}-warehouse-copy"
  description        = "${var.name}: Redshift COPY from the lake's processed zone"
  assume_role_policy = data.aws_iam_policy_document.copy_trust.json
}

resource "aws_iam_role_policy" "copy" {
  name   = "copy-from-processed-zone"
  role   = aws_iam_role.copy.id
  policy = data.aws_iam_policy_document.copy.json
}

# --- Network -----------------------------------------------------------------------------------------

resource "aws_security_group" "this" {
  name        = local.workgroup_name
  description = "${var.name}: the Redshift Serverless workgroup, 5439 from its clients only"
  vpc_id      = var.vpc_id
}

# count, not for_each: the client SG ids are other modules' outputs, unknown at plan time.
resource "aws_vpc_security_group_ingress_rule" "clients" {
  count = length(var.client_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "Redshift from client security group ${count.index}"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.client_security_group_ids[count.index]
}

# Enhanced VPC routing sends COPY's S3 reads through the workgroup's network interfaces: they
# need 443 to the S3 gateway endpoint.
resource "aws_vpc_security_group_egress_rule" "s3" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to S3 through the gateway endpoint (COPY from the lake)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.s3_prefix_list_id
}

# --- Redshift Serverless ---------------------------------------------------------------------------------

resource "aws_redshiftserverless_namespace" "this" {
  namespace_name = local.namespace_name
  db_name        = var.database_name
  kms_key_id     = module.key.arn

  admin_username                   = var.admin_username
  manage_admin_password            = true
  admin_password_secret_kms_key_id = module.key.arn

  iam_roles            = [aws_iam_role.copy.arn]
  default_iam_role_arn = aws_iam_role.copy.arn
  log_exports          = local.log_exports

  depends_on = [aws_cloudwatch_log_group.exports]
}

resource "aws_redshiftserverless_workgroup" "this" {
  workgroup_name = local.workgroup_name
  namespace_name = aws_redshiftserverless_namespace.this.namespace_name
  base_capacity  = var.base_capacity
  max_capacity   = var.max_capacity
  port           = local.port

  subnet_ids           = var.subnet_ids
  security_group_ids   = [aws_security_group.this.id]
  publicly_accessible  = false
  enhanced_vpc_routing = true

  # AWS returns every parameter: all are set (at AWS's defaults except where noted) so that the
  # plan stays empty after apply.
  config_parameter {
    parameter_key   = "require_ssl"
    parameter_value = "true"
  }

  config_parameter {
    # useractivitylog is exported only with this on.
    parameter_key   = "enable_user_activity_logging"
    parameter_value = "true"
  }

  config_parameter {
    parameter_key   = "use_fips_ssl"
    parameter_value = "false"
  }

  config_parameter {
    parameter_key   = "auto_mv"
    parameter_value = "true"
  }

  config_parameter {
    parameter_key   = "datestyle"
    parameter_value = "ISO, MDY"
  }

  config_parameter {
    parameter_key   = "enable_case_sensitive_identifier"
    parameter_value = "false"
  }

  config_parameter {
    parameter_key   = "query_group"
    parameter_value = "default"
  }

  config_parameter {
    parameter_key   = "search_path"
    parameter_value = "$user, public"
  }

  config_parameter {
    parameter_key   = "max_query_execution_time"
    parameter_value = tostring(var.max_query_execution_time_seconds)
  }
}
