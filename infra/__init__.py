"""Deployment: Terraform, Kubernetes manifests, the capacity model."""
