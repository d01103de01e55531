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

  environment_name    = var.name
  environment_arn     = "arn:${local.partition}:airflow:${local.region}:${local.account_id}:environment/${local.environment_name}"
  execution_role_name = "${var.name}-mwaa-execution"

  # deploy/ is the one place the runtimes and the environment's options are stated.
  runtimes = jsondecode(file("${path.module}/../../../deploy/aws_runtimes.json"))
  settings = jsondecode(file("${path.module}/../../../deploy/mwaa_settings.json"))

  # The options deploy/mwaa_settings.json leaves to Terraform ("from_terraform").
  from_terraform_options = {
    "olist.lake_uri"                = var.lake_root_uri
    "olist.glue_job_name"           = var.glue_job_name
    "olist.dbt_redshift_host"       = var.warehouse.endpoint_address
    "olist.dbt_redshift_port"       = tostring(var.warehouse.port)
    "olist.dbt_redshift_database"   = var.warehouse.database_name
    "olist.dbt_redshift_user"       = "IAMR:${local.execution_role_name}"
    "olist.dbt_redshift_cluster_id" = ""
    "olist.dbt_redshift_region"     = local.region
  }
  configuration_options = merge(local.settings.configuration_options.fixed, local.from_terraform_options)

  # MWAA writes to log groups named airflow-<environment>-<type>; creating them here sets their
  # retention and key (MWAA has no setting for either).
  log_types            = ["DAGProcessing", "Scheduler", "Task", "WebServer", "Worker"]
  log_group_arn_prefix = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:airflow-${local.environment_name}-"

  lake_olist_objects = "${var.lake_bucket_arn}/olist/*"
}

# The deploy uploads dist/mwaa/ before applying; the environment pins the uploaded versions.
data "aws_s3_object" "plugins" {
  bucket = var.source_bucket_name
  key    = "plugins.zip"
}

data "aws_s3_object" "requirements" {
  bucket = var.source_bucket_name
  key    = "requirements.txt"
}

# --- KMS key of the environment (metadata database, Celery queue, logs) -----

module "key" {
  source = "../kms_key"

  alias                = "${var.name}-mwaa"
  description          = "${var.name}: MWAA environment (metadata database, Celery queue, logs)"
  deletion_window_days = var.kms_deletion_window_days
  log_group_arns       = ["${local.log_group_arn_prefix}*"]
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(local.log_types)

  name              = "airflow-${local.environment_name}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.key.arn
}

# --- Security group ----------------------------------------------------------

resource "aws_security_group" "this" {
  name        = "${var.name}-mwaa"
  description = "MWAA environment ${local.environment_name}"
  vpc_id      = var.vpc_id
}

# MWAA requires a rule that lets the environment's own components reach each other on every port.
resource "aws_vpc_security_group_ingress_rule" "self" {
  security_group_id            = aws_security_group.this.id
  description                  = "All traffic between the environment's components (MWAA requires it)"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.this.id
}

resource "aws_vpc_security_group_ingress_rule" "ui" {
  for_each = toset(var.ui_client_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "HTTPS to the private Airflow UI from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = each.key
}

resource "aws_vpc_security_group_egress_rule" "self" {
  security_group_id            = aws_security_group.this.id
  description                  = "All traffic between the environment's components (MWAA requires it)"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.this.id
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to the VPC endpoints and, through the NAT gateway, PyPI for requirements.txt"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "shop_database" {
  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL to the shop database (the extract)"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.shop_database_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "warehouse" {
  security_group_id            = aws_security_group.this.id
  description                  = "Redshift to the warehouse workgroup (dbt)"
  ip_protocol                  = "tcp"
  from_port                    = var.warehouse.port
  to_port                      = var.warehouse.port
  referenced_security_group_id = var.warehouse.security_group_id
}

# --- Execution role ----------------------------------------------------------

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "AssumeRoleByMwaa"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.environment_arn]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = local.execution_role_name
  description        = "MWAA environment ${local.environment_name}: the Airflow processes and the DAG's AWS calls"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "PublishEnvironmentMetrics"
    effect    = "Allow"
    actions   = ["airflow:PublishMetrics"]
    resources = [local.environment_arn]
  }

  statement {
    sid    = "ReadSourceBucket"
    effect = "Allow"
    actions = [
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:ListBucket",
      "s3:GetBucketLocation",
      "s3:GetBucketPublicAccessBlock",
    ]
    resources = [var.source_bucket_arn, "${var.source_bucket_arn}/*"]
  }

  # MWAA checks that the account blocks public access; the action has no resource type.
  statement {
    sid       = "MwaaReadAccountPublicAccessBlock"
    effect    = "Allow"
    actions   = ["s3:GetAccountPublicAccessBlock"]
    resources = ["*"]
  }

  statement {
    sid    = "WriteEnvironmentLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:GetLogEvents",
    ]
    resources = ["${local.log_group_arn_prefix}*"]
  }

  statement {
    sid       = "DescribeLogGroups"
    effect    = "Allow"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
  }

  # PutMetricData has no resource type; the namespace condition keeps it to MWAA's metrics.
  statement {
    sid       = "MwaaPutMetricDataAmazonMwaaNamespace"
    effect    = "Allow"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["AmazonMWAA"]
    }
  }

  # The Celery queues live in an account AWS owns, so the account part must be a wildcard.
  statement {
    sid    = "MwaaCeleryQueuesInAwsOwnedAccount"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]
    resources = ["arn:${local.partition}:sqs:${local.region}:*:airflow-celery-*"]
  }

  statement {
    sid    = "UseEnvironmentKeyThroughSqsAndS3"
    effect = "Allow"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
    ]
    resources = [module.key.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sqs.${local.region}.amazonaws.com", "s3.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "DecryptSourceBucketThroughS3"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [var.source_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  # GlueJobOperator: GetJob (the job must exist), StartJobRun, then polls; on_kill stops the run.
  statement {
    sid    = "RunCleaningJob"
    effect = "Allow"
    actions = [
      "glue:GetJob",
      "glue:StartJobRun",
      "glue:GetJobRun",
      "glue:GetJobRuns",
      "glue:BatchStopJobRun",
    ]
    resources = [var.glue_job_arn]
  }

  statement {
    sid    = "RedshiftDataOnWorkgroup"
    effect = "Allow"
    actions = [
      "redshift-data:ExecuteStatement",
      "redshift-data:BatchExecuteStatement",
    ]
    resources = [var.warehouse.workgroup_arn]
  }

  # These Data API actions have no resource type; the condition limits them to statements this
  # role ran.
  statement {
    sid    = "RedshiftDataOwnStatementsOnly"
    effect = "Allow"
    actions = [
      "redshift-data:DescribeStatement",
      "redshift-data:GetStatementResult",
      "redshift-data:CancelStatement",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "redshift-data:statement-owner-iam-userid"
      values   = ["$${aws:userid}"]
    }
  }

  # The Data API and dbt (method iam) sign in as IAMR:<this role's name>.
  statement {
    sid       = "RedshiftServerlessCredentials"
    effect    = "Allow"
    actions   = ["redshift-serverless:GetCredentials"]
    resources = [var.warehouse.workgroup_arn]
  }

  # The Secrets Manager backend reads only these prefixes (deploy/mwaa_settings.json).
  statement {
    sid     = "ReadAirflowSecrets"
    effect  = "Allow"
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      "${var.airflow_secrets_arn_prefix}connections/*",
      "${var.airflow_secrets_arn_prefix}variables/*",
    ]
  }

  statement {
    sid       = "DecryptAirflowSecrets"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "ListLakeOlistPrefix"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.lake_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["olist/*"]
    }
  }

  # The DAG writes raw/, data_docs/, dbt_docs/, dbt_runs/, dashboards/ and Redshift COPY
  # manifests under processed/, reads every zone, and replaces partitions (delete).
  statement {
    sid    = "ReadWriteLakeOlistPrefix"
    effect = "Allow"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
    ]
    resources = [local.lake_olist_objects]
  }

  statement {
    sid    = "UseLakeKeyThroughS3"
    effect = "Allow"
    actions = [
      "kms:Decrypt",
      "kms:GenerateDataKey",
    ]
    resources = [var.lake_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "mwaa-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# --- Environment -------------------------------------------------------------

resource "aws_mwaa_environment" "this" {
  name               = local.environment_name
  airflow_version    = local.runtimes.mwaa.airflow
  environment_class  = var.environment_class
  min_workers        = var.min_workers
  max_workers        = var.max_workers
  execution_role_arn = aws_iam_role.execution.arn
  kms_key            = module.key.arn

  source_bucket_arn              = var.source_bucket_arn
  dag_s3_path                    = "dags"
  plugins_s3_path                = "plugins.zip"
  plugins_s3_object_version      = data.aws_s3_object.plugins.version_id
  requirements_s3_path           = "requirements.txt"
  requirements_s3_object_version = data.aws_s3_object.requirements.version_id

  webserver_access_mode         = var.webserver_access
  airflow_configuration_options = local.configuration_options

  logging_configuration {
    dag_processing_logs {
      enabled   = true
      log_level = var.log_level
    }

    scheduler_logs {
      enabled   = true
      log_level = var.log_level
    }

    task_logs {
      enabled   = true
      log_level = var.log_level
    }

    webserver_logs {
      enabled   = true
      log_level = var.log_level
    }

    worker_logs {
      enabled   = true
      log_level = var.log_level
    }
  }

  network_configuration {
    security_group_ids = [aws_security_group.this.id]
    subnet_ids         = var.private_subnet_ids
  }

  lifecycle {
    precondition {
      condition     = length(setsubtract(keys(local.settings.configuration_options.from_terraform), keys(local.from_terraform_options))) == 0
      error_message = "deploy/mwaa_settings.json lists a from_terraform option this module does not set."
    }
  }

  # The role's permissions and the log groups must exist before MWAA starts using them.
  depends_on = [
    aws_iam_role_policy.execution,
    aws_cloudwatch_log_group.this,
  ]
}
