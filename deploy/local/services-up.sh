#!/usr/bin/env bash
# Starts every Duban service as its own process against the running local
# stack, then waits until each answers /health/ready. Idempotent.
set -euo pipefail
# shellcheck source=deploy/local/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

for component in "${DUBAN_COMPONENTS[@]}"; do
  pid_alive "$component" >/dev/null || die "the local stack is not running ($component is down): npm run stack:up"
done
[[ -f $DUBAN_ROOT/apps/gateway/dist/main.js ]] || die "the services are not built: npm run build"

LOG_DIR=$DUBAN_STACK_DIR/logs
mkdir -p "$LOG_DIR"
started=()
for name in "${DUBAN_SERVICES[@]}"; do
  if pid=$(pid_alive "svc-$name"); then
    say "$name: already running (pid $pid)"
    continue
  fi
  log=$LOG_DIR/svc-$name.log
  [[ -f $log ]] && mv -f "$log" "$log.prev"
  mapfile -t vars < <(service_env "$name")
  # exec all the way down (subshell → nohup → setsid → env → node) so that $! is node's own pid.
  # DUBAN_NODE_ARGS: extra node flags for every service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (npm run load sets it from LOAD_NODE_ARGS).
  # shellcheck disable=SC2086
  (cd "$DUBAN_ROOT" && exec nohup setsid env "${vars[@]}" node ${DUBAN_NODE_ARGS:-} "apps/$name/dist/main.js" >>"$log" 2>&1 </dev/null) &
  pid_write "svc-$name" "$!" || { tail -n 30 "$log" >&2; die "$name: exited right after start; log: $log"; }
  started+=("$name")
done

for name in "${started[@]}"; do
  if ! wait_for "$name" 90 health_service "$name"; then
    tail -n 30 "$LOG_DIR/svc-$name.log" >&2
    die "$name: not ready; log: $LOG_DIR/svc-$name.log"
  fi
done
for name in "${DUBAN_SERVICES[@]}"; do
  printf '%-14s http://127.0.0.1:%s  pid %s  log %s\n' "$name" "$(service_port "$name")" \
    "$(pid_alive "svc-$name")" "$LOG_DIR/svc-$name.log"
done
