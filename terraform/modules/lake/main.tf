terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.25.0"
    }
  }
}

data "aws_caller_identity" "current" {}

# Only read in Regions opened before August 2022: the provider knows no ELB account for newer ones.
data "aws_elb_service_account" "current" {
  count = var.alb_log_delivery_elb_account ? 1 : 0
}

locals {
  account_id = data.aws_caller_identity.current.account_id

  # "<name>-<purpose>-<account id>": bucket names are global, the account id makes them unique.
  bucket_names = {
    lake        = "${var.name}-lake-${local.account_id}"
    mwaa        = "${var.name}-mwaa-${local.account_id}"
    artefacts   = "${var.name}-artefacts-${local.account_id}"
    alb_logs    = "${var.name}-alb-logs-${local.account_id}"
    access_logs = "${var.name}-access-logs-${local.account_id}"
  }

  # ALB access logs land under [<prefix>/]AWSLogs/<account id>/, whatever prefix the load balancer sets.
  alb_log_object_arns = [
    "${module.alb_logs_bucket.arn}/AWSLogs/${local.account_id}/*",
    "${module.alb_logs_bucket.arn}/*/AWSLogs/${local.account_id}/*",
  ]
}

# --- KMS key for the lake, MWAA and artefacts buckets -----------------------

module "key" {
  source = "../kms_key"

  alias                = "${var.name}-lake"
  description          = "${var.name}: lake, MWAA source and artefacts buckets"
  deletion_window_days = var.kms_deletion_window_days
}

# --- Buckets ----------------------------------------------------------------
# Each is a ../s3_bucket: private, versioned, encrypted, TLS-only, with a lifecycle configuration.

module "lake_bucket" {
  source = "../s3_bucket"

  name                                   = local.bucket_names.lake
  force_destroy                          = var.force_destroy
  kms_key_arn                            = module.key.arn
  access_logs                            = { target_bucket = module.access_logs_bucket.id, target_prefix = "lake/" }
  deny_insecure_transport_sid            = "LakeDenyInsecureTransport"
  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days

  # Rejected rows are kept for inspection only; the next run writes them again if still bad.
  prefix_expirations = [
    { id = "expire-rejected", prefix = "olist/rejected/", days = var.rejected_expiration_days },
  ]
}

# MWAA requires versioning (which every bucket has): it pins plugins.zip and requirements.txt by version.
module "mwaa_bucket" {
  source = "../s3_bucket"

  name                                   = local.bucket_names.mwaa
  force_destroy                          = var.force_destroy
  kms_key_arn                            = module.key.arn
  access_logs                            = { target_bucket = module.access_logs_bucket.id, target_prefix = "mwaa/" }
  deny_insecure_transport_sid            = "MwaaDenyInsecureTransport"
  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days
}

module "artefacts_bucket" {
  source = "../s3_bucket"

  name                                   = local.bucket_names.artefacts
  force_destroy                          = var.force_destroy
  kms_key_arn                            = module.key.arn
  access_logs                            = { target_bucket = module.access_logs_bucket.id, target_prefix = "artefacts/" }
  deny_insecure_transport_sid            = "ArtefactsDenyInsecureTransport"
  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days

  prefix_expirations = [
    { id = "expire-glue-temp", prefix = "glue-temp/", days = var.glue_temp_expiration_days },
  ]
}

module "alb_logs_bucket" {
  #checkov:skip=CKV_AWS_145:ALB access log delivery supports only SSE-S3, not SSE-KMS (this bucket only)
  source = "../s3_bucket"

  name                                   = local.bucket_names.alb_logs
  force_destroy                          = var.force_destroy
  sse_algorithm                          = "AES256"
  access_logs                            = { target_bucket = module.access_logs_bucket.id, target_prefix = "alb-logs/" }
  deny_insecure_transport_sid            = "AlbLogsDenyInsecureTransport"
  extra_policy_json                      = data.aws_iam_policy_document.alb_log_delivery.json
  lifecycle_rule_id                      = "expire-logs"
  expiration_days                        = var.access_log_expiration_days
  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days
}

module "access_logs_bucket" {
  #checkov:skip=CKV_AWS_145:S3 server access logging supports only SSE-S3 on its target bucket, not SSE-KMS (this bucket only)
  #checkov:skip=CKV_AWS_18:This is the access log target: logging it into itself would loop (this bucket only)
  source = "../s3_bucket"

  name                                   = local.bucket_names.access_logs
  force_destroy                          = var.force_destroy
  sse_algorithm                          = "AES256"
  access_logs                            = null
  deny_insecure_transport_sid            = "AccessLogsDenyInsecureTransport"
  extra_policy_json                      = data.aws_iam_policy_document.s3_access_log_delivery.json
  lifecycle_rule_id                      = "expire-logs"
  expiration_days                        = var.access_log_expiration_days
  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days
}

# --- Log delivery statements, added to the TLS-only bucket policies ----------------

data "aws_iam_policy_document" "alb_log_delivery" {
  # Regions opened in or after August 2022 (and, per AWS, the way forward everywhere).
  statement {
    sid       = "AlbLogDeliveryServiceWrite"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = local.alb_log_object_arns

    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }

  # Regions opened before August 2022 deliver as the Region's Elastic Load Balancing account.
  dynamic "statement" {
    for_each = data.aws_elb_service_account.current

    content {
      sid       = "AlbLogDeliveryElbAccountWrite"
      effect    = "Allow"
      actions   = ["s3:PutObject"]
      resources = local.alb_log_object_arns

      principals {
        type        = "AWS"
        identifiers = [statement.value.arn]
      }
    }
  }
}

data "aws_iam_policy_document" "s3_access_log_delivery" {
  # S3 server access logging writes as the logging service, for this account's buckets above only.
  statement {
    sid       = "S3ServerAccessLogDelivery"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${module.access_logs_bucket.arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values = [
        module.lake_bucket.arn,
        module.mwaa_bucket.arn,
        module.artefacts_bucket.arn,
        module.alb_logs_bucket.arn,
      ]
    }
  }
}
