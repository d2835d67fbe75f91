#!/bin/sh
# Runs a command (a service, or the migrate-and-seed job) under the development identity rule of
# scripts/identity-env.sh, for the containers of docker-compose.yml, where a compose file alone cannot
# say "default this only when that other variable is unset".
set -eu
. "$(dirname "$0")/identity-env.sh"
exec "$@"
