# One bucket per environment holds everything durable: texts, job records, checkpoints, audio, the usage
# ledger and voice models. One bucket, because every object of a job lives under one tenant prefix and
# the lifecycle rules, the key and the IAM grants all key off prefixes and tags; a bucket per tenant or per
# kind of object would multiply policies without isolating anything the prefixes do not already isolate.

resource "aws_s3_bucket" "main" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is not worth its cost here: audio can be re-rendered from the stored text, and versioning covers accidental deletes.
  #checkov:skip=CKV2_AWS_62:Nothing consumes S3 events: the API enqueues each job itself after writing it.
  bucket = local.bucket_name
}

resource "aws_s3_bucket_ownership_controls" "main" {
  bucket = aws_s3_bucket.main.id
  rule {
    object_ownership = "BucketOwnerEnforced" # ACLs off: access is IAM and bucket policy only
  }
}

resource "aws_s3_bucket_public_access_block" "main" {
  bucket                  = aws_s3_bucket.main.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "main" {
  bucket = aws_s3_bucket.main.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.bucket.arn
    }
    # A bucket key cuts KMS requests (and their cost) by orders of magnitude: chunk checkpoints are many.
    bucket_key_enabled = true
  }
}

# Versioning on for safety: a bad deploy or a wrong lifecycle rule can be undone for the noncurrent
# window. The job record is overwritten on every progress save, so noncurrent versions expire quickly
# (var.noncurrent_version_expiry_days) instead of piling up.
resource "aws_s3_bucket_versioning" "main" {
  bucket = aws_s3_bucket.main.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "main" {
  bucket     = aws_s3_bucket.main.id
  depends_on = [aws_s3_bucket_versioning.main]

  # Rendered chunks, cached per tenant (tenants/{t}/chunks/) for every later job that reads the same text
  # with the same voice, expire a tenant's chosen number of days after their last use: the worker writes
  # each with the tag kontho-cache-days=N and copies a reused one onto itself once a day, which restarts
  # its age. One rule per allowed N (kontho.keys.CHUNK_CACHE_DAYS), matched by tag, because S3 filters have
  # no wildcard for tenants/*/chunks/. Where two rules match an object S3 applies the earlier expiry, so
  # these win over the tenants/ rule; none is longer than it.
  dynamic "rule" {
    for_each = local.chunk_cache_days
    content {
      id     = "expire-chunk-cache-${rule.value}d"
      status = "Enabled"
      filter {
        and {
          tags = {
            kontho-kind       = "chunk"
            kontho-cache-days = tostring(rule.value)
          }
        }
      }
      expiration {
        days = rule.value
      }
      noncurrent_version_expiration {
        noncurrent_days = 1
      }
      abort_incomplete_multipart_upload {
        days_after_initiation = 1
      }
    }
  }

  # Everything a tenant owns: job records, inputs, audio, uploads, the job index.
  rule {
    id     = "expire-tenant-artifacts"
    status = "Enabled"
    filter {
      prefix = "tenants/"
    }
    expiration {
      days = var.artifact_expiry_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiry_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  # An Idempotency-Key protects retries of one submission, which happen within minutes.
  rule {
    id     = "expire-idempotency-keys"
    status = "Enabled"
    filter {
      prefix = "idempotency/"
    }
    expiration {
      days = var.idempotency_expiry_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  # The usage ledger outlives the jobs it counts: it is what tenants are billed from.
  rule {
    id     = "expire-usage-ledger"
    status = "Enabled"
    filter {
      prefix = "usage/"
    }
    expiration {
      days = var.usage_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiry_days
    }
  }

  # Tenants' cloned voices are kept until deleted; a deleted voice's record and clips (a person's voice)
  # must not linger as noncurrent versions either.
  rule {
    id     = "expire-deleted-voices"
    status = "Enabled"
    filter {
      prefix = "voices/"
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiry_days
    }
    expiration {
      expired_object_delete_marker = true
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  # Bucket-wide housekeeping: failed multipart uploads (large audio) and the delete markers that
  # versioning leaves once every version under them has expired.
  rule {
    id     = "housekeeping"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
    expiration {
      expired_object_delete_marker = true
    }
  }
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.main.arn,
      "${aws_s3_bucket.main.arn}/*",
    ]
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

  statement {
    sid     = "DenyOldTLS"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.main.arn,
      "${aws_s3_bucket.main.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}

resource "aws_s3_bucket_policy" "main" {
  bucket     = aws_s3_bucket.main.id
  policy     = data.aws_iam_policy_document.bucket.json
  depends_on = [aws_s3_bucket_public_access_block.main]
}

# Server access logs, when the account has a log bucket. checkov's CKV_AWS_18 passes on this resource's
# presence; with var.access_log_bucket empty there are no access logs (CloudTrail data events, if the
# account records them, are then the access record).
resource "aws_s3_bucket_logging" "main" {
  count         = var.access_log_bucket == "" ? 0 : 1
  bucket        = aws_s3_bucket.main.id
  target_bucket = var.access_log_bucket
  target_prefix = "s3/${local.bucket_name}/"
}
