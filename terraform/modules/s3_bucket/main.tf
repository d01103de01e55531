terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.25.0"
    }
  }
}

# One S3 bucket as the platform makes every bucket: private (all four public access blocks,
# owner-enforced objects), versioned, encrypted (SSE-KMS with a bucket key, or SSE-S3 where
# AWS's log delivery allows nothing else), its server access logs sent to a log bucket, a
# lifecycle configuration, and a bucket policy that denies requests without TLS.

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Single-Region platform: versioning protects against overwrites; data is rebuilt, not replicated
  #checkov:skip=CKV2_AWS_62:Nothing consumes S3 events: the DAG, MWAA and Terraform poll or read what they need
  bucket        = var.name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Always on (MWAA, for one, pins plugins.zip and requirements.txt by version).
resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

# SSE-KMS with a bucket key; or SSE-S3, the only encryption that ALB access log delivery and
# an S3 server access log target support. The algorithm is an input, not inferred from the key,
# so that a plan shows it while a new key's ARN is still unknown.
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    bucket_key_enabled = var.sse_algorithm == "aws:kms" ? true : null

    apply_server_side_encryption_by_default {
      sse_algorithm     = var.sse_algorithm
      kms_master_key_id = var.sse_algorithm == "aws:kms" ? var.kms_key_arn : null
    }
  }
}

resource "aws_s3_bucket_logging" "this" {
  # Known at plan time even while the target bucket's name is not: the object itself is given.
  count = var.access_logs != null ? 1 : 0

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_logs.target_bucket
  target_prefix = var.access_logs.target_prefix
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  # Objects under a prefix that expire (rejected rows, temporary files).
  dynamic "rule" {
    for_each = var.prefix_expirations

    content {
      id     = rule.value.id
      status = "Enabled"

      filter {
        prefix = rule.value.prefix
      }

      expiration {
        days = rule.value.days
      }

      abort_incomplete_multipart_upload {
        days_after_initiation = var.abort_incomplete_multipart_upload_days
      }
    }
  }

  # The whole bucket: noncurrent versions, incomplete uploads and, for logs, every object.
  rule {
    id     = var.lifecycle_rule_id
    status = "Enabled"

    filter {}

    dynamic "expiration" {
      for_each = var.expiration_days != null ? [var.expiration_days] : []

      content {
        days = expiration.value
      }
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

# The caller's statements (log delivery, say) come in as a policy document's JSON; this
# document's own TLS-only denial wins over any of theirs with the same sid.
data "aws_iam_policy_document" "this" {
  source_policy_documents = var.extra_policy_json != null ? [var.extra_policy_json] : []

  statement {
    sid       = var.deny_insecure_transport_sid
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

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

# The policy goes on after the public access block so that S3 judges it with the block in place.
resource "aws_s3_bucket_policy" "this" {
  bucket     = aws_s3_bucket.this.id
  policy     = data.aws_iam_policy_document.this.json
  depends_on = [aws_s3_bucket_public_access_block.this]
}
