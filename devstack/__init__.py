"""The local stack: a moto server standing in for S3 and SQS, the API and workers, on loopback.

This is what ``make run`` and ``make serve`` start; tests use the same pieces.
"""
