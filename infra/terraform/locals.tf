# The naming convention both layers share: infra/k8s/overlays/{environment} sets these same names in the
# ConfigMap and the ScaledObject, and tests/infra/test_names_agree.py checks them against these formats.
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  name       = "kontho-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # S3 bucket names are global; the account id keeps two accounts' environments from colliding.
  bucket_name    = "${local.name}-${local.account_id}"
  queue_name     = "${local.name}-jobs.fifo"
  dlq_name       = "${local.name}-jobs-dlq.fifo"
  api_sa         = "kontho-api"
  worker_sa      = "kontho-worker"
  cluster_arn    = "arn:${local.partition}:eks:${var.region}:${local.account_id}:cluster/${var.cluster_name}"
  retention_secs = 14 * 24 * 3600 # SQS's maximum: a dead letter waits two weeks for a person

  # Days a cached chunk may be kept after its last use, one lifecycle rule each: kontho.keys.CHUNK_CACHE_DAYS.
  chunk_cache_days = [7, 14, 30]
}
