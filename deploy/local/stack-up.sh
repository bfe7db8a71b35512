#!/usr/bin/env bash
# Starts the local infrastructure (PostgreSQL, Kafka, Keycloak, Jaeger) in the
# background, every listener on 127.0.0.1. Idempotent: components that already run
# are left alone. Data, logs and pid files live in $DUBAN_STACK_DIR.
# Stop with deploy/local/stack-down.sh.
#   stack-up.sh               # all four
#   stack-up.sh postgres      # only those named (e.g. for the persistence tests)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

selected=("$@")
((${#selected[@]})) || selected=("${DUBAN_COMPONENTS[@]}")
for name in "${selected[@]}"; do
  [[ " ${DUBAN_COMPONENTS[*]} " == *" $name "* ]] || die "unknown component $name (one of: ${DUBAN_COMPONENTS[*]})"
done

# Generous defaults: Keycloak's first dev start re-augments and imports on 2 cores.
: "${POSTGRES_START_TIMEOUT:=60}"
: "${KAFKA_START_TIMEOUT:=90}"
: "${KEYCLOAK_START_TIMEOUT:=180}"
: "${JAEGER_START_TIMEOUT:=60}"

started_at=$SECONDS
"$DUBAN_ROOT/deploy/local/provision.sh"

LOG_DIR=$DUBAN_STACK_DIR/logs
mkdir -p "$DUBAN_STACK_DIR" "$LOG_DIR" "$DUBAN_STACK_DIR/pids"
# Marks the directory as ours, so `stack-down.sh --purge` may delete it.
touch "$DUBAN_STACK_DIR/.duban-stack"

# Keeps the previous run's log next to the new one instead of growing forever.
fresh_log() {
  local log=$LOG_DIR/$1.log
  [[ -f $log ]] && mv -f "$log" "$log.prev"
  : >"$log"
  printf '%s\n' "$log"
}

# start_bg <name> <command...>: detached from this shell and its terminal
# (nohup + setsid), so closing the terminal or Ctrl-C here does not stop it.
# setsid execs in place here (a background job is never a group leader), so $!
# is the server's own pid.
start_bg() {
  local name=$1 log
  shift
  log=$(fresh_log "$name")
  nohup setsid "$@" >>"$log" 2>&1 </dev/null &
  # Fails only if it already exited; the health wait below reports that with its log.
  pid_write "$name" "$!" || true
}

# --- PostgreSQL ---------------------------------------------------------------------

ensure_pg_user() {
  ((EUID == 0)) || return 0
  if ! id -u "$DUBAN_PG_USER" >/dev/null 2>&1; then
    need useradd "useradd is required to create the $DUBAN_PG_USER user: apt-get install passwd"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$DUBAN_PG_USER"
    say "created system user $DUBAN_PG_USER (PostgreSQL refuses to run as root)"
  fi
}

start_postgres() {
  ensure_pg_user
  # Where the binaries and the cluster are; as root, outside a clone its user cannot enter (env.sh).
  pg_locations --create
  [[ $PG_DIR == "$DUBAN_STACK_DIR/postgres" ]] || say "postgres: $DUBAN_PG_USER cannot enter $DUBAN_STACK_DIR; the cluster is kept in $PG_DIR"
  mkdir -p "$PG_DIR"
  if ((EUID == 0)); then
    chown "$DUBAN_PG_USER:" "$PG_DIR"
  fi
  chmod 700 "$PG_DIR"

  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    say "postgres: initdb (first start)"
    local pwfile=$PG_DIR/.pwfile
    # The password file must be readable by the cluster owner only, and only briefly.
    (umask 077 && printf '%s\n' "$PG_SUPERUSER_PASSWORD" >"$pwfile")
    if ((EUID == 0)); then chown "$DUBAN_PG_USER:" "$pwfile"; fi
    if ! (cd "$PG_DIR" && as_pg_user "$PG_NATIVE/bin/initdb" -D "$PG_DATA" -U postgres \
      --pwfile="$pwfile" --auth-host=scram-sha-256 --auth-local=scram-sha-256 \
      --encoding=UTF8 --no-locale >"$LOG_DIR/postgres-initdb.log" 2>&1); then
      rm -f "$pwfile"
      tail -n 30 "$LOG_DIR/postgres-initdb.log" >&2
      die "postgres: initdb failed; log: $LOG_DIR/postgres-initdb.log"
    fi
    rm -f "$pwfile"
    # Our settings live in their own file, rewritten on every start (ports may change).
    printf "\ninclude_if_exists = 'duban.conf'\n" | as_pg_user tee -a "$PG_DATA/postgresql.conf" >/dev/null
  fi

  # Loopback TCP only; no Unix socket, so no dependency on /var/run/postgresql.
  as_pg_user tee "$PG_DATA/duban.conf" >/dev/null <<EOF
# Written by deploy/local/stack-up.sh on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = ''
max_connections = 300
fsync = on
EOF

  local log
  log=$(fresh_log postgres)
  if [[ $PG_DIR != "$DUBAN_STACK_DIR/postgres" ]]; then
    # PostgreSQL writes its log itself, where its user can: beside the cluster, linked from the logs folder.
    local kept=$(dirname "$PG_DIR")/postgres.log
    [[ -f $kept ]] && mv -f "$kept" "$kept.prev"
    : >"$kept"
    ln -sfn "$kept" "$log"
    log=$kept
  fi
  if ((EUID == 0)); then chown "$DUBAN_PG_USER:" "$log"; fi
  # A postmaster.pid left by a crash or reboot would name a pid that is not (or
  # no longer) PostgreSQL; with no server running it is stale: remove it, so the
  # pid read below is the new server's and never another process's.
  if [[ -e $PG_DATA/postmaster.pid ]] && ! as_pg_user "$PG_NATIVE/bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    rm -f "$PG_DATA/postmaster.pid"
  fi
  # -W: do not wait here; the health wait below runs in parallel with the others.
  (cd "$PG_DIR" && as_pg_user "$PG_NATIVE/bin/pg_ctl" -D "$PG_DATA" -l "$log" -W -s start)

  # pg_ctl daemonizes postgres; its pid is the first line of postmaster.pid.
  local pid="" i
  for ((i = 0; i < 50; i++)); do
    [[ -s $PG_DATA/postmaster.pid ]] && pid=$(head -n 1 "$PG_DATA/postmaster.pid")
    [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == postgres ]] && break
    pid=""
    sleep 0.1
  done
  if [[ -z $pid ]] || ! pid_write postgres "$pid"; then
    tail -n 30 "$log" >&2
    die "postgres: did not start; log: $log"
  fi
}

# Role and one database per service, created only when missing (superuser login).
bootstrap_postgres() {
  duban_node - <<'JS'
const { Client } = require("pg");
const dbs = ["duban_intake", "duban_dispatch", "duban_collaboration", "duban_escalation",
  "duban_assessment", "duban_notification", "duban_test"];
(async () => {
  const c = new Client({ host: "127.0.0.1", port: +process.env.PG_PORT, user: "postgres",
    password: process.env.PG_SUPERUSER_PASSWORD, database: "postgres" });
  await c.connect();
  const created = [];
  if (!(await c.query("select 1 from pg_roles where rolname = 'duban'")).rowCount) {
    await c.query("create role duban login createdb password 'duban'");
    created.push("role duban");
  }
  for (const db of dbs) {
    if (!(await c.query("select 1 from pg_database where datname = $1", [db])).rowCount) {
      // Identifiers cannot be bound parameters; the names are the constants above.
      await c.query(`create database ${db} owner duban`);
      created.push(db);
    }
  }
  await c.end();
  if (created.length) console.error(`duban: postgres: created ${created.join(", ")}`);
})().catch((e) => { console.error(`duban: postgres bootstrap failed: ${e.message}`); process.exit(1); });
JS
}

# --- Kafka (single-node KRaft) ------------------------------------------------------------
KAFKA_DIR=$DUBAN_STACK_DIR/kafka
KAFKA_JAVA=(java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
  -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$KAFKA_DIR/log4j.properties"
  -cp "$KAFKA_LIBS/*")

start_kafka() {
  mkdir -p "$KAFKA_DIR/data"
  # Rewritten on every start so it always follows env.sh.
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Written by deploy/local/stack-up.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=6
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  # Kafka 3.9 logs through log4j 1 (reload4j); the console output goes to logs/kafka.log.
  cat >"$KAFKA_DIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
# stderr keeps the stdout of the CLI tools (StorageTool random-uuid) machine-readable.
log4j.appender.stdout.Target=System.err
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
# Per-request and state-change chatter is useless locally.
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.raft=WARN
log4j.logger.org.apache.kafka.controller=WARN
log4j.logger.org.apache.kafka.clients.NetworkClient=WARN
EOF

  if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
    # A random cluster id, kept so a re-format (after manual data loss) reuses it.
    if [[ ! -s $KAFKA_DIR/cluster.id ]]; then
      local id
      # Log lines may precede it; a Kafka UUID is 22 url-safe base64 characters.
      id=$("${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null |
        grep -E '^[A-Za-z0-9_-]{22}$' | tail -n 1) || die "kafka: could not generate a cluster id"
      printf '%s\n' "$id" >"$KAFKA_DIR/cluster.id"
    fi
    say "kafka: formatting storage (first start, cluster id $(<"$KAFKA_DIR/cluster.id"))"
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format --ignore-formatted \
      -t "$(<"$KAFKA_DIR/cluster.id")" -c "$KAFKA_DIR/server.properties" \
      >"$LOG_DIR/kafka-format.log" 2>&1 || {
      tail -n 30 "$LOG_DIR/kafka-format.log" >&2
      die "kafka: storage format failed; log: $LOG_DIR/kafka-format.log"
    }
  fi
  start_bg kafka "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties"
}

# --- Keycloak (dev mode) ---------------------------------------------------------------------
start_keycloak() {
  # Dev mode imports realms from <keycloak home>/data/import only, and never over an
  # existing realm: a changed realm JSON needs the Keycloak data removed (warned below).
  local realm=$DUBAN_ROOT/deploy/keycloak/duban-realm.json kc_dir=$DUBAN_STACK_DIR/keycloak sum
  mkdir -p "$KEYCLOAK_HOME/data/import" "$kc_dir"
  cp "$realm" "$KEYCLOAK_HOME/data/import/duban-realm.json"
  sum=$(sha256sum "$realm" | cut -d' ' -f1)
  if [[ ! -f $kc_dir/h2/keycloakdb.mv.db || ! -f $kc_dir/imported-realm.sha256 ]]; then
    printf '%s\n' "$sum" >"$kc_dir/imported-realm.sha256"
  elif [[ $sum != "$(cat "$kc_dir/imported-realm.sha256" 2>/dev/null)" ]]; then
    say "keycloak: deploy/keycloak/duban-realm.json changed since it was imported; to re-import, stop the stack and rm -rf $kc_dir (Keycloak data only)"
  fi
  # The install stays in the shared cache; the H2 database lives in this checkout's
  # stack dir. --hostname pins the issuer to 127.0.0.1 even when called via localhost.
  start_bg keycloak env \
    KEYCLOAK_ADMIN="$KEYCLOAK_ADMIN_USER" KEYCLOAK_ADMIN_PASSWORD="$KEYCLOAK_ADMIN_PASS" \
    JAVA_OPTS_KC_HEAP="-Xms128m -Xmx768m" \
    "$KEYCLOAK_HOME/bin/kc.sh" start-dev \
    --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" \
    --hostname="http://127.0.0.1:$KEYCLOAK_PORT" \
    --health-enabled=true --http-management-port="$KEYCLOAK_MGMT_PORT" \
    --db=dev-file --db-url="jdbc:h2:file:$DUBAN_STACK_DIR/keycloak/h2/keycloakdb;NON_KEYWORDS=VALUE" \
    --import-realm
}

# --- Jaeger v2 ---------------------------------------------------------------------------------
start_jaeger() {
  # Ports reach the config through ${env:...} placeholders (exported by env.sh).
  start_bg jaeger "$JAEGER_BIN" --config "$DUBAN_ROOT/deploy/local/jaeger/config.yaml"
}

# --- start what is not running, then wait for all ----------------------------------------
declare -A timeout_of=([postgres]=$POSTGRES_START_TIMEOUT [kafka]=$KAFKA_START_TIMEOUT
  [keycloak]=$KEYCLOAK_START_TIMEOUT [jaeger]=$JAEGER_START_TIMEOUT)

declare -A ports_of=([postgres]="$PG_PORT" [kafka]="$KAFKA_PORT $KAFKA_CONTROLLER_PORT"
  [keycloak]="$KEYCLOAK_PORT $KEYCLOAK_MGMT_PORT"
  [jaeger]="$JAEGER_QUERY_PORT $JAEGER_QUERY_GRPC_PORT $JAEGER_OTLP_GRPC_PORT $JAEGER_OTLP_HTTP_PORT")

# A port held by a foreign process would otherwise surface as an obscure bind error.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Check every port before starting anything, so a conflict leaves nothing half-started.
to_start=()
for name in "${selected[@]}"; do
  if pid=$(pid_alive "$name"); then
    say "$name: already running (pid $pid)"
    continue
  fi
  pid_remove "$name"
  for port in ${ports_of[$name]}; do
    if port_in_use "$port"; then
      die "$name: port 127.0.0.1:$port is already in use by a process this stack did not start (ss -ltnp 'sport = :$port'); free it or override the port (see deploy/local/env.sh)"
    fi
  done
  to_start+=("$name")
done
for name in "${to_start[@]}"; do
  say "$name: starting"
  "start_$name"
done

# healthy_or_dead <name>: true once healthy; also true (to stop polling) once the
# process is gone, which the caller then reports.
healthy_or_dead() {
  "health_$1" || ! pid_alive "$1" >/dev/null
}

failed=()
for name in postgres jaeger kafka keycloak; do
  [[ " ${selected[*]} " == *" $name "* ]] || continue
  if ! wait_for "$name" "${timeout_of[$name]}" healthy_or_dead "$name" ||
    ! pid_alive "$name" >/dev/null || ! "health_$name" >/dev/null 2>&1; then
    say "$name: failed to start; last 30 lines of $LOG_DIR/$name.log:"
    tail -n 30 "$LOG_DIR/$name.log" >&2 || true
    failed+=("$name")
    continue
  fi
  if [[ $name == postgres ]] && ! bootstrap_postgres; then
    failed+=("$name")
  fi
done

if ((${#failed[@]})); then
  die "not started: ${failed[*]} (the others keep running; stop them with deploy/local/stack-down.sh)"
fi

echo
status_header
for name in "${selected[@]}"; do status_line "$name" || true; done
printf '\nk6: %s\nlogs: %s\nready in %ss\n' "$K6_BIN" "$LOG_DIR" "$((SECONDS - started_at))"
