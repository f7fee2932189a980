"""More than two groups or measures: one-way ANOVAs and Kruskal-Wallis with post hoc tests,
factorial ANOVA and ANCOVA, repeated-measures and mixed ANOVA, Friedman."""
