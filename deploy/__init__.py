"""Deployment to AWS: the targeted runtimes (aws_runtimes.json) and their bundles (package)."""
