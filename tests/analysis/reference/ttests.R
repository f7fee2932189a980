# Reference numbers for the t-tests, rank tests and binomial test (datadive.analysis.ttests.t_tests,
# rank_tests, proportions). Reads data/ttests_*.csv, writes ttests.json. R 4.2, effectsize 0.8,
# car, jsonlite (Debian's r-cran-* packages). Run: Rscript --vanilla ttests.R
suppressPackageStartupMessages({
  library(effectsize)
  library(car)
  library(jsonlite)
})

out <- list()
put <- function(prefix, values) {
  for (name in names(values)) out[[paste0(prefix, ".", name)]] <<- unname(values[[name]])
}

groups <- read.csv("data/ttests_groups.csv")
groups$programme <- factor(groups$programme, levels = 1:3,
                           labels = c("Psychology", "Sociology", "Economics"))
paired <- read.csv("data/ttests_paired.csv")
binomial <- read.csv("data/ttests_binomial.csv")

describe <- function(prefix, x) {
  put(prefix, list(n = length(x), mean = mean(x), sd = sd(x), se = sd(x) / sqrt(length(x)),
                   median = median(x)))
}

# A t-test (stats::t.test), with the estimate's CI as t.test gives it.
t_numbers <- function(prefix, test) {
  put(prefix, list(t = test$statistic, df = test$parameter, p = test$p.value,
                   ci_low = test$conf.int[1], ci_high = test$conf.int[2]))
}
# effectsize::cohens_d / hedges_g: the value and its CI (noncentral t).
effect_numbers <- function(prefix, es) {
  put(prefix, list(value = es[[1]], ci_low = es$CI_low, ci_high = es$CI_high))
}

# ---- one-sample t: belonging against 4 -------------------------------------------------
x <- na.omit(groups$belonging)
describe("one_sample.desc", x)
for (alt in c("two.sided", "greater")) {
  key <- paste0("one_sample.", alt)
  t_numbers(key, t.test(x, mu = 4, alternative = alt))                       # stats::t.test
  effect_numbers(paste0(key, ".d"), cohens_d(x, mu = 4, alternative = alt))  # effectsize::cohens_d
  effect_numbers(paste0(key, ".g"), hedges_g(x, mu = 4, alternative = alt))  # effectsize::hedges_g
}
put("one_sample.shapiro", shapiro.test(x)[c("statistic", "p.value")])        # stats::shapiro.test

# ---- paired t: wellbeing_pre vs wellbeing_post (complete pairs) --------------------------
pairs <- paired[complete.cases(paired$wellbeing_pre, paired$wellbeing_post), ]
pre <- pairs$wellbeing_pre
post <- pairs$wellbeing_post
describe("paired.desc.pre", pre)
describe("paired.desc.post", post)
describe("paired.desc.diff", pre - post)
for (alt in c("two.sided", "less")) {
  key <- paste0("paired.", alt)
  t_numbers(key, t.test(pre, post, paired = TRUE, alternative = alt))        # stats::t.test
  # effectsize::cohens_d(paired = TRUE): d_z = mean(diff) / sd(diff)
  effect_numbers(paste0(key, ".d"), cohens_d(pre, post, paired = TRUE, alternative = alt))
  effect_numbers(paste0(key, ".g"), hedges_g(pre, post, paired = TRUE, alternative = alt))
}
put("paired.shapiro", shapiro.test(pre - post)[c("statistic", "p.value")])  # stats::shapiro.test

# ---- independent t: belonging, Psychology vs Sociology ----------------------------------
used <- groups[!is.na(groups$belonging) & groups$programme %in% c("Psychology", "Sociology"), ]
used$programme <- droplevels(used$programme)
psy <- used$belonging[used$programme == "Psychology"]
soc <- used$belonging[used$programme == "Sociology"]
describe("independent.desc.Psychology", psy)
describe("independent.desc.Sociology", soc)
for (equal in c(FALSE, TRUE)) {
  for (alt in c("two.sided", "greater")) {
    key <- paste0("independent.", if (equal) "student" else "welch", ".", alt)
    t_numbers(key, t.test(psy, soc, var.equal = equal, alternative = alt))   # stats::t.test
    # effectsize::cohens_d / hedges_g with pooled_sd = TRUE (the default) for both tests
    effect_numbers(paste0(key, ".d"), cohens_d(psy, soc, pooled_sd = TRUE, alternative = alt))
    effect_numbers(paste0(key, ".g"), hedges_g(psy, soc, pooled_sd = TRUE, alternative = alt))
  }
}
put("independent.shapiro.Psychology", shapiro.test(psy)[c("statistic", "p.value")])
put("independent.shapiro.Sociology", shapiro.test(soc)[c("statistic", "p.value")])
levene <- leveneTest(belonging ~ programme, data = used, center = median)  # car::leveneTest
put("independent.levene", list(F = levene[1, "F value"], p = levene[1, "Pr(>F)"]))

# ---- Mann-Whitney: stats::wilcox.test (exact when no ties and n < 50, else normal
# approximation with tie and continuity correction), effectsize::rank_biserial -----------
mw <- function(prefix, a, b, alt = "two.sided") {
  test <- suppressWarnings(wilcox.test(a, b, alternative = alt, correct = TRUE))
  put(prefix, list(W = test$statistic, p = test$p.value, method = test$method,
                   median_a = median(a), median_b = median(b), n_a = length(a),
                   n_b = length(b)))
  effect_numbers(paste0(prefix, ".r"), rank_biserial(a, b, alternative = alt))
}
mw("mann_whitney.belonging", psy, soc)
mw("mann_whitney.belonging.less", psy, soc, "less")
sat <- groups[!is.na(groups$satisfaction) & groups$programme %in% c("Psychology", "Sociology"), ]
mw("mann_whitney.satisfaction",
   sat$satisfaction[sat$programme == "Psychology"], sat$satisfaction[sat$programme == "Sociology"])
# Economics first, then Psychology (the user's order)
mw("mann_whitney.economics_psychology",
   na.omit(groups$belonging[groups$programme %in% "Economics"]), psy)

# ---- Wilcoxon signed-rank: stats::wilcox.test(paired = TRUE) / one-sample with mu;
# V = sum of positive ranks; effectsize::rank_biserial (matched pairs) ----------------------
sr <- function(prefix, d, alt = "two.sided") {
  test <- suppressWarnings(wilcox.test(d, mu = 0, alternative = alt, correct = TRUE))
  put(prefix, list(V = test$statistic, p = test$p.value, method = test$method,
                   n_nonzero = sum(d != 0), n = length(d), median = median(d)))
  effect_numbers(paste0(prefix, ".r"), rank_biserial(d, mu = 0, alternative = alt))
}
stress <- paired[complete.cases(paired$stress_pre, paired$stress_post), ]
sr("wilcoxon.stress", stress$stress_pre - stress$stress_post)
sr("wilcoxon.stress.greater", stress$stress_pre - stress$stress_post, "greater")
sr("wilcoxon.wellbeing", pre - post)
sr("wilcoxon.one_sample", x - 4)
sat_all <- na.omit(groups$satisfaction)
sr("wilcoxon.satisfaction", sat_all - 3)
# The same numbers through the two-column call, to confirm the difference's direction
check <- wilcox.test(stress$stress_pre, stress$stress_post, paired = TRUE)
put("wilcoxon.stress.two_columns", list(V = check$statistic, p = check$p.value))

# ---- Sign test: stats::binom.test on the signs, ties (zero differences) dropped ----------
sign_numbers <- function(prefix, d, alt = "two.sided") {
  plus <- sum(d > 0)
  minus <- sum(d < 0)
  test <- binom.test(plus, plus + minus, p = 0.5, alternative = alt)
  put(prefix, list(plus = plus, minus = minus, ties = sum(d == 0), p = test$p.value,
                   median = median(d), proportion = test$estimate,
                   ci_low = test$conf.int[1], ci_high = test$conf.int[2]))
}
sign_numbers("sign.wellbeing", pre - post)
sign_numbers("sign.wellbeing.less", pre - post, "less")
sign_numbers("sign.satisfaction", sat_all - 3)

# ---- Binomial test: stats::binom.test, Clopper-Pearson CI ---------------------------------
passed <- na.omit(binomial$passed)
binom <- function(prefix, k, n, p, alt = "two.sided") {
  test <- binom.test(k, n, p = p, alternative = alt)
  put(prefix, list(k = k, n = n, p = test$p.value, estimate = test$estimate,
                   ci_low = test$conf.int[1], ci_high = test$conf.int[2]))
}
binom("binomial.passed", sum(passed == 1), length(passed), 0.5)
binom("binomial.passed.greater", sum(passed == 1), length(passed), 0.7, "greater")
binom("binomial.failed", sum(passed == 0), length(passed), 0.25, "less")
out$binomial.n_missing <- sum(is.na(binomial$passed))

write_json(out, "ttests.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
