"""Two groups or two measures, and one sample against a value: t-tests, rank tests, the sign
and binomial tests."""
