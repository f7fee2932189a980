# Reference numbers for the categorical family (datadive.analysis.frequencies.categorical and
# datadive.analysis.frequencies.goodness_of_fit), computed by R from data/categorical_*.csv.
# Run: Rscript --vanilla categorical.R   (R 4.2.2, effectsize 0.8.3, rstatix, jsonlite)
suppressPackageStartupMessages({
  library(effectsize)
  library(rstatix)
  library(jsonlite)
})
here <- function(name) file.path("data", name)
out <- list()

# ---- Chi-square test of independence: programme (3) x gender (2), listwise --------------------
survey <- read.csv(here("categorical_survey.csv"))
used <- survey[!is.na(survey$programme) & survey$gender != "" & !is.na(survey$gender), ]
tab <- table(factor(used$programme, levels = 1:3), factor(used$gender))
test <- chisq.test(tab, correct = FALSE)                      # stats::chisq.test
out$rxc_chi2 <- unname(test$statistic)
out$rxc_df <- unname(test$parameter)
out$rxc_p <- test$p.value
out$rxc_n <- sum(tab)
out$rxc_observed <- as.vector(t(tab))                         # row by row
out$rxc_expected <- as.vector(t(test$expected))               # row by row
out$rxc_stdres <- as.vector(t(test$stdres))                   # adjusted standardized residuals
v <- cramers_v(tab, adjust = FALSE, alternative = "two.sided") # effectsize::cramers_v
out$rxc_v <- v$Cramers_v
out$rxc_v_low <- v$CI_low
out$rxc_v_high <- v$CI_high

# ---- 2 x 2: smoker x passed, with and without Yates; phi; Fisher ------------------------------
used2 <- survey[!is.na(survey$passed) & survey$smoker != "", ]
tab2 <- table(factor(used2$smoker, levels = c("no", "yes")), factor(used2$passed, levels = 0:1))
plain <- chisq.test(tab2, correct = FALSE)                    # stats::chisq.test
yates <- chisq.test(tab2, correct = TRUE)                     # stats::chisq.test (Yates)
out$two_chi2 <- unname(plain$statistic)
out$two_p <- plain$p.value
out$two_yates_chi2 <- unname(yates$statistic)
out$two_yates_p <- yates$p.value
out$two_n <- sum(tab2)
out$two_observed <- as.vector(t(tab2))
ph <- phi(tab2, adjust = FALSE, alternative = "two.sided")    # effectsize::phi
out$two_phi <- ph$phi
out$two_phi_low <- ph$CI_low
out$two_phi_high <- ph$CI_high
fi <- fisher.test(tab2)                                       # stats::fisher.test
out$fisher2_p <- fi$p.value
out$fisher2_or <- unname(fi$estimate)                         # conditional MLE
out$fisher2_or_low <- fi$conf.int[1]
out$fisher2_or_high <- fi$conf.int[2]
# fisher.test finds the conditional MLE and its CI with uniroot's default tolerance
# (.Machine$double.eps^0.25, about 1e-4), so its odds ratio is good to about 4 digits only.
# The same definitions, solved to 1e-13 (Agresti, 2013, sec. 16.6.4; as in fisher.test's code):
# the MLE makes the noncentral hypergeometric mean equal the observed a; the CI bounds make
# P(X >= a) and P(X <= a) equal 0.025.
conditional_or <- function(t, level = 0.95) {
  m <- sum(t[1, ]); n <- sum(t[2, ]); k <- sum(t[, 1]); x <- t[1, 1]
  support <- max(0, k - n):min(k, m)
  logdc <- dhyper(support, m, n, k, log = TRUE)               # stats::dhyper
  dnhyper <- function(ncp) {
    d <- logdc + log(ncp) * support
    d <- exp(d - max(d))
    d / sum(d)
  }
  mean_at <- function(ncp) sum(support * dnhyper(ncp))
  upper_tail <- function(ncp) sum(dnhyper(ncp)[support >= x])
  lower_tail <- function(ncp) sum(dnhyper(ncp)[support <= x])
  alpha <- (1 - level) / 2
  solve <- function(f, target) {
    exp(uniroot(function(lt) f(exp(lt)) - target, c(-20, 20), tol = 1e-13)$root)
  }
  c(estimate = solve(mean_at, x), low = solve(upper_tail, alpha), high = solve(lower_tail, alpha))
}
precise <- conditional_or(tab2)
out$fisher2_or_precise <- unname(precise["estimate"])
out$fisher2_or_low_precise <- unname(precise["low"])
out$fisher2_or_high_precise <- unname(precise["high"])
# A large table (N = 20,000), where the support of the count has 10,000 points
large <- matrix(c(5200, 4800, 4900, 5100), nrow = 2)          # [[5200, 4900], [4800, 5100]]
precise_large <- conditional_or(large)
out$fisher_large_p <- fisher.test(large)$p.value              # stats::fisher.test
out$fisher_large_or <- unname(precise_large["estimate"])
out$fisher_large_or_low <- unname(precise_large["low"])
out$fisher_large_or_high <- unname(precise_large["high"])

# ---- Fisher r x c: programme (3) x grade (3), small counts ------------------------------------
small <- read.csv(here("categorical_small.csv"))
small <- small[!is.na(small$programme) & small$grade != "" & !is.na(small$grade), ]
tab3 <- table(factor(small$programme, levels = 1:3), factor(small$grade))
out$fisher_rxc_p <- fisher.test(tab3)$p.value                  # stats::fisher.test (FEXACT)
out$fisher_rxc_n <- sum(tab3)
out$small_chi2_expected <- as.vector(t(chisq.test(tab3)$expected))
# A larger table whose p R computes exactly (network algorithm) for the Monte Carlo fallback;
# its p (about .019) is large enough for 100,000 random tables to estimate it closely
big <- rbind(c(26, 22, 13, 12), c(14, 22, 16, 18), c(12, 13, 20, 25))
out$fisher_big_p <- fisher.test(big, workspace = 2e8)$p.value  # stats::fisher.test

# ---- McNemar: before/after (b + c >= 25: chi-square with continuity correction) ----------------
paired <- read.csv(here("categorical_paired.csv"))
pa <- paired[paired$before != "" & paired$after != "" & !is.na(paired$before), ]
tab4 <- table(factor(pa$before, levels = c("no", "yes")), factor(pa$after, levels = c("no", "yes")))
mc <- mcnemar.test(tab4)                                      # stats::mcnemar.test (correct = TRUE)
out$mcnemar_chi2 <- unname(mc$statistic)
out$mcnemar_p <- mc$p.value
out$mcnemar_n <- sum(tab4)
out$mcnemar_b <- tab4[1, 2]
out$mcnemar_c <- tab4[2, 1]
out$mcnemar_table <- as.vector(t(tab4))
bt <- binom.test(tab4[1, 2], tab4[1, 2] + tab4[2, 1])         # stats::binom.test, Clopper-Pearson
out$mcnemar_or <- tab4[1, 2] / tab4[2, 1]
out$mcnemar_or_low <- bt$conf.int[1] / (1 - bt$conf.int[1])
out$mcnemar_or_high <- bt$conf.int[2] / (1 - bt$conf.int[2])

# ---- McNemar exact: week1/week2 (b + c < 25: exact binomial test) -----------------------------
pw <- paired[!is.na(paired$week1) & !is.na(paired$week2), ]
tab5 <- table(factor(pw$week1, levels = 0:1), factor(pw$week2, levels = 0:1))
b5 <- tab5[1, 2]
c5 <- tab5[2, 1]
bt5 <- binom.test(b5, b5 + c5)                                # stats::binom.test (exact)
out$mcnemar_exact_p <- bt5$p.value
out$mcnemar_exact_n <- sum(tab5)
out$mcnemar_exact_b <- b5
out$mcnemar_exact_c <- c5
out$mcnemar_exact_or <- b5 / c5
out$mcnemar_exact_or_low <- bt5$conf.int[1] / (1 - bt5$conf.int[1])
out$mcnemar_exact_or_high <- bt5$conf.int[2] / (1 - bt5$conf.int[2])

# ---- Cochran's Q: week1, week2, week3, listwise ------------------------------------------------
pq <- paired[complete.cases(paired[, c("week1", "week2", "week3")]), ]
pq$id <- seq_len(nrow(pq))
long <- data.frame(
  id = factor(rep(pq$id, 3)),
  time = factor(rep(c("week1", "week2", "week3"), each = nrow(pq))),
  outcome = c(pq$week1, pq$week2, pq$week3)
)
cq <- cochran_qtest(long, outcome ~ time | id)                # rstatix::cochran_qtest
out$cochran_q <- cq$statistic
out$cochran_df <- cq$df
out$cochran_p <- cq$p
out$cochran_n <- cq$n
out$cochran_proportions <- c(mean(pq$week1), mean(pq$week2), mean(pq$week3))

# ---- Goodness of fit: snack (4 categories, alphabetical as in the data) ------------------------
snacks <- read.csv(here("categorical_snacks.csv"))
x <- table(factor(snacks$snack[snacks$snack != "" & !is.na(snacks$snack)],
                  levels = c("chocolate", "crisps", "fruit", "nuts")))
out$gof_counts <- as.vector(x)
gof_equal <- chisq.test(x)                                    # stats::chisq.test, p = equal
out$gof_equal_chi2 <- unname(gof_equal$statistic)
out$gof_equal_df <- unname(gof_equal$parameter)
out$gof_equal_p <- gof_equal$p.value
out$gof_equal_stdres <- as.vector(gof_equal$stdres)
w <- cohens_w(x, alternative = "two.sided")                   # effectsize::cohens_w
out$gof_equal_w <- w$Cohens_w
out$gof_equal_w_low <- w$CI_low
out$gof_equal_w_high <- w$CI_high
probs <- c(0.4, 0.3, 0.2, 0.1)
gof_p <- chisq.test(x, p = probs)                             # stats::chisq.test(x, p = ...)
out$gof_given_chi2 <- unname(gof_p$statistic)
out$gof_given_p <- gof_p$p.value
out$gof_given_expected <- as.vector(gof_p$expected)
out$gof_given_stdres <- as.vector(gof_p$stdres)
wp <- cohens_w(x, p = probs, alternative = "two.sided")       # effectsize::cohens_w
out$gof_given_w <- wp$Cohens_w
out$gof_given_w_low <- wp$CI_low
out$gof_given_w_high <- wp$CI_high

# ---- Exact multinomial test: the same counts, by enumerating every outcome with dmultinom ------
exact_multinomial <- function(x, p) {
  n <- sum(x)
  k <- length(x)
  grid <- as.matrix(expand.grid(rep(list(0:n), k - 1)))
  grid <- grid[rowSums(grid) <= n, , drop = FALSE]
  outcomes <- cbind(grid, n - rowSums(grid))
  d <- apply(outcomes, 1, dmultinom, prob = p)                # stats::dmultinom
  observed <- dmultinom(x, prob = p)
  list(p = sum(d[d <= observed * (1 + 1e-7)]), outcomes = nrow(outcomes))
}
eq <- exact_multinomial(as.vector(x), rep(0.25, 4))
out$multinomial_equal_p <- eq$p
out$multinomial_outcomes <- eq$outcomes
out$multinomial_given_p <- exact_multinomial(as.vector(x), probs)$p

write_json(out, "categorical.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
