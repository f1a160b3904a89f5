"""kontho's worker: takes jobs off the SQS queue and renders them to audio in S3."""
