"""API usage metering, quotas and reports."""
