#!/usr/bin/env bash
# The whole test suite against the real Redis and MariaDB, after every set-up step.
# Extra arguments go to vitest (for example a folder, to run only its tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TURBO_TELEMETRY_DISABLED=1
pnpm typecheck
pnpm exec vitest run "$@"
