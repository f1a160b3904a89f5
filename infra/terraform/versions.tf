# Terraform and provider versions. aws_eks_pod_identity_association needs provider 5.31 or later and the
# KMS key's rotation_period_in_days 5.61 or later.
terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.61, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      app         = "kontho"
      environment = var.environment
      managed-by  = "terraform"
    }
  }
}
