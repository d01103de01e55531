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
  identifier = "${var.name}-shop"
  port       = 5432
  # "16.10" -> "postgres16"
  parameter_group_family = "postgres${split(".", var.engine_version)[0]}"
  logs_arn_prefix        = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}"
  # The log groups RDS exports to; created here so they carry the key and the retention.
  log_exports = ["postgresql", "upgrade"]
}

# --- KMS: storage, Performance Insights, the master user secret and the log groups ---------------

module "key" {
  source = "../kms_key"

  alias                = "${local.identifier}-db"
  description          = "${var.name}: the shop database's storage, Performance Insights, master user secret and logs"
  deletion_window_days = var.kms_deletion_window_days
  log_group_arns       = ["${local.logs_arn_prefix}:log-group:/aws/rds/instance/${local.identifier}/*"]
}

# --- Network ---------------------------------------------------------------------------------------

resource "aws_db_subnet_group" "this" {
  name        = local.identifier
  description = "${var.name}: the shop database's private subnets"
  subnet_ids  = var.subnet_ids
}

resource "aws_security_group" "this" {
  name        = "${local.identifier}-db"
  description = "${var.name}: the shop database, PostgreSQL from its clients only"
  vpc_id      = var.vpc_id
}

# count, not for_each: the client SG ids are other modules' outputs, unknown at plan time.
resource "aws_vpc_security_group_ingress_rule" "clients" {
  count = length(var.client_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from client security group ${count.index}"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.client_security_group_ids[count.index]
}

# --- Parameters and logs ---------------------------------------------------------------------------

resource "aws_db_parameter_group" "this" {
  name        = "${local.identifier}-${local.parameter_group_family}"
  family      = local.parameter_group_family
  description = "${var.name}: TLS only, connection and slow/DDL statement logging"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.log_min_duration_statement_ms)
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "exports" {
  for_each = toset(local.log_exports)

  name              = "/aws/rds/instance/${local.identifier}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.key.arn
}

# --- Enhanced monitoring role ------------------------------------------------------------------------

data "aws_iam_policy_document" "monitoring_trust" {
  statement {
    sid     = "RdsMonitoringAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# What AmazonRDSEnhancedMonitoringRole grants, narrowed to RDS's RDSOSMetrics log group here.
data "aws_iam_policy_document" "monitoring" {
  statement {
    sid       = "RdsOsMetricsLogGroup"
    effect    = "Allow"
    actions   = ["logs:CreateLogGroup", "logs:PutRetentionPolicy"]
    resources = ["${local.logs_arn_prefix}:log-group:RDSOSMetrics"]
  }

  statement {
    sid    = "RdsOsMetricsLogStreams"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:GetLogEvents",
      "logs:PutLogEvents",
    ]
    resources = ["${local.logs_arn_prefix}:log-group:RDSOSMetrics:log-stream:*"]
  }
}

resource "aws_iam_role" "monitoring" {
  name               = "${local.identifier}-rds-monitoring"
  description        = "${var.name}: RDS enhanced monitoring of the shop database"
  assume_role_policy = data.aws_iam_policy_document.monitoring_trust.json
}

resource "aws_iam_role_policy" "monitoring" {
  name   = "enhanced-monitoring"
  role   = aws_iam_role.monitoring.id
  policy = data.aws_iam_policy_document.monitoring.json
}

# --- The instance --------------------------------------------------------------------------------------

resource "aws_db_instance" "this" {
  identifier     = local.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  db_name        = var.database_name
  port           = local.port

  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = module.key.arn

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = module.key.arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  multi_az               = var.multi_az
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  parameter_group_name                = aws_db_parameter_group.this.name
  iam_database_authentication_enabled = true
  auto_minor_version_upgrade          = true
  allow_major_version_upgrade         = false

  backup_retention_period   = var.backup_retention_days
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : "${local.identifier}-final"

  enabled_cloudwatch_logs_exports       = local.log_exports
  monitoring_interval                   = var.monitoring_interval
  monitoring_role_arn                   = var.monitoring_interval > 0 ? aws_iam_role.monitoring.arn : null
  performance_insights_enabled          = var.performance_insights
  performance_insights_kms_key_id       = var.performance_insights ? module.key.arn : null
  performance_insights_retention_period = var.performance_insights ? 7 : null

  # RDS creates the export log groups itself if they are missing: create ours first.
  depends_on = [aws_cloudwatch_log_group.exports, aws_iam_role_policy.monitoring]
}
