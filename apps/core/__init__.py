"""What several apps share: base model, error hierarchy, health checks."""
