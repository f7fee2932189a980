# Reference numbers for the one-way ANOVA family (datadive.analysis.anova.one_way, .post_hoc).
# Reads data/oneway_*.csv, writes oneway.json. Run: Rscript --vanilla oneway.R
# R 4.2.2 with effectsize 0.8.3, rstatix 0.7.2, car (Debian r-cran-* packages).
#
# Pairs are named "A vs B" with A the earlier group, and every difference is A minus B (R's
# TukeyHSD and rstatix give B minus A: those are negated and their intervals swapped).
suppressPackageStartupMessages({
  library(effectsize)
  library(rstatix)
  library(car)
  library(jsonlite)
})

# The noncentrality bounds of an F statistic, found with uniroot at a tight tolerance (the
# definition: pf(F, df1, df2, ncp) = .975 and .025; 0 when F is below the central quantile).
# effectsize:::.get_ncp_F solves the same equations with optim (Nelder-Mead), which stops
# near 1e-9 in probability; both are written so that the tests can compare to each.
ncp_bounds <- function(f, df1, df2, level = 0.95) {
  tail <- (1 - level) / 2
  solve <- function(target) {
    if (pf(f, df1, df2) < target) return(0)
    gap <- function(ncp) pf(f, df1, df2, ncp = ncp) - target
    upper <- max(10, 4 * f * df1 + 10)
    while (gap(upper) > 0) upper <- upper * 2
    uniroot(gap, c(0, upper), tol = 1e-13)$root
  }
  c(solve(1 - tail), solve(tail))
}
# A variance-explained effect size's interval as effectsize computes it (.es_aov_simple and
# .F_to_pve): the F that the (non-negative) estimate implies, its noncentrality bounds, and
# each bound as lambda / (lambda + df2).
pve_interval <- function(es, df1, df2) {
  es <- max(0, es)
  f <- (es / df1) / ((1 - es) / df2)
  bounds <- ncp_bounds(f, df1, df2)
  bounds / (bounds + df2)
}

# The studentized range distribution from its definition (Hochberg & Tamhane, 1987,
# Multiple Comparison Procedures, p. 377; Lund & Lund, 1983, Applied Statistics 32, 204):
# P(Q > q) = integral over s of g(s) (1 - P(R <= q s)), with P(R <= w) =
# k integral phi(z) (Phi(z) - Phi(z - w))^(k - 1) dz and g the density of sqrt(chisq_df / df),
# by nested stats::integrate at rel.tol 1e-12. R's own ptukey/qtukey (AS 190, used by
# TukeyHSD and rstatix) are accurate to about 1e-5 only at small df: both are written.
range_cdf <- function(w, k) {
  if (w <= 0) return(0)
  k * integrate(function(z) dnorm(z) * (pnorm(z) - pnorm(z - w))^(k - 1),
                -Inf, Inf, rel.tol = 1e-13, abs.tol = 0, subdivisions = 1000L)$value
}
s_density <- function(s, df) {
  exp(df / 2 * log(df) - lgamma(df / 2) - (df / 2 - 1) * log(2) + (df - 1) * log(s) -
        df * s^2 / 2)
}
range_sf <- function(q, k, df) {
  integrate(function(s) sapply(s, function(x) s_density(x, df) * (1 - range_cdf(q * x, k))),
            0, Inf, rel.tol = 1e-12, abs.tol = 0, subdivisions = 1000L)$value
}
range_quantile <- function(level, k, df) {
  guess <- qtukey(level, k, df)
  uniroot(function(q) range_sf(q, k, df) - (1 - level), c(guess * 0.9, guess * 1.1),
          tol = 1e-12)$root
}

pair_names <- function(levels) {
  pairs <- combn(levels, 2)
  list(first = pairs[1, ], second = pairs[2, ], names = paste(pairs[1, ], "vs", pairs[2, ]))
}

family <- function(data, outcome, group) {
  data <- data[complete.cases(data[, c(outcome, group)]), ]
  x <- data[[outcome]]
  g <- data[[group]]
  k <- nlevels(g)
  n <- length(x)
  out <- list(n = n)

  # Descriptives per group: base R length, mean, sd, median; mean ranks from base::rank.
  out$n_group <- as.list(tapply(x, g, length))
  out$mean <- as.list(tapply(x, g, mean))
  out$sd <- as.list(tapply(x, g, sd))
  out$se <- as.list(tapply(x, g, function(v) sd(v) / sqrt(length(v))))
  out$median <- as.list(tapply(x, g, median))
  out$mean_rank <- as.list(tapply(rank(x), g, mean))

  # Classic ANOVA: stats::aov and summary.aov.
  model <- aov(x ~ g)
  table <- summary(model)[[1]]
  out$anova <- list(
    ss_between = table[1, "Sum Sq"], ss_within = table[2, "Sum Sq"],
    df1 = table[1, "Df"], df2 = table[2, "Df"],
    ms_between = table[1, "Mean Sq"], ms_within = table[2, "Mean Sq"],
    F = table[1, "F value"], p = table[1, "Pr(>F)"]
  )
  # effectsize::eta_squared / omega_squared on the aov model, two-sided 95% CIs.
  eta <- effectsize::eta_squared(model, partial = FALSE, ci = 0.95, alternative = "two.sided", verbose = FALSE)
  omega <- effectsize::omega_squared(model, partial = FALSE, ci = 0.95, alternative = "two.sided", verbose = FALSE)
  out$anova$effectsize <- list(
    eta2 = eta$Eta2, eta2_low = eta$CI_low, eta2_high = eta$CI_high,
    omega2 = omega$Omega2, omega2_low = omega$CI_low, omega2_high = omega$CI_high
  )
  # The same intervals with uniroot (see ncp_bounds).
  eta_ci <- pve_interval(eta$Eta2, out$anova$df1, out$anova$df2)
  omega_ci <- pve_interval(omega$Omega2, out$anova$df1, out$anova$df2)
  out$anova$uniroot <- list(
    eta2_low = eta_ci[1], eta2_high = eta_ci[2], omega2_low = omega_ci[1], omega2_high = omega_ci[2]
  )

  # Welch's ANOVA: stats::oneway.test(var.equal = FALSE); effect sizes from Welch's F and
  # dfs with effectsize::F_to_omega2 / F_to_eta2 (two-sided).
  welch <- oneway.test(x ~ g, var.equal = FALSE)
  wf <- unname(welch$statistic)
  wdf <- unname(welch$parameter)
  w_omega <- effectsize::F_to_omega2(wf, wdf[1], wdf[2], ci = 0.95, alternative = "two.sided")
  w_eta <- effectsize::F_to_eta2(wf, wdf[1], wdf[2], ci = 0.95, alternative = "two.sided")
  w_omega_ci <- pve_interval(w_omega$Omega2_partial, wdf[1], wdf[2])
  w_eta_ci <- pve_interval(w_eta$Eta2_partial, wdf[1], wdf[2])
  out$welch <- list(
    F = wf, df1 = wdf[1], df2 = wdf[2], p = welch$p.value,
    effectsize = list(
      omega2 = w_omega$Omega2_partial, omega2_low = w_omega$CI_low, omega2_high = w_omega$CI_high,
      eta2 = w_eta$Eta2_partial, eta2_low = w_eta$CI_low, eta2_high = w_eta$CI_high
    ),
    uniroot = list(
      omega2_low = w_omega_ci[1], omega2_high = w_omega_ci[2],
      eta2_low = w_eta_ci[1], eta2_high = w_eta_ci[2]
    )
  )

  # Brown-Forsythe F* (Brown & Forsythe, 1974, Technometrics 16(1), 129-132, eqs. 3-4): no
  # installed package has it, so from its definition: F* = sum n_i (m_i - m)^2 /
  # sum (1 - n_i/N) s_i^2 on k - 1 and f df, 1/f = sum c_i^2 / (n_i - 1),
  # c_i = (1 - n_i/N) s_i^2 / sum_j (1 - n_j/N) s_j^2; p from stats::pf.
  ni <- tapply(x, g, length)
  mi <- tapply(x, g, mean)
  vi <- tapply(x, g, var)
  weight <- (1 - ni / n) * vi
  bf <- sum(ni * (mi - mean(x))^2) / sum(weight)
  ci_ <- weight / sum(weight)
  bf_df2 <- 1 / sum(ci_^2 / (ni - 1))
  bf_omega <- effectsize::F_to_omega2(bf, k - 1, bf_df2, ci = 0.95, alternative = "two.sided")
  bf_eta <- effectsize::F_to_eta2(bf, k - 1, bf_df2, ci = 0.95, alternative = "two.sided")
  bf_omega_ci <- pve_interval(bf_omega$Omega2_partial, k - 1, bf_df2)
  bf_eta_ci <- pve_interval(bf_eta$Eta2_partial, k - 1, bf_df2)
  # Mehrotra's (1997, Communications in Statistics - Simulation and Computation 26(3),
  # 1139-1145) numerator df: (sum (1 - n_i/N) s_i^2)^2 /
  # (sum s_i^4 + (sum n_i s_i^2 / N)^2 - 2 sum n_i s_i^4 / N).
  mehrotra <- sum(weight)^2 / (sum(vi^2) + sum(ni * vi / n)^2 - 2 * sum(ni * vi^2 / n))
  out$brown_forsythe <- list(
    F = bf, df1 = k - 1, df2 = bf_df2, p = pf(bf, k - 1, bf_df2, lower.tail = FALSE),
    df_mehrotra = mehrotra, p_mehrotra = pf(bf, mehrotra, bf_df2, lower.tail = FALSE),
    effectsize = list(
      omega2 = bf_omega$Omega2_partial, omega2_low = bf_omega$CI_low, omega2_high = bf_omega$CI_high,
      eta2 = bf_eta$Eta2_partial, eta2_low = bf_eta$CI_low, eta2_high = bf_eta$CI_high
    ),
    uniroot = list(
      omega2_low = bf_omega_ci[1], omega2_high = bf_omega_ci[2],
      eta2_low = bf_eta_ci[1], eta2_high = bf_eta_ci[2]
    )
  )

  # Kruskal-Wallis: stats::kruskal.test; epsilon^2 = H / (n - 1) with
  # effectsize::rank_epsilon_squared (point estimate; its CI is bootstrapped: not compared);
  # eta^2[H] = (H - k + 1) / (n - k) with rstatix::kruskal_effsize.
  kw <- kruskal.test(x ~ g)
  eps <- effectsize::rank_epsilon_squared(x ~ g, ci = NULL)
  kw_eta <- rstatix::kruskal_effsize(data.frame(x = x, g = g), x ~ g)
  out$kruskal <- list(
    H = unname(kw$statistic), df = unname(kw$parameter), p = kw$p.value,
    epsilon2 = eps$rank_epsilon_squared, eta2_h = kw_eta$effsize
  )

  # Levene's test (median-centred, the check): car::leveneTest(center = median).
  lev <- car::leveneTest(x ~ g, center = median)
  out$levene <- list(F = lev[1, "F value"], p = lev[1, "Pr(>F)"])
  # Shapiro-Wilk per group: stats::shapiro.test.
  out$shapiro_w <- as.list(tapply(x, g, function(v) unname(shapiro.test(v)$statistic)))
  out$shapiro_p <- as.list(tapply(x, g, function(v) shapiro.test(v)$p.value))

  pairs <- pair_names(levels(g))

  # Tukey HSD: stats::TukeyHSD (diff, lwr, upr, p adj); SE and t from the aov's residual
  # mean square: SE = sqrt(MSE (1/n_i + 1/n_j)), t = diff / SE (the q of ptukey is t sqrt 2);
  # p and CI also by the definition of the studentized range (range_sf, range_quantile).
  hsd <- TukeyHSD(model, conf.level = 0.95)$g
  rownames_r <- paste(pairs$second, pairs$first, sep = "-")
  hsd <- hsd[rownames_r, , drop = FALSE]
  mse <- out$anova$ms_within
  se <- sqrt(mse * (1 / ni[pairs$first] + 1 / ni[pairs$second]))
  tukey_diff <- -hsd[, "diff"]
  tukey_t <- unname(tukey_diff / se)
  tukey_q <- range_quantile(0.95, k, out$anova$df2)
  out$tukey <- list(
    names = pairs$names, diff = unname(tukey_diff), se = unname(se), t = tukey_t,
    # by the definition above
    p = sapply(abs(tukey_t) * sqrt(2), range_sf, k = k, df = out$anova$df2),
    low = unname(tukey_diff - tukey_q / sqrt(2) * se),
    high = unname(tukey_diff + tukey_q / sqrt(2) * se),
    # stats::TukeyHSD (ptukey, qtukey)
    r_low = unname(-hsd[, "upr"]), r_high = unname(-hsd[, "lwr"]), r_p = unname(hsd[, "p adj"])
  )
  # rstatix::tukey_hsd agrees with TukeyHSD (p rounded there, so only diff and CI here).
  rs_tukey <- rstatix::tukey_hsd(data.frame(x = x, g = g), x ~ g)
  out$tukey$rstatix_diff <- -rs_tukey$estimate
  out$tukey$rstatix_low <- -rs_tukey$conf.high

  # Games-Howell: rstatix::games_howell_test(detailed = TRUE) (estimate, CI, df), and p and
  # CI by the definition of the studentized range (Games & Howell, 1976):
  # P(Q > |t| sqrt 2; k, df), t = diff / sqrt(s_i^2/n_i + s_j^2/n_j), CI diff -+ q / sqrt 2 SE.
  gh <- rstatix::games_howell_test(data.frame(x = x, g = g), x ~ g, detailed = TRUE)
  gh_se <- sqrt(vi[pairs$first] / ni[pairs$first] + vi[pairs$second] / ni[pairs$second])
  gh_t <- -gh$estimate / gh_se
  gh_q <- sapply(gh$df, range_quantile, level = 0.95, k = k)
  out$games_howell <- list(
    names = pairs$names, diff = -gh$estimate, se = unname(gh_se), t = unname(gh_t), df = gh$df,
    # by the definition above
    p = mapply(range_sf, abs(unname(gh_t)) * sqrt(2), df = gh$df, MoreArgs = list(k = k)),
    low = -gh$estimate - gh_q / sqrt(2) * unname(gh_se),
    high = -gh$estimate + gh_q / sqrt(2) * unname(gh_se),
    # rstatix (ptukey, qtukey; p.adj rounded there, so recomputed unrounded as rstatix does)
    r_low = -gh$conf.high, r_high = -gh$conf.low,
    r_p = ptukey(abs(unname(gh_t)) * sqrt(2), k, gh$df, lower.tail = FALSE),
    r_p_rounded = gh$p.adj
  )

  # Dunn: rstatix::dunn_test(detailed = TRUE): mean-rank difference, z, p, and p adjusted
  # with Holm (p.adjust.method = "holm") and Bonferroni.
  dunn <- rstatix::dunn_test(data.frame(x = x, g = g), x ~ g, p.adjust.method = "holm", detailed = TRUE)
  dunn_b <- rstatix::dunn_test(data.frame(x = x, g = g), x ~ g, p.adjust.method = "bonferroni")
  out$dunn <- list(
    names = pairs$names, diff = -dunn$estimate, z = -dunn$statistic, p = dunn$p,
    p_holm = dunn$p.adj, p_bonferroni = dunn_b$p.adj
  )
  stopifnot(all(paste(dunn$group1, "vs", dunn$group2) == pairs$names))
  stopifnot(all(paste(gh$group1, "vs", gh$group2) == pairs$names))
  out
}

belonging <- read.csv("data/oneway_belonging.csv")
belonging$programme <- factor(
  belonging$programme, levels = 1:3, labels = c("Psychology", "Sociology", "Economics")
)
likert <- read.csv("data/oneway_likert.csv")
likert$year <- factor(likert$year)
# The user's own order of groups (groups = [...]): Economics first.
reordered <- belonging
reordered$programme <- factor(
  reordered$programme, levels = c("Economics", "Psychology", "Sociology")
)

result <- list(
  belonging = family(belonging, "belonging", "programme"),
  likert = family(likert, "satisfaction", "year"),
  reordered = family(reordered, "belonging", "programme")
)
write_json(result, "oneway.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
