"""How variables go together: correlations (Pearson, Spearman, Kendall, partial, matrices)
and regressions (linear, logistic, ordinal)."""
