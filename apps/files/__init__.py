"""Secure user files in S3 with presigned URLs."""
