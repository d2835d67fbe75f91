# Sourced by setup.sh and .ci/run: starts Redis and MariaDB when they do not answer.
# On a machine with Docker, `docker compose up -d mysql redis` gives the same two services.

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  echo "services: starting redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "services: redis did not start" >&2; return 1
}

ensure_mariadb() {
  if mariadb -h 127.0.0.1 -uroot -e 'SELECT 1' >/dev/null 2>&1; then return 0; fi
  echo "services: starting mariadb"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 100); do mariadb -h 127.0.0.1 -uroot -e 'SELECT 1' >/dev/null 2>&1 && return 0; sleep 0.3; done
  echo "services: mariadb did not start" >&2; return 1
}
