#!/usr/bin/env bash
# `npm run bench:smoke`: every benchmark once, briefly, so that none breaks
# silently. Asserts only what each one's exit code says: it ran to the end, every
# answer was 2xx, and (bench:filing) every 2xx submission is in the database,
# none twice. The figures of so short a run mean nothing; CI runs this after the
# tests (.ci/run). Each benchmark starts and stops its own embedded stack in
# .data/bench*/, as a full run does. Expects `npm run build` first (dist/).
#
# The three lanes below share nothing (each its own PostgreSQL, Unleash and
# ports), and most of a smoke run is boot and waiting: they run side by side,
# each line of output as it comes, prefixed with its lane. Each lane's limits
# add up to less than the 7 minutes .ci/run gives the whole smoke.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n==> bench:smoke: %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }
# Flags polled every second (5 by default): bench:rollout's decisions wait for a poll.
export FLAGS_REFRESH_INTERVAL_MS=1000
# A benchmark that hangs is stopped: its own limit is longer than a smoke needs.
limit() { timeout --kill-after=30 "$1" "${@:2}"; }

pages() {
  step "bench: 1 s warm-up and 2 s per endpoint"
  BENCH_WARMUP_S=1 BENCH_DURATION_S=2 limit 300 node dist/scripts/bench.js
}

filing() {
  step "bench:filing: 1 s warm-up and 2 s of filing, 50 SMEs"
  limit 170 node dist/scripts/bench-filing.js --warmup 1 --duration 2 --smes 50
  # bench:queue and bench:insights read seed:scale's database: here bench:filing's
  # PostgreSQL, started alone.
  step "seed:scale: 5,000 applications and their journey events in bench:filing's database"
  DATA_DIR=.data/bench-filing limit 60 node dist/scripts/seed-scale.js --reset --count 5000 --batch 5000
  step "bench:queue: 5 runs a case, then the page over HTTP"
  DATA_DIR=.data/bench-filing limit 90 node dist/scripts/bench-queue.js --iterations 5
  step "bench:insights: 5 runs a page, on that database"
  DATA_DIR=.data/bench-filing limit 90 node dist/scripts/bench-insights.js --iterations 5
}

rollout() {
  step "bench:rollout: the fewest iterations, promotions, services and cohorts"
  limit 330 node dist/scripts/bench-rollout.js --iterations 1000 --promotions 2 --services 1 --cohorts 1
}

lanes=(pages filing rollout)
declare -A pid
for lane in "${lanes[@]}"; do
  (
    set -o pipefail
    (set -euo pipefail; "$lane") 2>&1 | sed -u "s/^/[$lane] /"
  ) &
  pid[$lane]=$!
done
failed=()
for lane in "${lanes[@]}"; do
  code=0
  wait "${pid[$lane]}" || code=$?
  if [ "$code" -ne 0 ]; then
    printf '\n==> bench:smoke: %s failed (exit code %s)\n' "$lane" "$code" >&2
    failed+=("$lane")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  step "failed: ${failed[*]}"
  exit 1
fi
step "every benchmark ran, nothing lost"
