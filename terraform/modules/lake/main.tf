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
    "${aws_s3_bucket.alb_logs.arn}/AWSLogs/${local.account_id}/*",
    "${aws_s3_bucket.alb_logs.arn}/*/AWSLogs/${local.account_id}/*",
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

resource "aws_s3_bucket" "lake" {
  #checkov:skip=CKV_AWS_144:Single-Region platform; versioning protects the lake and raw/ can be re-extracted from the shop.
  #checkov:skip=CKV2_AWS_62:Nothing consumes S3 events: the DAG drives every step.
  bucket        = local.bucket_names.lake
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket" "mwaa" {
  #checkov:skip=CKV_AWS_144:Single-Region platform; the bucket only holds the bundle CI builds from git.
  #checkov:skip=CKV2_AWS_62:MWAA polls its source bucket; nothing consumes S3 events.
  bucket        = local.bucket_names.mwaa
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket" "artefacts" {
  #checkov:skip=CKV_AWS_144:Single-Region platform; the bucket holds the Glue bundle CI builds from git and Glue's temporary files.
  #checkov:skip=CKV2_AWS_62:Nothing consumes S3 events from the Glue artefacts.
  bucket        = local.bucket_names.artefacts
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket" "alb_logs" {
  #checkov:skip=CKV_AWS_144:Single-Region platform; replicating load balancer access logs is not worth it.
  #checkov:skip=CKV2_AWS_62:Nothing consumes S3 events from the ALB access logs.
  #checkov:skip=CKV_AWS_145:ALB access logging supports only SSE-S3, not SSE-KMS.
  bucket        = local.bucket_names.alb_logs
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_144:Single-Region platform; replicating S3 server access logs is not worth it.
  #checkov:skip=CKV2_AWS_62:Nothing consumes S3 events from the access logs.
  #checkov:skip=CKV_AWS_145:S3 server access logging supports only SSE-S3 on the target bucket, not SSE-KMS.
  bucket        = local.bucket_names.access_logs
  force_destroy = var.force_destroy
}

# --- Settings every bucket shares ---------------------------------------------

resource "aws_s3_bucket_public_access_block" "lake" {
  bucket                  = aws_s3_bucket.lake.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_public_access_block" "mwaa" {
  bucket                  = aws_s3_bucket.mwaa.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_public_access_block" "artefacts" {
  bucket                  = aws_s3_bucket.artefacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_public_access_block" "alb_logs" {
  bucket                  = aws_s3_bucket.alb_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "lake" {
  bucket = aws_s3_bucket.lake.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_ownership_controls" "mwaa" {
  bucket = aws_s3_bucket.mwaa.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_ownership_controls" "artefacts" {
  bucket = aws_s3_bucket.artefacts.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_ownership_controls" "alb_logs" {
  bucket = aws_s3_bucket.alb_logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "lake" {
  bucket = aws_s3_bucket.lake.id

  versioning_configuration {
    status = "Enabled"
  }
}

# MWAA requires versioning: the environment pins plugins.zip and requirements.txt by version.
resource "aws_s3_bucket_versioning" "mwaa" {
  bucket = aws_s3_bucket.mwaa.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_versioning" "artefacts" {
  bucket = aws_s3_bucket.artefacts.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_versioning" "alb_logs" {
  bucket = aws_s3_bucket.alb_logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.key.arn
    }
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "mwaa" {
  bucket = aws_s3_bucket.mwaa.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.key.arn
    }
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artefacts" {
  bucket = aws_s3_bucket.artefacts.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.key.arn
    }
  }
}

# ALB access logs: SSE-S3 is the only encryption the log delivery supports.
resource "aws_s3_bucket_server_side_encryption_configuration" "alb_logs" {
  bucket = aws_s3_bucket.alb_logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# S3 server access logs: SSE-S3 is the only default encryption a log target bucket supports.
resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Server access logs of every other bucket, each under its own prefix.
resource "aws_s3_bucket_logging" "lake" {
  bucket        = aws_s3_bucket.lake.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "lake/"
}

resource "aws_s3_bucket_logging" "mwaa" {
  bucket        = aws_s3_bucket.mwaa.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "mwaa/"
}

resource "aws_s3_bucket_logging" "artefacts" {
  bucket        = aws_s3_bucket.artefacts.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "artefacts/"
}

resource "aws_s3_bucket_logging" "alb_logs" {
  bucket        = aws_s3_bucket.alb_logs.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "alb-logs/"
}

# --- Lifecycle ----------------------------------------------------------------

resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id

  # Rejected rows are kept for inspection only; the next run writes them again if still bad.
  rule {
    id     = "expire-rejected"
    status = "Enabled"

    filter {
      prefix = "olist/rejected/"
    }

    expiration {
      days = var.rejected_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.lake]
}

resource "aws_s3_bucket_lifecycle_configuration" "mwaa" {
  bucket = aws_s3_bucket.mwaa.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.mwaa]
}

resource "aws_s3_bucket_lifecycle_configuration" "artefacts" {
  bucket = aws_s3_bucket.artefacts.id

  rule {
    id     = "expire-glue-temp"
    status = "Enabled"

    filter {
      prefix = "glue-temp/"
    }

    expiration {
      days = var.glue_temp_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.artefacts]
}

resource "aws_s3_bucket_lifecycle_configuration" "alb_logs" {
  bucket = aws_s3_bucket.alb_logs.id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.access_log_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.alb_logs]
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.access_log_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.access_logs]
}

# --- Bucket policies ------------------------------------------------------------

data "aws_iam_policy_document" "lake_bucket" {
  statement {
    sid       = "LakeDenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.lake.arn, "${aws_s3_bucket.lake.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

data "aws_iam_policy_document" "mwaa_bucket" {
  statement {
    sid       = "MwaaDenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.mwaa.arn, "${aws_s3_bucket.mwaa.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

data "aws_iam_policy_document" "artefacts_bucket" {
  statement {
    sid       = "ArtefactsDenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.artefacts.arn, "${aws_s3_bucket.artefacts.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

data "aws_iam_policy_document" "alb_logs_bucket" {
  statement {
    sid       = "AlbLogsDenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.alb_logs.arn, "${aws_s3_bucket.alb_logs.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

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

data "aws_iam_policy_document" "access_logs_bucket" {
  statement {
    sid       = "AccessLogsDenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # S3 server access logging writes as the logging service, for this account's buckets above only.
  statement {
    sid       = "S3ServerAccessLogDelivery"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs.arn}/*"]

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
        aws_s3_bucket.lake.arn,
        aws_s3_bucket.mwaa.arn,
        aws_s3_bucket.artefacts.arn,
        aws_s3_bucket.alb_logs.arn,
      ]
    }
  }
}

# Policies go on after the public access block so that S3 judges them with it in place.
resource "aws_s3_bucket_policy" "lake" {
  bucket     = aws_s3_bucket.lake.id
  policy     = data.aws_iam_policy_document.lake_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.lake]
}

resource "aws_s3_bucket_policy" "mwaa" {
  bucket     = aws_s3_bucket.mwaa.id
  policy     = data.aws_iam_policy_document.mwaa_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.mwaa]
}

resource "aws_s3_bucket_policy" "artefacts" {
  bucket     = aws_s3_bucket.artefacts.id
  policy     = data.aws_iam_policy_document.artefacts_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.artefacts]
}

resource "aws_s3_bucket_policy" "alb_logs" {
  bucket     = aws_s3_bucket.alb_logs.id
  policy     = data.aws_iam_policy_document.alb_logs_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.alb_logs]
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket     = aws_s3_bucket.access_logs.id
  policy     = data.aws_iam_policy_document.access_logs_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}
