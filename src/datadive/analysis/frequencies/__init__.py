"""Counts of categories: χ² tests, Fisher's exact test, McNemar, Cochran's Q, goodness of
fit and the exact multinomial test."""
