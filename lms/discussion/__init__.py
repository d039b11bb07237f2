"""Course questions and answers (讨论区) (issue 15)."""
