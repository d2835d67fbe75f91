#!/usr/bin/env bash
# Starts the platform on this machine: set-up, migrations, demo data, then both services.
# Ctrl-C stops both. With Docker, `docker compose up` does the same in containers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export DATABASE_URL="${DATABASE_URL:-mysql://root@127.0.0.1:3306/concert}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
if [ -z "${QUEUE_TOKEN_SECRET:-}" ]; then
  echo "start: QUEUE_TOKEN_SECRET is unset; using a development secret. Set your own for anything real."
  export QUEUE_TOKEN_SECRET="development-only-secret-change-me-0123456789"
fi
. scripts/identity-env.sh
if [ -z "${ADMIN_API_KEY:-}" ]; then
  export ADMIN_API_KEY="dev-admin-key"
  echo "start: ADMIN_API_KEY is unset; the admin endpoints take X-Admin-Key: dev-admin-key"
fi

pnpm --filter @concert/db migrate
pnpm seed

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
PORT="${GATEWAY_PORT:-3000}" pnpm --filter @concert/queue-gateway start & pids+=($!)
PORT="${BOOKING_PORT:-3001}" pnpm --filter @concert/booking-api start & pids+=($!)
echo "start: queue-gateway on :${GATEWAY_PORT:-3000}, booking-api on :${BOOKING_PORT:-3001}"
wait -n
