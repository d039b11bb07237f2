"""Certificates of course and programme completion, their verification, revocation and expiry (issue 16)."""
