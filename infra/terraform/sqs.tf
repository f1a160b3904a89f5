# The FIFO job queue and its FIFO dead-letter queue (a FIFO queue's DLQ must be FIFO too). Messages carry a
# job id and a schema version, never text.
#
# Encryption: SQS-managed SSE rather than the bucket's KMS key. The messages hold only opaque ids, so a
# customer key would protect nothing more, while it would add a KMS permission to every sender and
# receiver (the API, the workers) and KMS requests on each send and receive. KEDA needs no key either way.

resource "aws_sqs_queue" "dlq" {
  name                      = local.dlq_name
  fifo_queue                = true
  message_retention_seconds = local.retention_secs # two weeks for a person to look and redrive
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "jobs" {
  name       = local.queue_name
  fifo_queue = true
  # Each message carries its own MessageDeduplicationId (the job id, or job id + redrive stamp).
  content_based_deduplication = false
  # The worker asks for this on every receive and heartbeat too (KONTHO_VISIBILITY_TIMEOUT_SECONDS).
  visibility_timeout_seconds = var.visibility_timeout_seconds
  receive_wait_time_seconds  = 20 # long poll, as KONTHO_POLL_WAIT_SECONDS
  message_retention_seconds  = local.retention_secs
  max_message_size           = 262144 # 256 KiB, SQS's maximum; a pointer message is a few hundred bytes
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
}

# Only the job queue may dead-letter into the DLQ. A resource of its own: set inline on the DLQ, it would
# name the job queue, which names the DLQ, and Terraform would find a cycle.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.jobs.arn]
  })
}
