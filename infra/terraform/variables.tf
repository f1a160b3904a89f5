# Inputs. The names of everything come from `environment` (locals.tf), so the Kubernetes overlay of the
# same environment can be checked against them (tests/infra/test_names_agree.py).

variable "environment" {
  description = "Environment name: staging or production. Names become kontho-{environment}-..."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.environment))
    error_message = "environment: lower-case letters, digits and dashes, 2 to 21 characters."
  }
}

variable "region" {
  description = "AWS region of the bucket, the queues and the EKS cluster (KONTHO_AWS_REGION)."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster the API, the workers and KEDA run in (its Pod Identity agent serves the roles)."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the API and worker service accounts."
  type        = string
  default     = "kontho"
}

variable "keda_namespace" {
  description = "Namespace of the KEDA operator."
  type        = string
  default     = "keda"
}

variable "keda_service_account" {
  description = "Service account of the KEDA operator."
  type        = string
  default     = "keda-operator"
}

variable "associate_keda_operator" {
  description = <<-EOT
    Give the KEDA role to the KEDA operator's service account through a Pod Identity association. A service
    account holds one association per cluster: where the operator already has one (KEDA shared by several
    applications), set false and attach the keda_queue_policy_json output to the operator's existing role.
  EOT
  type        = bool
  default     = true
}

variable "visibility_timeout_seconds" {
  description = "Job queue VisibilityTimeout; equals KONTHO_VISIBILITY_TIMEOUT_SECONDS (worker heartbeats under it)."
  type        = number
  default     = 120
}

variable "max_receive_count" {
  description = <<-EOT
    Deliveries before a message moves to the DLQ; equals KONTHO_MAX_RECEIVE_COUNT. A drain on SIGTERM (a
    scale-in, a deploy, a spot reclaim) releases the job and counts as a receive, so this is well above the
    three real failures a job is allowed.
  EOT
  type        = number
  default     = 10

  validation {
    condition     = var.max_receive_count >= 3 && var.max_receive_count <= 1000
    error_message = "max_receive_count: 3 to 1000 (SQS allows 1 to 1000; fewer than 3 leaves no retries)."
  }
}

variable "artifact_expiry_days" {
  description = "Days a tenant's jobs, uploads and index entries (prefix tenants/) are kept."
  type        = number
  default     = 30
}

variable "idempotency_expiry_days" {
  description = "Days an Idempotency-Key record (prefix idempotency/) is kept."
  type        = number
  default     = 3
}

variable "usage_retention_days" {
  description = "Days the per-tenant usage ledger (prefix usage/) is kept: billing and disputes need years."
  type        = number
  default     = 800
}

variable "noncurrent_version_expiry_days" {
  description = "Days an overwritten or deleted object's previous version is kept (recovery window)."
  type        = number
  default     = 7
}

variable "model_prefix" {
  description = "Prefix in the bucket holding voice models (s3://{bucket}/{model_prefix}...), read by workers."
  type        = string
  default     = "models/"
}

variable "access_log_bucket" {
  description = "Existing bucket receiving S3 server access logs (the account's log bucket); empty: none."
  type        = string
  default     = ""
}

variable "console_origins" {
  description = "Origins serving the web console (the API's public URL, e.g. https://kontho.example.com): the bucket lets them PUT uploads and GET marks.json. Empty: no CORS rule."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for origin in var.console_origins : can(regex("^https://[^/*]+$", origin))])
    error_message = "Each console origin is https://host[:port], with no path and no wildcard."
  }
}
