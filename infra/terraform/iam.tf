# One role per component, handed to pods by EKS Pod Identity (aws_eks_pod_identity_association).
#
# Why Pod Identity rather than IRSA: the roles trust one service principal (pods.eks.amazonaws.com) instead
# of a per-cluster OIDC provider, so a cluster can be replaced or added without editing trust policies, and
# the service accounts need no role-ARN annotation: the manifests stay the same in every environment. The
# association names cluster, namespace and service account, which is what pins a role to its pods. boto3
# (>= 1.34) and KEDA's AWS SDK read Pod Identity credentials from the standard container provider.

data "aws_iam_policy_document" "pod_identity_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
    # Only this account's cluster may hand these roles out.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.cluster_arn]
    }
  }
}

locals {
  bucket_arn = aws_s3_bucket.main.arn
  # S3 reaches the key on the roles' behalf; nothing else may use it through these roles.
  kms_via_s3 = "s3.${var.region}.amazonaws.com"
}

# ---------------------------------------------------------------------------------------------------------
# API: validate, store, enqueue, report.

data "aws_iam_policy_document" "api" {
  # HeadBucket (/readyz) and the job listing (GET /v1/jobs lists tenants/{t}/index/). Listing shows key
  # names only; reading an object needs the prefix grants below.
  statement {
    sid       = "ListBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
  }

  # Job records and inputs, uploads (presigned PUT for the client, then read for ingest), the index,
  # active-job markers, presigned GETs of finished audio, the usage ledger, idempotency records, the
  # tenants' lexicons and their cloned voices (records and reference clips).
  statement {
    sid     = "ReadWriteTenantObjects"
    actions = ["s3:GetObject", "s3:PutObject"]
    resources = [
      "${local.bucket_arn}/tenants/*",
      "${local.bucket_arn}/lexicons/*",
      "${local.bucket_arn}/voices/*",
      "${local.bucket_arn}/usage/*",
      "${local.bucket_arn}/idempotency/*",
    ]
  }

  # The API deletes: an active-job or sample marker a failed submission had reserved; a job and all it
  # left (DELETE /v1/jobs/{id}: record, text, chunks, audio, index entry, idempotency claim); a lexicon
  # (and its copy where lexicons were kept before, under tenants/, once it is moved); a cloned voice and
  # its clips (DELETE /v1/voices/{id}).
  statement {
    sid     = "DeleteTenantObjects"
    actions = ["s3:DeleteObject"]
    resources = [
      "${local.bucket_arn}/tenants/*",
      "${local.bucket_arn}/lexicons/*",
      "${local.bucket_arn}/voices/*",
      "${local.bucket_arn}/idempotency/*",
    ]
  }

  statement {
    sid       = "BucketKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.bucket.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.kms_via_s3]
    }
  }

  # Send each job; GetQueueAttributes answers /readyz; GetQueueUrl when only KONTHO_QUEUE_NAME is set.
  statement {
    sid       = "EnqueueJobs"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    resources = [aws_sqs_queue.jobs.arn]
  }

  # The dead-letter queue's depth on the API's /metrics, so its alert fires while no worker runs.
  statement {
    sid       = "ReadDeadLetterDepth"
    actions   = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    resources = [aws_sqs_queue.dlq.arn]
  }
}

resource "aws_eks_pod_identity_association" "api" {
  cluster_name    = var.cluster_name
  namespace       = var.namespace
  service_account = local.api_sa
  role_arn        = aws_iam_role.component["api"].arn
}

# ---------------------------------------------------------------------------------------------------------
# Worker: render jobs; also the identity `python -m worker.dlq` runs under (kubectl exec into a worker).

data "aws_iam_policy_document" "worker" {
  # The model cache lists a model's prefix; resuming lists a job's checkpoints.
  statement {
    sid       = "ListBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
  }

  # Job records, inputs, cached chunks (written, and refreshed by a copy onto themselves, with the
  # kontho-cache-days tag, which needs PutObjectTagging beside PutObject), artifacts, active-job markers
  # and the usage ledger.
  statement {
    sid     = "ReadWriteJobObjects"
    actions = ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject"]
    resources = [
      "${local.bucket_arn}/tenants/*",
      "${local.bucket_arn}/usage/*",
    ]
  }

  statement {
    sid       = "ReadModels"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${var.model_prefix}*"]
  }

  # A tenant's cloned voice: its record (read for every job that names it) and its reference clips.
  statement {
    sid       = "ReadClonedVoices"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/voices/*"]
  }

  # XTTS speaker conditioning, computed once per reference set and checkpoint and kept for every worker.
  statement {
    sid       = "ReadWriteXttsConditioning"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${local.bucket_arn}/xtts-conditioning/*"]
  }

  statement {
    sid       = "BucketKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.bucket.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.kms_via_s3]
    }
  }

  # Consume: receive, heartbeat and release (ChangeMessageVisibility), acknowledge, depth for the
  # metrics gauge; SendMessage for the DLQ tool's fresh resends.
  statement {
    sid = "ConsumeJobs"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:SendMessage",
    ]
    resources = [aws_sqs_queue.jobs.arn]
  }

  # The DLQ gauge (depth), and `python -m worker.dlq`: list (receive, then release with
  # ChangeMessageVisibility), redrive (StartMessageMoveTask from the DLQ, or receive, resend, delete).
  statement {
    sid = "DeadLetters"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:StartMessageMoveTask",
    ]
    resources = [aws_sqs_queue.dlq.arn]
  }
}

resource "aws_eks_pod_identity_association" "worker" {
  cluster_name    = var.cluster_name
  namespace       = var.namespace
  service_account = local.worker_sa
  role_arn        = aws_iam_role.component["worker"].arn
}

# ---------------------------------------------------------------------------------------------------------
# KEDA: the aws-sqs-queue scaler reads ApproximateNumberOfMessages(+NotVisible), and nothing else.

data "aws_iam_policy_document" "keda" {
  statement {
    sid       = "ReadQueueDepth"
    actions   = ["sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.jobs.arn]
  }
}

resource "aws_eks_pod_identity_association" "keda" {
  count           = var.associate_keda_operator ? 1 : 0
  cluster_name    = var.cluster_name
  namespace       = var.keda_namespace
  service_account = var.keda_service_account
  role_arn        = aws_iam_role.component["keda"].arn
}

# ---------------------------------------------------------------------------------------------------------
# One role per component, each trusting EKS Pod Identity and holding its own inline policy (above).

locals {
  component_policies = {
    api    = data.aws_iam_policy_document.api.json
    worker = data.aws_iam_policy_document.worker.json
    keda   = data.aws_iam_policy_document.keda.json
  }
}

resource "aws_iam_role" "component" {
  for_each           = local.component_policies
  name               = "${local.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.pod_identity_trust.json
}

resource "aws_iam_role_policy" "component" {
  for_each = local.component_policies
  name     = "kontho-${each.key}"
  role     = aws_iam_role.component[each.key].id
  policy   = each.value
}
