#!/usr/bin/env bash
# The whole test suite against the real Redis and MariaDB, after every set-up step; then the queue,
# booking and concurrency suites again on a local 3-master Redis Cluster (scripts/redis-cluster.sh).
#   bash scripts/test.sh                     everything, both topologies
#   bash scripts/test.sh apps/booking-api    only these tests (single Redis only)
#   bash scripts/test.sh --report <base>     also write vitest JSON reports to <base>.single.json and
#                                            <base>.cluster.json (what .ci/run counts)
set -euo pipefail
cd "$(dirname "$0")/.."
report=""
if [ "${1:-}" = "--report" ]; then report="$2"; shift 2; fi
bash scripts/setup.sh
export TURBO_TELEMETRY_DISABLED=1
pnpm typecheck

json_args() { [ -n "$report" ] && echo "--reporter=default --reporter=json --outputFile.json=$report.$1.json"; }

status=0
# shellcheck disable=SC2046
pnpm exec vitest run $(json_args single) "$@" || status=$?

# With a path given, only that; otherwise the cluster topology too.
if [ "$#" -eq 0 ]; then
  bash scripts/redis-cluster.sh
  echo "test: the queue, booking and concurrency suites on Redis Cluster 127.0.0.1:7001-7003"
  # shellcheck disable=SC2046
  TEST_REDIS_CLUSTER_NODES=127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003 \
    pnpm exec vitest run $(json_args cluster) apps/booking-api apps/queue-gateway packages/queue-core || status=$?
fi
exit "$status"
