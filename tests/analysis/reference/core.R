# Reference values for the shared parts of datadive.analysis (noncentral CIs).
# R 4.2.2 with effectsize 0.8.3 (Debian r-cran-effectsize). Run: Rscript --vanilla core.R
suppressMessages({library(effectsize); library(jsonlite)})
out <- list()

# Noncentral t: effectsize::t_to_d gives d = 2t/sqrt(df) with its CI from the noncentrality
# interval of t (two-sided 95%), so ncp = d * sqrt(df) / 2.
for (case in list(c(2.5, 38), c(-1.2, 10), c(0.3, 100))) {
  d <- t_to_d(case[1], case[2], ci = 0.95, alternative = "two.sided")
  key <- sprintf("t_%g_%g", case[1], case[2])
  out[[key]] <- c(d$CI_low * sqrt(case[2]) / 2, d$CI_high * sqrt(case[2]) / 2)
}

# Noncentral F: effectsize::F_to_eta2 (partial eta squared) with a two-sided 95% CI, whose
# bounds are f2 / (1 + f2) with f2 = lambda / df_error, so lambda = eta2 * df_error / (1 - eta2).
for (case in list(c(5.21, 2, 27), c(0.3, 2, 27), c(12.7, 3, 120))) {
  e <- F_to_eta2(case[1], case[2], case[3], ci = 0.95, alternative = "two.sided")
  key <- sprintf("F_%g_%g_%g", case[1], case[2], case[3])
  out[[key]] <- c(e$CI_low * case[3] / (1 - e$CI_low), e$CI_high * case[3] / (1 - e$CI_high))
}

# Noncentral chi-squared: effectsize::chisq_to_cramers_v, V = sqrt(lambda / (n (k - 1))),
# so lambda = V^2 n (k - 1); with n = 100 and a 3 x 3 table (df = 4, k - 1 = 2).
for (chi in c(9.0, 25.5, 1.5)) {
  v <- chisq_to_cramers_v(chi, n = 100, nrow = 3, ncol = 3, ci = 0.95,
                          alternative = "two.sided", adjust = FALSE)
  out[[sprintf("chi2_%g_4", chi)]] <- c(v$CI_low^2 * 100 * 2, v$CI_high^2 * 100 * 2)
}

write_json(out, "core.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
