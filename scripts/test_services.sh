#!/usr/bin/env bash
# Start PostgreSQL and Redis for the tests when they are installed but not running,
# and install Chromium for the browser test.
# Tests that need a service skip with a reason when it is unreachable (and fail under CI=true).
set -u

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  else
    echo "PostgreSQL is not installed: its tests will be skipped"
  fi
fi

if ! port_open 6379; then
  if command -v redis-server >/dev/null; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  else
    echo "Redis is not installed: its tests will be skipped"
  fi
fi

# Chromium for the browser test (Debian's package; playwright never downloads a browser here).
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing chromium for the browser test"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
      || echo "could not install chromium: the browser test will be skipped"
  else
    echo "chromium is not installed: the browser test will be skipped"
  fi
fi

for _ in $(seq 1 50); do
  port_open 5432 && port_open 6379 && break
  sleep 0.2
done
exit 0
