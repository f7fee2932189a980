# Reference numbers for datadive.analysis.relations.correlation (tests/analysis/test_correlation.py).
# Run: Rscript --vanilla correlation.R  (R 4.2.2, psych, jsonlite); writes correlation.json.
# Every number names the R function that computed it; where R has no function (Spearman's and
# Kendall's CIs, the t of Spearman's rho, the partial correlation's CI), it is computed here
# from its published definition.
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

survey <- read.csv("data/correlation_survey.csv")
reaction <- read.csv("data/correlation_reaction.csv")
out <- list()

complete_pair <- function(data, x, y) {
  ok <- complete.cases(data[[x]], data[[y]])
  list(x = data[[x]][ok], y = data[[y]][ok], n = sum(ok), n_missing = sum(!ok))
}

# --- Pearson: stats::cor.test(method = "pearson"), CI by Fisher's z -------------------------
pearson <- function(prefix, data, x, y, alternative = "two.sided") {
  p <- complete_pair(data, x, y)
  test <- cor.test(p$x, p$y, method = "pearson", alternative = alternative)
  out[[paste0(prefix, "_r")]] <<- unname(test$estimate)         # cor.test
  out[[paste0(prefix, "_t")]] <<- unname(test$statistic)        # cor.test
  out[[paste0(prefix, "_df")]] <<- unname(test$parameter)       # cor.test
  out[[paste0(prefix, "_p")]] <<- test$p.value                  # cor.test
  out[[paste0(prefix, "_ci")]] <<- as.numeric(test$conf.int)    # cor.test (Fisher's z)
  out[[paste0(prefix, "_n")]] <<- p$n
  out[[paste0(prefix, "_n_missing")]] <<- p$n_missing
  # stats::shapiro.test on each column's values in the complete pairs
  out[[paste0(prefix, "_shapiro_x")]] <<- unname(c(shapiro.test(p$x)$statistic, shapiro.test(p$x)$p.value))
  out[[paste0(prefix, "_shapiro_y")]] <<- unname(c(shapiro.test(p$y)$statistic, shapiro.test(p$y)$p.value))
}
pearson("pearson", survey, "sleep", "wellbeing")
pearson("pearson_greater", survey, "sleep", "wellbeing", "greater")
pearson("pearson_less", survey, "sleep", "wellbeing", "less")
pearson("pearson_stress", survey, "stress", "wellbeing")

# --- Spearman: stats::cor.test(method = "spearman", exact = FALSE) --------------------------
# p from the t approximation; t = rho * sqrt((n - 2) / (1 - rho^2)) from its definition
# (the t that cor.test uses for that p); CI by Fisher's z with Bonett & Wright's (2000,
# Psychometrika 65, 23-28) standard error sqrt((1 + rho^2 / 2) / (n - 3)).
fisher_ci <- function(r, se, alternative = "two.sided", level = 0.95) {
  z <- atanh(r)
  if (alternative == "two.sided") return(tanh(z + c(-1, 1) * qnorm((1 + level) / 2) * se))
  if (alternative == "greater") return(c(tanh(z - qnorm(level) * se), 1))
  c(-1, tanh(z + qnorm(level) * se))
}
spearman <- function(prefix, data, x, y, alternative = "two.sided") {
  p <- complete_pair(data, x, y)
  test <- cor.test(p$x, p$y, method = "spearman", exact = FALSE, alternative = alternative)
  rho <- unname(test$estimate)
  out[[paste0(prefix, "_rho")]] <<- rho                                    # cor.test
  out[[paste0(prefix, "_p")]] <<- test$p.value                             # cor.test
  out[[paste0(prefix, "_t")]] <<- rho * sqrt((p$n - 2) / (1 - rho^2))      # definition
  out[[paste0(prefix, "_ci")]] <<- fisher_ci(rho, sqrt((1 + rho^2 / 2) / (p$n - 3)), alternative)
  out[[paste0(prefix, "_n")]] <<- p$n
}
spearman("spearman", survey, "sleep", "wellbeing")
spearman("spearman_greater", survey, "sleep", "wellbeing", "greater")
spearman("spearman_stress", survey, "stress", "wellbeing")

# --- Kendall: stats::cor.test(method = "kendall") (its estimate is tau-b, cor(method =
# "kendall")); exact p without ties for n < 50 (statistic T), else normal approximation with
# ties (statistic z). CI by Fisher's z with SE sqrt(.437 / (n - 4)) (Fieller, Hartley &
# Pearson, 1957, Biometrika 44, 470-481; Bonett & Wright, 2000).
kendall <- function(prefix, data, x, y, alternative = "two.sided") {
  p <- complete_pair(data, x, y)
  # with ties R warns that it cannot give an exact p, and uses the normal approximation
  test <- suppressWarnings(cor.test(p$x, p$y, method = "kendall", alternative = alternative))
  tau <- unname(test$estimate)
  out[[paste0(prefix, "_tau")]] <<- tau                                    # cor.test
  out[[paste0(prefix, "_tau_cor")]] <<- cor(p$x, p$y, method = "kendall")  # stats::cor (tau-b)
  out[[paste0(prefix, "_statistic")]] <<- unname(test$statistic)           # cor.test: T or z
  out[[paste0(prefix, "_statistic_name")]] <<- names(test$statistic)
  out[[paste0(prefix, "_p")]] <<- test$p.value                             # cor.test
  out[[paste0(prefix, "_ci")]] <<- fisher_ci(tau, sqrt(0.437 / (p$n - 4)), alternative)
  out[[paste0(prefix, "_n")]] <<- p$n
}
kendall("kendall", survey, "sleep", "wellbeing")            # ties: z
kendall("kendall_exact", reaction, "reaction_ms", "accuracy")  # n = 41, no ties: exact, T
kendall("kendall_exact_less", reaction, "reaction_ms", "accuracy", "less")
# tau-b from its definition, (nc - nd) / sqrt((n0 - n1)(n0 - n2)), for the tied data
p <- complete_pair(survey, "sleep", "wellbeing")
s <- outer(p$x, p$x, function(a, b) sign(a - b)) * outer(p$y, p$y, function(a, b) sign(a - b))
n0 <- p$n * (p$n - 1) / 2
tx <- table(p$x); ty <- table(p$y)
out$kendall_tau_definition <- (sum(s) / 2) / sqrt((n0 - sum(tx * (tx - 1) / 2)) * (n0 - sum(ty * (ty - 1) / 2)))

# --- Partial correlation: psych::partial.r, psych::corr.p(r, n - k); residual method -------
partial <- function(prefix, data, x, y, controls) {
  cols <- c(x, y, controls)
  d <- data[complete.cases(data[, cols]), cols]
  n <- nrow(d); k <- length(controls)
  pr <- psych::partial.r(d, c(x, y), controls)[1, 2]                       # psych::partial.r
  m <- matrix(c(1, pr, pr, 1), 2, dimnames = list(c(x, y), c(x, y)))
  cp <- psych::corr.p(m, n = n - k, adjust = "none")                       # psych::corr.p
  # the same r as the correlation of the residuals of two lm() fits (stats::lm, stats::cor)
  f <- reformulate(controls)
  rx <- resid(lm(update(f, paste(x, "~ .")), data = d))
  ry <- resid(lm(update(f, paste(y, "~ .")), data = d))
  out[[paste0(prefix, "_r")]] <<- pr
  out[[paste0(prefix, "_r_residuals")]] <<- cor(rx, ry)
  out[[paste0(prefix, "_t")]] <<- cp$t[1, 2]                               # corr.p
  out[[paste0(prefix, "_p")]] <<- cp$p[1, 2]                               # corr.p
  out[[paste0(prefix, "_ci")]] <<- c(cp$ci$lower[2], cp$ci$upper[2])       # corr.p
  out[[paste0(prefix, "_df")]] <<- n - 2 - k
  out[[paste0(prefix, "_n")]] <<- n
  out[[paste0(prefix, "_r_zero_order")]] <<- cor(d[[x]], d[[y]])           # stats::cor
  out[[paste0(prefix, "_shapiro_x")]] <<- unname(c(shapiro.test(rx)$statistic, shapiro.test(rx)$p.value))
  out[[paste0(prefix, "_shapiro_y")]] <<- unname(c(shapiro.test(ry)$statistic, shapiro.test(ry)$p.value))
}
partial("partial", survey, "sleep", "wellbeing", c("stress", "age"))
partial("partial_one", survey, "wellbeing", "stress", c("sleep"))

# --- Correlation matrix: psych::corr.test(adjust = "none"), pairwise complete ---------------
columns <- c("sleep", "wellbeing", "stress", "age")
pairs_of <- function(m) {
  v <- c()
  for (i in 1:(length(columns) - 1)) for (j in (i + 1):length(columns)) v <- c(v, m[i, j])
  v
}
for (method in c("pearson", "spearman")) {
  ct <- psych::corr.test(survey[, columns], method = method, adjust = "none", use = "pairwise")
  out[[paste0("matrix_", method, "_r")]] <- pairs_of(ct$r)   # corr.test (cor, pairwise)
  out[[paste0("matrix_", method, "_n")]] <- pairs_of(ct$n)   # corr.test
  out[[paste0("matrix_", method, "_p")]] <- pairs_of(ct$p)   # corr.test, unadjusted
  if (method == "pearson") {
    out$matrix_pearson_ci_low <- ct$ci$lower                 # corr.test (Fisher's z)
    out$matrix_pearson_ci_high <- ct$ci$upper
  }
}
kendall_r <- c(); kendall_p <- c(); kendall_n <- c()
for (i in 1:(length(columns) - 1)) for (j in (i + 1):length(columns)) {
  p <- complete_pair(survey, columns[i], columns[j])
  test <- suppressWarnings(cor.test(p$x, p$y, method = "kendall"))  # cor.test per pair
  kendall_r <- c(kendall_r, unname(test$estimate)); kendall_p <- c(kendall_p, test$p.value)
  kendall_n <- c(kendall_n, p$n)
}
out$matrix_kendall_r <- kendall_r
out$matrix_kendall_p <- kendall_p
out$matrix_kendall_n <- kendall_n
out$matrix_mean <- unname(sapply(survey[, columns], mean, na.rm = TRUE))   # base::mean
out$matrix_sd <- unname(sapply(survey[, columns], sd, na.rm = TRUE))       # stats::sd
out$matrix_shapiro <- unname(sapply(columns, function(c) shapiro.test(survey[[c]])$p.value))

out$r_version <- R.version.string
out$psych_version <- as.character(packageVersion("psych"))
# Two labelled ordinal items, correlated by their codes
out$spearman_labelled_rho <- unname(cor.test(c(1, 2, 2, 3, 4, 5, 5, 4), c(2, 2, 3, 3, 5, 4, 5, 5),
  method = "spearman", exact = FALSE)$estimate)  # stats::cor.test

jsonlite::write_json(out, "correlation.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
