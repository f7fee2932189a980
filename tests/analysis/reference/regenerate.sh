#!/usr/bin/env bash
# Run every family's R script again, rewriting its <family>.json next to it. Needs R 4.2+ with
# the packages the scripts load; on Debian 12:
#   apt-get install r-base-core r-cran-effectsize r-cran-car r-cran-psych r-cran-afex \
#     r-cran-emmeans r-cran-rstatix r-cran-ordinal r-cran-mass r-cran-gparotation r-cran-jsonlite
set -euo pipefail
cd "$(dirname "$0")"
for script in *.R; do
  echo "== $script"
  Rscript --vanilla "$script"
done
