# Reference numbers for the reliability family (reliability, checks, group descriptives).
# Reads data/reliability_survey.csv and writes reliability.json.
# R 4.2.2 with psych 2.2.9, car 3.1.1, jsonlite (Debian 12's r-cran-* packages).
#   Rscript --vanilla reliability.R
suppressMessages({
  library(psych)
  library(car)
  library(jsonlite)
})

survey <- read.csv("data/reliability_survey.csv")
survey$programme <- factor(survey$programme, levels = 1:3,
                           labels = c("Psychology", "Sociology", "Education"))
out <- list()

# --- reliability(): Cronbach's alpha, Feldt CI, item statistics, omega ----------------------
reliability_of <- function(prefix, items) {
  d <- na.omit(survey[, items])
  # psych::alpha: raw_alpha, std.alpha, average_r; item.stats mean, sd, r.drop (corrected
  # item-total r); alpha.drop raw_alpha (alpha if item deleted); feldt (Feldt et al. 1987 CI).
  a <- suppressWarnings(psych::alpha(d, check.keys = FALSE))
  out[[paste0(prefix, "_n")]] <<- nrow(d)
  out[[paste0(prefix, "_alpha")]] <<- a$total$raw_alpha
  out[[paste0(prefix, "_alpha_std")]] <<- a$total$std.alpha
  out[[paste0(prefix, "_average_r")]] <<- a$total$average_r
  out[[paste0(prefix, "_feldt_low")]] <<- a$feldt$lower.ci[[1]]
  out[[paste0(prefix, "_feldt_high")]] <<- a$feldt$upper.ci[[1]]
  out[[paste0(prefix, "_mean")]] <<- unname(a$item.stats$mean)
  out[[paste0(prefix, "_sd")]] <<- unname(a$item.stats$sd)
  out[[paste0(prefix, "_r_drop")]] <<- unname(a$item.stats$r.drop)
  if (length(items) > 2) {
    out[[paste0(prefix, "_alpha_drop")]] <<- unname(a$alpha.drop$raw_alpha)
    # McDonald's omega (total) from a one-factor ML factor analysis: stats::factanal with a
    # tight optimiser tolerance (factr = 1), then omega = (sum lambda)^2 /
    # ((sum lambda)^2 + sum psi) (McDonald 1999, p. 89).
    f <- factanal(d, factors = 1, control = list(opt = list(factr = 1, maxit = 10000)))
    lambda <- as.vector(f$loadings[, 1])
    if (sum(lambda) < 0) lambda <- -lambda
    psi <- unname(f$uniquenesses)
    out[[paste0(prefix, "_loadings")]] <<- lambda
    out[[paste0(prefix, "_uniquenesses")]] <<- psi
    out[[paste0(prefix, "_omega")]] <<- sum(lambda)^2 / (sum(lambda)^2 + sum(psi))
  }
}
reliability_of("five", paste0("item", 1:5))
reliability_of("six", paste0("item", 1:6))
reliability_of("two", c("item1", "item2"))

# --- shapiro_wilk(): stats::shapiro.test ----------------------------------------------------
sw <- shapiro.test(survey$wellbeing)
out$sw_wellbeing_W <- unname(sw$statistic)
out$sw_wellbeing_p <- sw$p.value
out$sw_wellbeing_n <- sum(!is.na(survey$wellbeing))
for (column in c("reaction", "wellbeing")) {
  d <- na.omit(survey[, c(column, "programme")])
  for (g in levels(d$programme)) {
    x <- d[d$programme == g, column]
    sw <- shapiro.test(x)
    key <- paste0("sw_", column, "_", g)
    out[[paste0(key, "_W")]] <- unname(sw$statistic)
    out[[paste0(key, "_p")]] <- sw$p.value
    out[[paste0(key, "_n")]] <- length(x)
  }
}

# --- levene_test(): car::leveneTest (center = median: Brown-Forsythe; center = mean) ---------
for (center in c("median", "mean")) {
  lt <- car::leveneTest(wellbeing ~ programme, data = survey,
                        center = if (center == "median") median else mean)
  out[[paste0("levene_", center, "_F")]] <- lt[1, "F value"]
  out[[paste0("levene_", center, "_df1")]] <- lt[1, "Df"]
  out[[paste0("levene_", center, "_df2")]] <- lt[2, "Df"]
  out[[paste0("levene_", center, "_p")]] <- lt[1, "Pr(>F)"]
}
d <- na.omit(survey[, c("wellbeing", "programme")])
out$levene_sd <- unname(tapply(d$wellbeing, d$programme, sd))  # stats::sd per group

# --- qq_plot(): stats::qqnorm (ppoints) and the line of stats::qqline ------------------------
for (g in c("Psychology", "Sociology")) {
  x <- d[d$programme == g, "wellbeing"]
  q <- qqnorm(x, plot.it = FALSE)
  o <- order(q$y)
  out[[paste0("qq_", g, "_theoretical")]] <- q$x[o]
  out[[paste0("qq_", g, "_sample")]] <- q$y[o]
  # qqline's own computation (stats::qqline source, R 4.2): through the quartiles, type 7.
  y <- quantile(x, c(0.25, 0.75), names = FALSE, type = 7)
  z <- qnorm(c(0.25, 0.75))
  slope <- diff(y) / diff(z)
  out[[paste0("qq_", g, "_slope")]] <- slope
  out[[paste0("qq_", g, "_intercept")]] <- y[1L] - slope * z[1L]
}
x <- survey$wellbeing[!is.na(survey$wellbeing)]
q <- qqnorm(x[1:9], plot.it = FALSE)  # n <= 10: ppoints uses a = 3/8
out$qq_small_theoretical <- sort(q$x)

# --- outliers(): Tukey's fences from stats::quantile(type = 7); |z| > 3 from mean and sd ------
fences <- function(x) {
  q <- quantile(x, c(0.25, 0.75), names = FALSE, type = 7)
  c(q[1] - 1.5 * diff(q), q[2] + 1.5 * diff(q))
}
rows <- which(!is.na(survey$wellbeing))
f <- fences(survey$wellbeing[rows])
out$iqr_wellbeing_fences <- f
out$iqr_wellbeing_quartiles <- quantile(survey$wellbeing[rows], c(0.25, 0.75), names = FALSE)
flag <- rows[survey$wellbeing[rows] < f[1] | survey$wellbeing[rows] > f[2]]
out$iqr_wellbeing_rows <- flag - 1  # pandas' 0-based row labels
dr <- which(!is.na(survey$reaction) & !is.na(survey$programme))
iqr_rows <- c()
z_rows <- c()
for (g in levels(survey$programme)) {
  in_g <- dr[survey$programme[dr] == g]
  x <- survey$reaction[in_g]
  f <- fences(x)
  out[[paste0("iqr_reaction_", g, "_fences")]] <- f
  iqr_rows <- c(iqr_rows, in_g[x < f[1] | x > f[2]])
  limits <- mean(x) + c(-3, 3) * sd(x)
  out[[paste0("z_reaction_", g, "_limits")]] <- limits
  z_rows <- c(z_rows, in_g[abs((x - mean(x)) / sd(x)) > 3])
}
out$iqr_reaction_rows <- sort(iqr_rows) - 1
out$z_reaction_rows <- sort(z_rows) - 1
x <- survey$wellbeing[rows]
out$z_wellbeing_limits <- mean(x) + c(-3, 3) * sd(x)
out$z_wellbeing_z <- ((x - mean(x)) / sd(x))[abs((x - mean(x)) / sd(x)) > 3]
out$z_wellbeing_rows <- rows[abs((x - mean(x)) / sd(x)) > 3] - 1
# boxplot.stats uses Tukey's hinges (fivenum), not type 7 quantiles: recorded to show that
# they differ on these data (the analysis follows quantile(type = 7), as matplotlib does).
out$boxplot_stats_wellbeing_hinges <- boxplot.stats(x)$stats[c(2, 4)]

# --- group_descriptives(): psych::describeBy (n, mean, sd, median, se), stats::t.test CI,
# stats::IQR (type 7), missing per group --------------------------------------------------
with_group <- survey[!is.na(survey$programme), ]
described <- psych::describeBy(with_group$wellbeing, with_group$programme, mat = TRUE)
out$desc_n <- described$n
out$desc_mean <- described$mean
out$desc_sd <- described$sd
out$desc_median <- described$median
out$desc_se <- described$se
out$desc_ci_low <- sapply(levels(survey$programme), function(g)
  t.test(with_group$wellbeing[with_group$programme == g])$conf.int[1], USE.NAMES = FALSE)
out$desc_ci_high <- sapply(levels(survey$programme), function(g)
  t.test(with_group$wellbeing[with_group$programme == g])$conf.int[2], USE.NAMES = FALSE)
out$desc_iqr <- unname(tapply(with_group$wellbeing, with_group$programme, IQR, na.rm = TRUE))
out$desc_missing <- unname(tapply(is.na(with_group$wellbeing), with_group$programme, sum))
all_x <- with_group$wellbeing[!is.na(with_group$wellbeing)]
out$desc_total <- c(length(all_x), mean(all_x), sd(all_x), median(all_x), IQR(all_x),
                    t.test(all_x)$conf.int[1], t.test(all_x)$conf.int[2])

write_json(out, "reliability.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
