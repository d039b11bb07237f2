"""My learning: the learner's home page, gathering what the features below it hold."""
