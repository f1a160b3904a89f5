"""Audio assembly on local disk and encoding with ffmpeg."""
