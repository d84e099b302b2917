#!/usr/bin/env bash
# Makes sure a Redis answers PING at REDIS_URL (default redis://127.0.0.1:6379).
# If none does, starts a throwaway local one (no persistence) and waits up to 10 s for it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
DATA_DIR="${DATA_DIR:-./data}"

# redis[s]://[user[:password]@]host[:port][/db]
hostport="${REDIS_URL#*://}"
hostport="${hostport##*@}"
hostport="${hostport%%/*}"
host="${hostport%:*}"
port="${hostport##*:}"
[ "$port" = "$hostport" ] && port=6379
[ -n "$host" ] || host=127.0.0.1
host="${host#[}"
host="${host%]}"

# Each probe gives up after 3 s so an unreachable host cannot hang us.
ping_redis() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(timeout 3 redis-cli -u "$REDIS_URL" ping 2>/dev/null)" = "PONG" ]
  else
    # No redis-cli: speak RESP over bash's /dev/tcp (no AUTH support).
    timeout 3 bash -c '
      exec 3<>"/dev/tcp/$1/$2" || exit 1
      printf "PING\r\n" >&3
      IFS= read -r reply <&3 && [[ $reply == +PONG* ]]
    ' ping "$host" "$port" 2>/dev/null
  fi
}

ping_redis && exit 0

case "$host" in
  127.0.0.1 | localhost | ::1) ;;
  *) echo "ensure-redis: nothing answers at $host:$port and it is not local; not starting one" >&2; exit 1 ;;
esac
command -v redis-server >/dev/null 2>&1 || { echo "ensure-redis: redis-server not installed (run make setup)" >&2; exit 1; }

mkdir -p "$DATA_DIR/redis"
redis_dir="$(cd "$DATA_DIR/redis" && pwd)"
echo "ensure-redis: starting redis-server on 127.0.0.1:$port"
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
  --dir "$redis_dir" --logfile "$redis_dir/redis.log" >/dev/null

for _ in $(seq 1 50); do
  ping_redis && exit 0
  sleep 0.2
done
echo "ensure-redis: redis-server did not answer PING within 10 s (see $redis_dir/redis.log)" >&2
exit 1
