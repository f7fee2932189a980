# Reference numbers for the repeated-measures family (datadive.analysis.anova.repeated).
# Run: Rscript --vanilla repeated.R  (R 4.2.2; afex 1.2-1, car 3.1-1, effectsize 0.8.3,
# rstatix, jsonlite). Writes repeated.json next to this script.
#
# Data: data/repeated_wellbeing.csv (25 people in 3 programmes, wellbeing at four times, two
# people with a missing time: left out listwise) and data/repeated_ratings.csv (18 people
# rating three versions on 1-7, with ties; one person with a missing rating).
suppressPackageStartupMessages({
  library(afex)
  library(effectsize)
  library(car)
  library(rstatix)
  library(jsonlite)
})
here <- function(...) file.path(getwd(), ...)
wellbeing <- read.csv(here("data", "repeated_wellbeing.csv"))
ratings <- read.csv(here("data", "repeated_ratings.csv"))

# Partial eta-squared's CI from its definition: the noncentrality lambda at which the observed
# F is the 97.5th / 2.5th percentile of the noncentral F (stats::pf with ncp, stats::uniroot),
# eta2 = lambda / (lambda + df_error) -- the method of effectsize::F_to_eta2, whose optim()
# search is only accurate to about 1e-4; it is reported next to it as a cross-check.
eta2_ci <- function(f, df1, df2, level = 0.95) {
  tail <- (1 - level) / 2
  bound <- function(target) {
    g <- function(ncp) pf(f, df1, df2, ncp = ncp) - target
    if (g(0) <= 0) return(0)
    ncp <- uniroot(g, c(0, 10 * f * df1 + 100), tol = 1e-13)$root
    ncp / (ncp + df2)
  }
  c(low = bound(1 - tail), high = bound(tail))
}

to_long <- function(wide, measures, levels) {
  long <- reshape(wide, direction = "long", varying = measures, v.names = "score",
                  timevar = "condition", times = levels, idvar = "id")
  long$condition <- factor(long$condition, levels = levels)
  long
}

# Mauchly's chi-square as SPSS/JASP print it, from its definition (Mauchly 1940):
# -(n - 1 - (2p^2 + p + 2) / (6p)) log W with p = k - 1 contrasts and n - 1 error df.
mauchly_chi2 <- function(W, error_df, p) -(error_df - (2 * p^2 + p + 2) / (6 * p)) * log(W)

rm_anova <- function(wide, measures, levels) {
  complete <- wide[complete.cases(wide[, measures]), ]
  long <- to_long(complete, measures, levels)
  fit <- aov_car(score ~ Error(id / condition), data = long)           # afex::aov_car
  s <- summary(fit)                                                     # car::summary.Anova.mlm
  uni <- s$univariate.tests
  k <- length(measures)
  n <- nrow(complete)
  out <- list(
    n = n, n_missing = nrow(wide) - n,
    ss = uni["condition", "Sum Sq"], ss_error = uni["condition", "Error SS"],
    ss_subjects = uni["(Intercept)", "Error SS"],
    df = uni["condition", "num Df"], df2 = uni["condition", "den Df"],
    F = uni["condition", "F value"], p = uni["condition", "Pr(>F)"],
    ges = fit$anova_table["condition", "ges"],                         # afex (generalized eta2)
    pes = anova(fit, es = "pes", correction = "none")["condition", "pes"],  # afex (partial)
    means = unname(colMeans(complete[, measures])), sds = unname(apply(complete[, measures], 2, sd))
  )
  if (k > 2) {
    adj <- s$pval.adjustments
    out$gg_eps <- adj["condition", "GG eps"]; out$p_gg <- adj["condition", "Pr(>F[GG])"]
    out$hf_eps <- adj["condition", "HF eps"]; out$p_hf <- adj["condition", "Pr(>F[HF])"]
    # stats::mauchly.test on the multivariate linear model of the measures
    mt <- mauchly.test(lm(as.matrix(complete[, measures]) ~ 1), X = ~1)
    out$mauchly_w <- unname(mt$statistic); out$mauchly_p <- mt$p.value
    out$mauchly_w_afex <- s$sphericity.tests["condition", "Test statistic"]
    out$mauchly_p_afex <- s$sphericity.tests["condition", "p-value"]
    out$mauchly_chi2 <- mauchly_chi2(out$mauchly_w, n - 1, k - 1)
    out$mauchly_df <- (k - 1) * k / 2 - 1
  }
  ci <- eta2_ci(out$F, out$df, out$df2)
  out$pes_ci_low <- unname(ci["low"]); out$pes_ci_high <- unname(ci["high"])
  es <- effectsize::eta_squared(fit, partial = TRUE, generalized = FALSE, alternative = "two.sided")
  out$effectsize_ci_low <- es$CI_low; out$effectsize_ci_high <- es$CI_high  # effectsize::eta_squared
  # Residuals of the univariate model y_ij - mean_i. - mean_.j + mean.. (from their definition),
  # in the row order of the wide table, person by person; stats::shapiro.test
  y <- as.matrix(complete[, measures])
  res <- sweep(sweep(y, 1, rowMeans(y)), 2, colMeans(y)) + mean(y)
  sw <- shapiro.test(as.vector(t(res)))
  out$shapiro_w <- unname(sw$statistic); out$shapiro_p <- sw$p.value
  out
}

mixed <- function(wide, measures, levels) {
  complete <- wide[complete.cases(wide[, c("programme", measures)]), ]
  complete$programme <- factor(complete$programme, levels = 1:3,
                               labels = c("Psychology", "Sociology", "Economics"))
  long <- to_long(complete, measures, levels)
  fit <- aov_car(score ~ programme + Error(id / condition), data = long)  # afex, type III
  s <- summary(fit)
  uni <- s$univariate.tests; adj <- s$pval.adjustments
  pes <- anova(fit, es = "pes", correction = "none")
  es <- effectsize::eta_squared(fit, partial = TRUE, generalized = FALSE, alternative = "two.sided")
  out <- list(n = nrow(complete), n_missing = nrow(wide) - nrow(complete))
  for (term in c("programme", "condition", "programme:condition")) {
    row <- list(ss = uni[term, "Sum Sq"], ss_error = uni[term, "Error SS"],
                df = uni[term, "num Df"], df2 = uni[term, "den Df"],
                F = uni[term, "F value"], p = uni[term, "Pr(>F)"],
                ges = fit$anova_table[term, "ges"], pes = pes[term, "pes"],
                effectsize_ci_low = es$CI_low[es$Parameter == term],
                effectsize_ci_high = es$CI_high[es$Parameter == term])
    ci <- eta2_ci(row$F, row$df, row$df2)
    row$pes_ci_low <- unname(ci["low"]); row$pes_ci_high <- unname(ci["high"])
    if (term != "programme") {
      row$gg_eps <- adj[term, "GG eps"]; row$p_gg <- adj[term, "Pr(>F[GG])"]
      row$hf_eps <- adj[term, "HF eps"]; row$p_hf <- adj[term, "Pr(>F[HF])"]
      row$mauchly_w <- s$sphericity.tests[term, "Test statistic"]
      row$mauchly_p <- s$sphericity.tests[term, "p-value"]
    }
    out[[term]] <- row
  }
  k <- length(measures)
  # Mauchly on the within-group (error) SSP matrix: stats::mauchly.test on lm(Y ~ programme)
  mt <- mauchly.test(lm(as.matrix(complete[, measures]) ~ programme, data = complete), X = ~1)
  out$mauchly_w <- unname(mt$statistic); out$mauchly_p <- mt$p.value
  out$mauchly_chi2 <- mauchly_chi2(out$mauchly_w, nrow(complete) - 3, k - 1)
  out$mauchly_df <- (k - 1) * k / 2 - 1
  # Levene's test (median-centred, car::leveneTest's default) of each time across programmes
  out$levene_F <- sapply(measures, function(m) leveneTest(complete[[m]] ~ complete$programme)[1, "F value"], USE.NAMES = FALSE)
  out$levene_p <- sapply(measures, function(m) leveneTest(complete[[m]] ~ complete$programme)[1, "Pr(>F)"], USE.NAMES = FALSE)
  # Within-subject residuals y_ij - mean_i. - mean_gj + mean_g.. (definition); shapiro.test
  y <- as.matrix(complete[, measures])
  cell <- apply(y, 2, function(col) ave(col, complete$programme))
  res <- y - rowMeans(y) - cell + rowMeans(cell)
  sw <- shapiro.test(as.vector(t(res)))
  out$shapiro_w <- unname(sw$statistic); out$shapiro_p <- sw$p.value
  # Means per programme and time (stats::aggregate)
  out$cell_means <- unname(as.matrix(aggregate(y, list(complete$programme), mean)[, -1]))
  out$group_n <- unname(as.vector(table(complete$programme)))
  out
}

friedman_ref <- function(wide, measures) {
  complete <- wide[complete.cases(wide[, measures]), ]
  y <- as.matrix(complete[, measures])
  ft <- friedman.test(y)                                                 # stats::friedman.test
  long <- to_long(complete, measures, measures)
  w <- friedman_effsize(long, score ~ condition | id)                    # rstatix::friedman_effsize
  ranks <- t(apply(y, 1, rank))                                          # mean ranks, base::rank
  list(n = nrow(complete), n_missing = nrow(wide) - nrow(complete),
       chi2 = unname(ft$statistic), df = unname(ft$parameter), p = ft$p.value,
       kendalls_w = unname(w$effsize),
       medians = unname(apply(y, 2, median)),
       q1 = unname(apply(y, 2, quantile, 0.25)), q3 = unname(apply(y, 2, quantile, 0.75)),
       mean_ranks = unname(colMeans(ranks)))
}

times <- c("wellbeing_t1", "wellbeing_t2", "wellbeing_t3", "wellbeing_t4")
versions <- c("rating_plain", "rating_photo", "rating_video")
out <- list(
  rm_wellbeing = rm_anova(wellbeing, times, times),
  rm_ratings = rm_anova(ratings, versions, versions),
  rm_two = rm_anova(wellbeing, times[1:2], times[1:2]),
  mixed_wellbeing = mixed(wellbeing, times, times),
  friedman_ratings = friedman_ref(ratings, versions),
  friedman_wellbeing = friedman_ref(wellbeing, times)
)
write_json(out, here("repeated.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
