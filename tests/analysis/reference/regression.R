# Reference numbers for the regression family (datadive.analysis.relations.regression).
# Run: Rscript --vanilla regression.R   (R 4.2.2; car 3.1-1, MASS 7.3-58.2, ordinal 2022.11-16)
# Reads data/regression_students.csv, writes regression.json. Every model uses the rows
# complete in its own columns (listwise), as na.omit does.
library(car)       # car::vif (GVIF), car::ncvTest
library(MASS)      # MASS::polr
library(ordinal)   # ordinal::clm
library(jsonlite)

students <- read.csv("data/regression_students.csv")
students$programme <- factor(students$programme, levels = 1:3,
                             labels = c("Psychology", "Sociology", "Education"))
out <- list()
put <- function(prefix, values) {
  for (name in names(values)) out[[paste0(prefix, name)]] <<- unname(values[[name]])
}

## Linear regression: lm, summary.lm, confint --------------------------------------------------
linear <- function(prefix, formula, data) {
  fit <- do.call("lm", list(formula, data = data))  # the data inside the call: ncvTest refits it                    # stats::lm
  s <- summary(fit)                                    # stats::summary.lm
  co <- coef(s)
  ci <- confint(fit, level = 0.95)                     # stats::confint (t-based)
  put(prefix, list(terms = rownames(co), B = co[, 1], SE = co[, 2], t = co[, 3], p = co[, 4],
                   ci_low = ci[, 1], ci_high = ci[, 2],
                   r2 = s$r.squared, adj_r2 = s$adj.r.squared,
                   F = s$fstatistic[["value"]], df1 = s$fstatistic[["numdf"]],
                   df2 = s$fstatistic[["dendf"]],
                   F_p = pf(s$fstatistic[["value"]], s$fstatistic[["numdf"]],
                            s$fstatistic[["dendf"]], lower.tail = FALSE),
                   n = nobs(fit)))
  # beta: lm on the standardized outcome and standardized model-matrix columns (dummies too),
  # since lm.beta is not installed; the slopes of that fit are the betas.
  mm <- model.matrix(fit)[, -1, drop = FALSE]  # from fit$qr, no re-evaluation
  z <- as.data.frame(scale(mm))
  z$.y <- as.vector(scale(model.response(fit$model)))
  zfit <- lm(.y ~ ., data = z)
  out[[paste0(prefix, "beta")]] <<- unname(coef(zfit)[-1])
  # Residual checks: shapiro.test on residuals, car::ncvTest (score test against fitted values)
  sw <- shapiro.test(residuals(fit))
  ncv <- ncvTest(fit)
  put(prefix, list(shapiro_W = sw$statistic, shapiro_p = sw$p.value,
                   ncv_chisq = ncv$ChiSquare, ncv_df = ncv$Df, ncv_p = ncv$p))
  # Cook's distance (stats::cooks.distance), rows above 4/n, by the data's id
  cd <- cooks.distance(fit)
  flagged <- cd > 4 / nobs(fit)
  ids <- data[names(cd), "id"]
  put(prefix, list(cooks_id = ids[flagged], cooks_d = cd[flagged]))
  fit
}

complete_lm <- na.omit(students[, c("id", "wellbeing", "belonging", "hours", "programme")])
fit <- linear("lm_", wellbeing ~ belonging + hours + programme, complete_lm)
v <- vif(fit)                                          # car::vif: GVIF, Df, GVIF^(1/(2*Df))
put("lm_", list(vif_terms = rownames(v), gvif = v[, 1], gvif_df = v[, 2], gvif_adj = v[, 3]))

# The same model with Sociology as the reference category (relevel)
complete_ref <- complete_lm
complete_ref$programme <- relevel(complete_ref$programme, ref = "Sociology")
invisible(linear("lm_ref_", wellbeing ~ belonging + hours + programme, complete_ref))

# Simple regression
complete_simple <- na.omit(students[, c("id", "wellbeing", "belonging")])
invisible(linear("simple_", wellbeing ~ belonging, complete_simple))

## Logistic regression: glm(family = binomial) ------------------------------------------------
complete_glm <- na.omit(students[, c("id", "passed", "belonging", "hours", "programme")])
# IRLS to a tight tolerance (glm.control), so that SEs are exact to ~1e-10
tight <- glm.control(epsilon = 1e-14, maxit = 100)
first <- glm(passed ~ belonging + hours + programme, family = binomial, data = complete_glm,
             control = tight)
# summary.glm's SEs use the weights of the last IRLS step's starting point; one more fit started
# at the converged coefficients makes them the weights at the estimates.
logit <- glm(passed ~ belonging + hours + programme, family = binomial, data = complete_glm,
             control = tight, start = coef(first))
null <- glm(passed ~ 1, family = binomial, data = complete_glm, control = tight)
co <- coef(summary(logit))                             # stats::summary.glm (Wald z)
ci <- exp(confint.default(logit))                      # Wald CI of B, exponentiated
n <- nobs(logit)
ll <- as.numeric(logLik(logit)); ll0 <- as.numeric(logLik(null))   # stats::logLik
lr <- anova(null, logit, test = "Chisq")               # stats::anova.glm, likelihood ratio
cox_snell <- 1 - exp((2 / n) * (ll0 - ll))             # Cox & Snell (1989), from the definition
predicted <- fitted(logit) > 0.5
put("glm_", list(terms = rownames(co), B = co[, 1], SE = co[, 2], z = co[, 3], p = co[, 4],
                 OR = exp(coef(logit)), OR_low = ci[, 1], OR_high = ci[, 2],
                 m2ll = -2 * ll, deviance = deviance(logit), null_deviance = deviance(null),
                 chisq = lr$Deviance[2], df = lr$Df[2], chisq_p = lr[["Pr(>Chi)"]][2],
                 mcfadden = 1 - ll / ll0,              # McFadden (1974)
                 cox_snell = cox_snell,
                 nagelkerke = cox_snell / (1 - exp(2 * ll0 / n)),   # Nagelkerke (1991)
                 n = n,
                 # classification at 0.5: observed 0/1 by predicted 0/1
                 class_00 = sum(complete_glm$passed == 0 & !predicted),
                 class_01 = sum(complete_glm$passed == 0 & predicted),
                 class_10 = sum(complete_glm$passed == 1 & !predicted),
                 class_11 = sum(complete_glm$passed == 1 & predicted)))
v <- vif(logit)                                        # car::vif on the glm
put("glm_", list(gvif = v[, 1], gvif_adj = v[, 3]))

## Ordinal regression: ordinal::clm (logit link), MASS::polr(Hess = TRUE) ---------------------
complete_ord <- na.omit(students[, c("id", "satisfaction", "belonging", "hours", "programme")])
complete_ord$satisfaction <- factor(complete_ord$satisfaction, levels = 1:5, ordered = TRUE)
# clm: logit P(Y <= j) = theta_j - x'beta, the same sign convention as polr and statsmodels'
# OrderedModel; a tight gradient tolerance so that the estimates are exact to ~1e-9.
ord <- clm(satisfaction ~ belonging + hours + programme, data = complete_ord,
           control = clm.control(gradTol = 1e-12, relTol = 1e-14, maxIter = 500))
s <- coef(summary(ord))
ord_null <- clm(satisfaction ~ 1, data = complete_ord)
ll <- as.numeric(logLik(ord)); ll0 <- as.numeric(logLik(ord_null))
betas <- names(ord$beta)
se <- sqrt(diag(vcov(ord)))
put("clm_", list(terms = betas, B = ord$beta, SE = se[betas], z = s[betas, 3], p = s[betas, 4],
                 OR = exp(ord$beta),
                 OR_low = exp(ord$beta - qnorm(0.975) * se[betas]),   # Wald, confint.default
                 OR_high = exp(ord$beta + qnorm(0.975) * se[betas]),
                 thresholds = names(ord$alpha), theta = ord$alpha, theta_SE = se[names(ord$alpha)],
                 m2ll = -2 * ll, chisq = 2 * (ll - ll0), df = length(betas),
                 chisq_p = pchisq(2 * (ll - ll0), length(betas), lower.tail = FALSE),
                 mcfadden = 1 - ll / ll0,
                 nagelkerke = (1 - exp((2 / nobs(ord)) * (ll0 - ll))) /
                   (1 - exp(2 * ll0 / nobs(ord))),
                 n = nobs(ord)))
pol <- polr(satisfaction ~ belonging + hours + programme, data = complete_ord, Hess = TRUE,
            control = list(reltol = 1e-14, maxit = 1000))
put("polr_", list(B = pol$coefficients, zeta = pol$zeta,
                  SE = sqrt(diag(vcov(pol)))))

write_json(out, "regression.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
