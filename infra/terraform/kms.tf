# The customer-managed key that encrypts the bucket. A customer key (rather than S3's own) lets the key
# policy and CloudTrail say exactly which roles read tenants' texts and audio, and lets us revoke access
# by key without touching bucket policy. Rotation is yearly and automatic.

data "aws_iam_policy_document" "bucket_key" {
  #checkov:skip=CKV_AWS_111:A key policy, not an IAM policy: Resource "*" here means this one key, and only the account itself is named.
  #checkov:skip=CKV_AWS_356:A key policy, not an IAM policy: Resource "*" here means this one key.
  #checkov:skip=CKV_AWS_109:A key policy, not an IAM policy: the account administers its own key, as in AWS's default key policy.
  # The account administers the key; use by the API and worker roles is granted in their IAM policies
  # (iam.tf), which this statement makes possible. Without it no IAM policy could grant the key at all.
  statement {
    sid       = "AccountAdministersKey"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "bucket" {
  description             = "${local.name}: S3 objects (texts, job records, audio)"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.bucket_key.json
}

resource "aws_kms_alias" "bucket" {
  name          = "alias/${local.name}-bucket"
  target_key_id = aws_kms_key.bucket.key_id
}
