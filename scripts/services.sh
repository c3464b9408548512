#!/usr/bin/env bash
# Test services for sohoa's storage tests: moto's S3 server, a throwaway PostgreSQL cluster,
# Redis and RabbitMQ, all on loopback. Idempotent: running `start` twice leaves one of each.
#
#   eval "$(scripts/services.sh start)"   # starts what is not running, prints export lines
#   scripts/services.sh env               # prints the export lines only
#   scripts/services.sh stop              # stops all four
#   scripts/services.sh stop-s3|start-s3  # fault tests: take the S3 server away and back
#   scripts/services.sh status
#
# On a fresh Debian 12 as root it installs postgresql, redis-server and rabbitmq-server with
# apt-get when they are missing (no `apt-get update` when they are already there). Only export lines go to stdout;
# progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SOHOA_VENV:-$ROOT/.venv}"
STATE="${SOHOA_SERVICES_DIR:-/tmp/sohoa-services}"
S3_PORT="${SOHOA_TEST_S3_PORT:-5055}"
PG_PORT="${SOHOA_TEST_PG_PORT:-5433}"
REDIS_PORT="${SOHOA_TEST_REDIS_PORT:-6380}"
AMQP_PORT="${SOHOA_TEST_AMQP_PORT:-5672}"
RABBIT_DIR="$STATE/rabbitmq"
PG_BIN="${SOHOA_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_DATA="$STATE/pgdata"
WAIT_SECONDS="${SOHOA_SERVICES_TIMEOUT:-60}"

log() { echo "services: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# wait_for DESCRIPTION COMMAND...: poll COMMAND until it succeeds or WAIT_SECONDS pass.
wait_for() {
    local what="$1"; shift
    local deadline=$((SECONDS + WAIT_SECONDS))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            die "$what did not answer within ${WAIT_SECONDS}s"
        fi
        sleep 0.3
    done
}

s3_up() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$S3_PORT/"; }
pg_up() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; }
redis_up() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; }
# RabbitMQ as our own node: its own state, logs, cookie (HOME) and no plugins, on loopback;
# its own scripts (Debian's wrappers in /usr/sbin switch to the rabbitmq user and its state).
rabbit() {
    env PATH="/usr/lib/rabbitmq/bin:$PATH" HOME="$RABBIT_DIR" RABBITMQ_NODENAME="sohoa$AMQP_PORT@localhost" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$AMQP_PORT" \
        RABBITMQ_DIST_PORT="$((AMQP_PORT + 20000))" ERL_EPMD_ADDRESS=127.0.0.1 \
        RABBITMQ_MNESIA_BASE="$RABBIT_DIR/mnesia" RABBITMQ_LOG_BASE="$RABBIT_DIR/log" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_DIR/enabled_plugins" \
        RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq" RABBITMQ_PID_FILE="$RABBIT_DIR/pid" "$@"
}
rabbit_ping() { rabbit timeout 8 rabbitmq-diagnostics -q check_port_connectivity; }


as_postgres() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

install_packages() {
    local missing=()
    [[ -x "$PG_BIN/initdb" ]] || missing+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    ((${#missing[@]} == 0)) && return 0
    [[ "$(id -u)" == 0 ]] || die "missing ${missing[*]} and not root: install them first"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -q >&2
    timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

start_s3() {
    mkdir -p "$STATE"
    if s3_up; then
        log "S3 (moto) already answering on 127.0.0.1:$S3_PORT"
        return 0
    fi
    [[ -x "$VENV/bin/moto_server" ]] || die "$VENV/bin/moto_server not found (pip install 'moto[server]')"
    log "starting moto S3 server on 127.0.0.1:$S3_PORT"
    nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" >"$STATE/moto.log" 2>&1 </dev/null &
    echo $! >"$STATE/moto.pid"
    wait_for "S3 server" s3_up
}

stop_s3() {
    if [[ -f "$STATE/moto.pid" ]]; then
        local pid
        pid="$(cat "$STATE/moto.pid")"
        if kill -0 "$pid" 2>/dev/null; then
            log "stopping moto S3 server (pid $pid)"
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$STATE/moto.pid"
    fi
    local deadline=$((SECONDS + 10))
    while s3_up; do
        ((SECONDS >= deadline)) && die "S3 server still answers on port $S3_PORT (not started by us?)"
        sleep 0.2
    done
}

start_pg() {
    mkdir -p "$STATE"
    if pg_up; then
        log "PostgreSQL already answering on 127.0.0.1:$PG_PORT"
    else
        if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
            log "creating throwaway PostgreSQL cluster in $PG_DATA"
            rm -rf "$PG_DATA"
            mkdir -p "$PG_DATA"
            [[ "$(id -u)" == 0 ]] && chown postgres:postgres "$PG_DATA"
            chmod 700 "$PG_DATA"
            as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
                --auth-local=trust --auth-host=scram-sha-256 >"$STATE/initdb.log" 2>&1 \
                || die "initdb failed, see $STATE/initdb.log"
        fi
        log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t "$WAIT_SECONDS" \
            -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off" start >&2 \
            || die "PostgreSQL did not start, see $PG_DATA/server.log"
        wait_for "PostgreSQL" pg_up
    fi
    local psql=("$PG_BIN/psql" -h "$PG_DATA" -p "$PG_PORT" -U postgres -d postgres -qtAX)
    if [[ "$(as_postgres "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='sohoa'")" != 1 ]]; then
        as_postgres "${psql[@]}" -c "CREATE ROLE sohoa LOGIN PASSWORD 'sohoa' CREATEDB" >&2
    fi
    if [[ "$(as_postgres "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='sohoa_test'")" != 1 ]]; then
        as_postgres "${psql[@]}" -c "CREATE DATABASE sohoa_test OWNER sohoa" >&2
    fi
}

stop_pg() {
    if [[ -f "$PG_DATA/postmaster.pid" ]]; then
        log "stopping PostgreSQL"
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >&2 || true
    fi
}

start_redis() {
    mkdir -p "$STATE"
    if redis_up; then
        log "Redis already answering on 127.0.0.1:$REDIS_PORT"
        return 0
    fi
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" \
        --appendonly no --dir "$STATE" --pidfile "$STATE/redis.pid" \
        --logfile "$STATE/redis.log" >&2
    wait_for "Redis" redis_up
}

stop_redis() {
    if redis_up; then
        log "stopping Redis"
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    fi
}

start_rabbit() {
    mkdir -p "$RABBIT_DIR/log" "$RABBIT_DIR/mnesia"
    if rabbit_ping >/dev/null 2>&1; then
        log "RabbitMQ already answering on 127.0.0.1:$AMQP_PORT"
        return 0
    fi
    echo "[]." >"$RABBIT_DIR/enabled_plugins"
    printf 'loopback_users = none\nlisteners.tcp.default = 127.0.0.1:%s\n' "$AMQP_PORT" \
        >"$RABBIT_DIR/rabbitmq.conf"
    log "starting RabbitMQ on 127.0.0.1:$AMQP_PORT (state in $RABBIT_DIR)"
    rabbit rabbitmq-server -detached >"$RABBIT_DIR/start.log" 2>&1 </dev/null \
        || die "RabbitMQ did not start, see $RABBIT_DIR/start.log"
    local deadline=$((SECONDS + WAIT_SECONDS * 2))  # Erlang takes its time on a loaded box
    until rabbit_ping >/dev/null 2>&1; do
        ((SECONDS >= deadline)) && die "RabbitMQ did not answer, see $RABBIT_DIR/log"
        sleep 1
    done
}

stop_rabbit() {
    if rabbit_ping >/dev/null 2>&1; then
        log "stopping RabbitMQ"
        rabbit timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 || true
        # Erlang's port mapper, started with our node, goes with it (no other node here).
        rabbit timeout 10 epmd -names 2>/dev/null | grep -q "^name " \
            || timeout 10 epmd -kill >/dev/null 2>&1 || true
    fi
}

print_env() {
    echo "export SOHOA_TEST_S3_ENDPOINT=127.0.0.1:$S3_PORT"
    echo "export SOHOA_TEST_PG_URL=postgresql+psycopg://sohoa:sohoa@127.0.0.1:$PG_PORT/sohoa_test"
    echo "export SOHOA_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    echo "export SOHOA_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
}

status() {
    s3_up && log "S3: up" || log "S3: down"
    pg_up && log "PostgreSQL: up" || log "PostgreSQL: down"
    redis_up && log "Redis: up" || log "Redis: down"
    rabbit_ping >/dev/null 2>&1 && log "RabbitMQ: up" || log "RabbitMQ: down"
}

case "${1:-start}" in
    start)
        install_packages
        start_s3
        start_pg
        start_redis
        start_rabbit
        print_env
        ;;
    stop)
        stop_s3
        stop_pg
        stop_redis
        stop_rabbit
        ;;
    start-s3) start_s3 ;;
    stop-s3) stop_s3 ;;
    env) print_env ;;
    status) status ;;
    *)
        echo "usage: $0 start|stop|start-s3|stop-s3|env|status" >&2
        exit 2
        ;;
esac
