#!/usr/bin/env bash
# Every benchmark on one engine, data sets built first (idempotent).
#   bench/run_all.sh postgres     (or sqlite)
# Needs PostgreSQL (role with CREATEDB) for `postgres`, Redis at REDIS_URL
# (default redis://127.0.0.1:6379/0) and wrk (apt-get install -y wrk).
# Results: $CBM_BENCH_RESULTS (default /tmp/cbm-bench/results), one JSON each.
set -euo pipefail
cd "$(dirname "$0")/.."
engine="${1:?usage: bench/run_all.sh sqlite|postgres}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
py=.venv/bin/python

for dataset in 200 50 digest; do
    $py bench/prepare.py --engine "$engine" --dataset "$dataset"
done
$py bench/scorecards.py --engine "$engine"
$py bench/scaling.py --engine "$engine"
$py bench/feed.py --engine "$engine"
$py bench/throughput.py --engine "$engine"
$py bench/digest.py --engine "$engine" --rounds 3
