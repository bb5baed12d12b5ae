"""What every endpoint shares: error format, pagination, authentication, request context."""
