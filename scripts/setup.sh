#!/usr/bin/env bash
# Every set-up step, idempotent: pnpm, dependencies, local Redis and MariaDB, the Prisma client.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=10.34.9
export TURBO_TELEMETRY_DISABLED=1

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  # corepack cannot verify pnpm's signatures against some registry mirrors; npm can install it.
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi
pnpm install --frozen-lockfile
. scripts/services.sh
ensure_redis
ensure_mariadb
pnpm --filter @concert/db generate
