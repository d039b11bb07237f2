"""xAPI 1.0.3 statements of learning events, their export and forwarding to a learning record store (issue 16)."""
