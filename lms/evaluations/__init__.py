"""On-the-job tasks, manager evaluations, essay grading, completion rules, training recorded from elsewhere, and the queues of managers and trainers (issue 15)."""
