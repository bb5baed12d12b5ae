"""Partner license keys and plans."""
