#!/usr/bin/env bash
# Starts the platform on this machine: set-up, migrations, demo data, then both services and the web
# app (the pages, with both APIs proxied under its own origin). Ctrl-C stops all three.
# With Docker, `docker compose up` does the same in containers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
if [ -z "${QUEUE_TOKEN_SECRET:-}" ]; then
  echo "start: QUEUE_TOKEN_SECRET is unset; using a development secret. Set your own for anything real."
  export QUEUE_TOKEN_SECRET="development-only-secret-change-me-0123456789"
fi
. scripts/identity-env.sh
if [ -z "${ADMIN_API_KEY:-}" ]; then
  export ADMIN_API_KEY="dev-admin-key"
  admin_fragment="#adminKey=dev-admin-key"
  echo "start: ADMIN_API_KEY is unset; the admin endpoints take X-Admin-Key: dev-admin-key"
fi

pnpm --filter @concert/db migrate
pnpm seed
pnpm --filter @concert/web build >/dev/null

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
PORT="${GATEWAY_PORT:-3000}" pnpm --filter @concert/queue-gateway start & pids+=($!)
PORT="${BOOKING_PORT:-3001}" pnpm --filter @concert/booking-api start & pids+=($!)
GATEWAY_URL="http://127.0.0.1:${GATEWAY_PORT:-3000}" BOOKING_URL="http://127.0.0.1:${BOOKING_PORT:-3001}" \
  WEB_PORT="${WEB_PORT:-3002}" pnpm --filter @concert/web start & pids+=($!)
echo "start: queue-gateway on :${GATEWAY_PORT:-3000}, booking-api on :${BOOKING_PORT:-3001}, web app on :${WEB_PORT:-3002}"
echo "start: fans http://localhost:${WEB_PORT:-3002}/?concert=1 · operators http://localhost:${WEB_PORT:-3002}/admin${admin_fragment:-} · API docs :${GATEWAY_PORT:-3000}/docs and :${BOOKING_PORT:-3001}/docs"
wait -n
