# kontho studio, the web console, talks to the bucket from the browser: it PUTs uploads to presigned URLs and
# reads marks.json through them. Playing audio and downloading need no CORS; these two do. Without an
# origin configured the bucket answers no cross-origin request, and the console's uploads and read-along
# fail while everything else works.
resource "aws_s3_bucket_cors_configuration" "console" {
  count  = length(var.console_origins) > 0 ? 1 : 0
  bucket = aws_s3_bucket.main.id

  cors_rule {
    allowed_methods = ["GET", "PUT"]
    allowed_origins = var.console_origins
    allowed_headers = ["content-type"]
    expose_headers  = ["etag"]
    max_age_seconds = 3600
  }
}
