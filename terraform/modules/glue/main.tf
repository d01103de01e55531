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

# The deploy uploads dist/glue/ before apply; Terraform reads the module list from there (a
# text/plain object, so the data source returns its body).
data "aws_s3_object" "additional_python_modules" {
  bucket = var.artefacts_bucket_name
  key    = "glue/additional-python-modules.txt"
}

locals {
  # deploy/aws_runtimes.json is the one place the targeted Glue version is stated.
  glue_version = jsondecode(file("${path.module}/../../../deploy/aws_runtimes.json")).glue.version

  job_name                    = "${var.name}-clean-olist"
  security_configuration_name = "${var.name}-clean-olist"
  role_name                   = "${var.name}-glue-clean-olist"
  # Glue 5.0 writes <prefix>/error (system, Spark, GlueLogger) and <prefix>/output (stdout,
  # stderr) with --custom-logGroup-prefix.
  log_group_prefix   = "/aws-glue/jobs/${local.job_name}"
  log_group_suffixes = ["error", "output"]

  logs_arn_prefix = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}"
  # This job's log groups only: the custom prefix, and the names Glue derives from a security
  # configuration ("<config>-role/<role>/..." and "logs-v2-<config>"), both named after the job.
  job_log_group_arns = [
    "${local.logs_arn_prefix}:log-group:${local.log_group_prefix}*",
    "${local.logs_arn_prefix}:log-group:/aws-glue/jobs/logs-v2-${local.security_configuration_name}*",
  ]

  artefacts_uri = "s3://${var.artefacts_bucket_name}"
  lake          = "${var.lake_bucket_arn}/${var.lake_prefix}"
  s3_kms_keys   = distinct([var.lake_kms_key_arn, var.artefacts_kms_key_arn])
}

# --- KMS: the job's logs and bookmarks (S3 objects use the lake's key) -----------------------------

module "key" {
  source = "../kms_key"

  alias                = local.job_name
  description          = "${var.name}: the Glue cleaning job's logs and bookmarks"
  deletion_window_days = var.kms_deletion_window_days
  log_group_arns       = local.job_log_group_arns
}

resource "aws_cloudwatch_log_group" "job" {
  for_each = toset(local.log_group_suffixes)

  name              = "${local.log_group_prefix}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.key.arn
}

resource "aws_glue_security_configuration" "this" {
  name = local.security_configuration_name

  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = module.key.arn
    }

    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = module.key.arn
    }

    # What the job writes lands in the lake: the lake's key, which the readers (MWAA, COPY)
    # can decrypt.
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = var.lake_kms_key_arn
    }
  }
}

# --- The job's role -----------------------------------------------------------------------------------

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "GlueAssumeJobRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "job" {
  statement {
    sid       = "ReadJobArtefacts"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${var.artefacts_bucket_arn}/glue/*"]
  }

  statement {
    sid    = "ReadWriteTempDir"
    effect = "Allow"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:DeleteObject",
      "s3:GetObject",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
    ]
    resources = ["${var.artefacts_bucket_arn}/glue-temp/*"]
  }

  statement {
    sid       = "ListArtefacts"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.artefacts_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["glue/*", "glue-temp", "glue-temp/*"]
    }
  }

  statement {
    sid       = "ReadRawZone"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${local.lake}/raw/*"]
  }

  # The job writes Parquet under a fresh attempt folder, commits the partition's manifest and
  # deletes the partition's other files; it reads back what it wrote to count the rows.
  statement {
    sid    = "ReadWriteCleanZones"
    effect = "Allow"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:DeleteObject",
      "s3:GetObject",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
    ]
    resources = ["${local.lake}/processed/*", "${local.lake}/rejected/*"]
  }

  statement {
    sid       = "ListLakeZones"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.lake_bucket_arn]

    # The zone names without "/" too: Spark probes a folder as a prefix before listing into it.
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values = [
        "${var.lake_prefix}/raw",
        "${var.lake_prefix}/raw/*",
        "${var.lake_prefix}/processed",
        "${var.lake_prefix}/processed/*",
        "${var.lake_prefix}/rejected",
        "${var.lake_prefix}/rejected/*",
      ]
    }
  }

  statement {
    sid       = "LocateBuckets"
    effect    = "Allow"
    actions   = ["s3:GetBucketLocation"]
    resources = distinct([var.artefacts_bucket_arn, var.lake_bucket_arn])
  }

  statement {
    sid       = "UseBucketKeysThroughS3"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = local.s3_kms_keys

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${data.aws_region.current.region}.amazonaws.com"]
    }
  }

  # Bookmarks are client-side encrypted (CSE-KMS): the job calls KMS itself.
  statement {
    sid       = "UseJobKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [module.key.arn]
  }

  statement {
    sid    = "WriteJobLogs"
    effect = "Allow"
    actions = [
      "logs:AssociateKmsKey",
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = local.job_log_group_arns
  }

  # Exception: cloudwatch:PutMetricData has no resource-level permissions; narrowed to Glue's
  # metric namespace (--enable-metrics).
  statement {
    sid       = "GlueJobMetricsNoResourceLevel"
    effect    = "Allow"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["Glue"]
    }
  }
}

resource "aws_iam_role" "job" {
  name               = local.role_name
  description        = "${var.name}: the Glue job that cleans the lake's raw zone"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

resource "aws_iam_role_policy" "job" {
  name   = "clean-olist"
  role   = aws_iam_role.job.id
  policy = data.aws_iam_policy_document.job.json
}

# --- The job --------------------------------------------------------------------------------------------

resource "aws_glue_job" "this" {
  name                   = local.job_name
  description            = "${var.name}: clean one raw ingest date of the lake into its processed and rejected zones"
  role_arn               = aws_iam_role.job.arn
  glue_version           = local.glue_version
  worker_type            = var.worker_type
  number_of_workers      = var.number_of_workers
  timeout                = var.timeout_minutes
  max_retries            = 0 # the DAG task retries, with a fresh attempt folder
  security_configuration = aws_glue_security_configuration.this.name

  command {
    name            = "glueetl"
    python_version  = "3"
    script_location = "${local.artefacts_uri}/glue/clean_olist.py"
  }

  execution_property {
    max_concurrent_runs = var.max_concurrent_runs
  }

  # The run's own arguments (--lake_uri, --ingest_date, --run_id, --tables) come from the DAG
  # with every StartJobRun; these are the job's fixed ones.
  default_arguments = {
    # Overridden by the DAG on every run; lets a run started by hand find the lake.
    "--lake_uri"                         = "s3://${var.lake_bucket_name}/${var.lake_prefix}"
    "--job-language"                     = "python"
    "--extra-py-files"                   = "${local.artefacts_uri}/glue/olist_cleaning.zip"
    "--additional-python-modules"        = trimspace(data.aws_s3_object.additional_python_modules.body)
    "--TempDir"                          = "${local.artefacts_uri}/glue-temp/"
    "--enable-continuous-cloudwatch-log" = "true"
    "--custom-logGroup-prefix"           = local.log_group_prefix
    "--enable-metrics"                   = "true"
    "--job-bookmark-option"              = "job-bookmark-disable"
  }

  depends_on = [aws_cloudwatch_log_group.job, aws_iam_role_policy.job]
}
