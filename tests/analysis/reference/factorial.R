# Reference numbers for the factorial analyses (two_way_anova, ancova), written to
# factorial.json. Run with `Rscript --vanilla factorial.R` from this directory (R 4.2.2, car 3.1,
# effectsize 0.8.3, emmeans 1.8.4, afex 1.2).
suppressPackageStartupMessages({
  library(car)
  library(effectsize)
  library(emmeans)
  library(afex)
  library(jsonlite)
})
# Type III sums of squares need sum-to-zero contrasts (as SPSS and JASP use).
options(contrasts = c("contr.sum", "contr.poly"))

out <- list()
put <- function(key, value) out[[key]] <<- unname(value)

students <- read.csv("data/factorial_students.csv")
students$programme <- factor(students$programme, levels = 1:3,
                             labels = c("Psychology", "Sociology", "Economics"))
students$housing <- factor(students$housing, levels = c("campus", "parents"))
students$year <- factor(students$year)

# Partial eta squared's CI by its definition, for a check of effectsize's optim-based search:
# the noncentrality lambda where pf(F; df1, df2, lambda) = 0.975 / 0.025 (stats::uniroot on
# stats::pf), converted as lambda / (lambda + df2) (effectsize::F_to_eta2).
eta_bounds <- function(f, df1, df2) {
  bound <- function(target) {
    if (pf(f, df1, df2) < target) return(0)
    uniroot(function(l) pf(f, df1, df2, ncp = l) - target, c(0, 10 * f * df1 + 100),
            tol = 1e-13)$root
  }
  lambdas <- c(bound(0.975), bound(0.025))
  lambdas / (lambdas + df2)
}

# One ANOVA table: car::Anova (SS, df, F, p), effectsize::eta_squared (partial eta squared
# with a two-sided 95% CI), effectsize::omega_squared (partial omega squared).
anova_numbers <- function(prefix, model, type) {
  table <- car::Anova(model, type = type)
  terms <- setdiff(rownames(table), c("(Intercept)", "Residuals"))
  eta <- effectsize::eta_squared(table, partial = TRUE, ci = 0.95, alternative = "two.sided",
                                 verbose = FALSE)
  omega <- effectsize::omega_squared(table, partial = TRUE, ci = NULL, verbose = FALSE)
  df_error <- table["Residuals", "Df"]
  for (term in terms) {
    key <- function(stat) paste0(prefix, ".", stat, "[", term, "]")
    put(key("ss"), table[term, "Sum Sq"])
    put(key("df"), table[term, "Df"])
    put(key("F"), table[term, "F value"])
    put(key("p"), table[term, "Pr(>F)"])
    row <- eta[eta$Parameter == term, ]
    put(key("eta"), row$Eta2_partial)
    put(key("eta_low"), row$CI_low)
    put(key("eta_high"), row$CI_high)
    exact <- eta_bounds(table[term, "F value"], table[term, "Df"], df_error)
    put(key("eta_low_exact"), exact[1])
    put(key("eta_high_exact"), exact[2])
    if (!is.null(omega)) {
      put(key("omega"), omega[omega$Parameter == term, "Omega2_partial"])
    }
  }
  put(paste0(prefix, ".ss_residual"), table["Residuals", "Sum Sq"])
  put(paste0(prefix, ".df_residual"), df_error)
}

# --- Two-way ANOVA: wellbeing by programme and housing (listwise on the three columns) ---
two <- na.omit(students[, c("id", "wellbeing", "programme", "housing")])
put("n[two]", nrow(two))
full <- lm(wellbeing ~ programme * housing, data = two)
anova_numbers("two_III", full, 3)
anova_numbers("two_II", full, 2)
additive <- lm(wellbeing ~ programme + housing, data = two)
anova_numbers("additive_III", additive, 3)
anova_numbers("additive_II", additive, 2)
# afex::aov_car, a second route to the type III table (JASP uses afex).
afex_table <- afex::aov_car(wellbeing ~ programme * housing + Error(id), data = two,
                            type = 3, anova_table = list(es = "pes"))$anova_table
for (term in rownames(afex_table)) {
  put(paste0("afex_F[", term, "]"), afex_table[term, "F"])
  put(paste0("afex_pes[", term, "]"), afex_table[term, "pes"])
}
# Cell descriptives: stats::aggregate with mean / sd / length, and the mean's 95% CI from
# stats::t.test (one-sample) per cell.
for (p in levels(two$programme)) for (h in levels(two$housing)) {
  x <- two$wellbeing[two$programme == p & two$housing == h]
  key <- paste0("[", p, ":", h, "]")
  put(paste0("cell_n", key), length(x))
  put(paste0("cell_mean", key), mean(x))
  put(paste0("cell_sd", key), sd(x))
  ci <- t.test(x)$conf.int
  put(paste0("cell_ci_low", key), ci[1])
  put(paste0("cell_ci_high", key), ci[2])
}
# Checks: car::leveneTest across the cells (mean-centred, as SPSS and JASP), and
# stats::shapiro.test on the model's residuals.
lev <- car::leveneTest(wellbeing ~ programme * housing, data = two, center = mean)
put("levene_F[two]", lev[1, "F value"])
put("levene_p[two]", lev[1, "Pr(>F)"])
sw <- shapiro.test(residuals(full))
put("shapiro_W[two]", sw$statistic)
put("shapiro_p[two]", sw$p.value)

# --- Three factors: programme x housing x year, type III ---
three <- na.omit(students[, c("wellbeing", "programme", "housing", "year")])
put("n[three]", nrow(three))
anova_numbers("three_III", lm(wellbeing ~ programme * housing * year, data = three), 3)

# --- ANCOVA: wellbeing by programme, adjusted for age and sleep ---
anc <- na.omit(students[, c("wellbeing", "programme", "age", "sleep")])
put("n[ancova]", nrow(anc))
model <- lm(wellbeing ~ programme + age + sleep, data = anc)
anova_numbers("ancova_III", model, 3)
anova_numbers("ancova_II", model, 2)
# Adjusted means: emmeans::emmeans at the covariates' means.
em <- summary(emmeans::emmeans(model, "programme"))
for (i in seq_len(nrow(em))) {
  key <- paste0("[", em$programme[i], "]")
  put(paste0("emmean", key), em$emmean[i])
  put(paste0("emmean_se", key), em$SE[i])
  put(paste0("emmean_low", key), em$lower.CL[i])
  put(paste0("emmean_high", key), em$upper.CL[i])
}
put("slope[age]", coef(model)[["age"]])
put("slope[sleep]", coef(model)[["sleep"]])
put("covariate_mean[age]", mean(anc$age))
put("covariate_mean[sleep]", mean(anc$sleep))
# Homogeneity of regression slopes: stats::anova of the nested models.
slopes <- anova(model, lm(wellbeing ~ programme * (age + sleep), data = anc))
put("slopes_F[ancova]", slopes[2, "F"])
put("slopes_df[ancova]", slopes[2, "Df"])
put("slopes_df2[ancova]", slopes[2, "Res.Df"])
put("slopes_p[ancova]", slopes[2, "Pr(>F)"])
lev <- car::leveneTest(residuals(model) ~ anc$programme, center = mean)
put("levene_F[ancova]", lev[1, "F value"])
put("levene_p[ancova]", lev[1, "Pr(>F)"])
sw <- shapiro.test(residuals(model))
put("shapiro_W[ancova]", sw$statistic)
put("shapiro_p[ancova]", sw$p.value)

# --- ANCOVA whose slopes differ: post by condition, adjusted for pre ---
therapy <- na.omit(read.csv("data/factorial_therapy.csv"))
therapy$condition <- factor(therapy$condition)
put("n[therapy]", nrow(therapy))
tmodel <- lm(post ~ condition + pre, data = therapy)
anova_numbers("therapy_III", tmodel, 3)
em <- summary(emmeans::emmeans(tmodel, "condition"))
for (i in seq_len(nrow(em))) {
  key <- paste0("[", em$condition[i], "]")
  put(paste0("therapy_emmean", key), em$emmean[i])
  put(paste0("therapy_emmean_se", key), em$SE[i])
}
slopes <- anova(tmodel, lm(post ~ condition * pre, data = therapy))
put("slopes_F[therapy]", slopes[2, "F"])
put("slopes_p[therapy]", slopes[2, "Pr(>F)"])

jsonlite::write_json(out, "factorial.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
