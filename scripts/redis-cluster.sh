#!/usr/bin/env bash
# Starts a local 3-master Redis Cluster on 127.0.0.1:7001-7003 unless it already answers, for the
# suites that run on a cluster (.ci/run) and for trying the platform on one:
#   REDIS_CLUSTER_NODES=127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003 bash scripts/start.sh
# Nothing is kept on disk. `bash scripts/redis-cluster.sh stop` shuts the nodes down.
set -euo pipefail
PORTS=(7001 7002 7003)
DIR="${REDIS_CLUSTER_DIR:-/tmp/concert-redis-cluster}"

if [ "${1:-}" = "stop" ]; then
  for p in "${PORTS[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
  exit 0
fi

if [ "$(redis-cli -p "${PORTS[0]}" cluster info 2>/dev/null | tr -d '\r' | grep -c '^cluster_state:ok$')" = 1 ]; then
  exit 0
fi

echo "redis-cluster: starting 3 masters on ${PORTS[*]}"
for p in "${PORTS[@]}"; do
  redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$DIR/$p" && mkdir -p "$DIR/$p"
  redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$DIR/$p/nodes.conf" \
    --dir "$DIR/$p" --save '' --appendonly no --daemonize yes --logfile "$DIR/$p/redis.log"
done
for p in "${PORTS[@]}"; do
  for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
redis-cli --cluster create 127.0.0.1:7001 127.0.0.1:7002 127.0.0.1:7003 --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 1 100); do
  ok=1
  for p in "${PORTS[@]}"; do
    redis-cli -p "$p" cluster info | tr -d '\r' | grep -q '^cluster_state:ok$' || ok=0
  done
  [ "$ok" = 1 ] && exit 0
  sleep 0.1
done
echo "redis-cluster: the cluster did not become ready" >&2
exit 1
