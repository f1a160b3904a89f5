# What the Kubernetes overlay of this environment needs (infra/README.md, "Settings").

output "bucket" {
  description = "KONTHO_BUCKET"
  value       = aws_s3_bucket.main.bucket
}

output "queue_name" {
  description = "KONTHO_QUEUE_NAME"
  value       = aws_sqs_queue.jobs.name
}

output "queue_url" {
  description = "KONTHO_QUEUE_URL and the ScaledObject's queueURL"
  value       = aws_sqs_queue.jobs.url
}

output "dlq_name" {
  description = "KONTHO_DLQ_NAME"
  value       = aws_sqs_queue.dlq.name
}

output "dlq_url" {
  description = "The dead-letter queue (for the console and alerts)"
  value       = aws_sqs_queue.dlq.url
}

output "max_receive_count" {
  description = "KONTHO_MAX_RECEIVE_COUNT"
  value       = var.max_receive_count
}

output "kms_key_arn" {
  description = "The bucket's customer-managed key"
  value       = aws_kms_key.bucket.arn
}

output "api_role_arn" {
  description = "Role of the kontho-api service account (Pod Identity)"
  value       = aws_iam_role.component["api"].arn
}

output "worker_role_arn" {
  description = "Role of the kontho-worker service account (Pod Identity)"
  value       = aws_iam_role.component["worker"].arn
}

output "keda_role_arn" {
  description = "Role of the KEDA operator's service account (Pod Identity)"
  value       = aws_iam_role.component["keda"].arn
}

output "keda_queue_policy_json" {
  description = "The KEDA role's policy, to attach to an operator role shared with other applications"
  value       = data.aws_iam_policy_document.keda.json
}
