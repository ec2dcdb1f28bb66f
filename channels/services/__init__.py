"""Business rules. Each service takes keyword-only arguments and records what it did."""
