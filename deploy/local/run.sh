#!/usr/bin/env bash
# `npm run start:distributed`: the local stack, a build, and the seven services
# as separate processes. Stays in the foreground; Ctrl-C stops what it started.
set -euo pipefail
# shellcheck source=deploy/local/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
cd "$DUBAN_ROOT"

started_stack=0
all_alive "" "${DUBAN_COMPONENTS[@]}" || started_stack=1
started_services=0
all_alive svc- "${DUBAN_SERVICES[@]}" || started_services=1
stop_all() {
  local rc=$?
  trap - INT TERM EXIT
  [[ -n ${sleeper:-} ]] && kill "$sleeper" 2>/dev/null
  say "stopping"
  ((started_services)) && { bash deploy/local/services-down.sh || true; }
  ((started_stack)) && { bash deploy/local/stack-down.sh || true; }
  exit "$rc"
}
trap stop_all EXIT
trap 'exit 0' INT TERM

bash deploy/local/stack-up.sh
npm run --silent build
bash deploy/local/services-up.sh

cat <<INFO

Duban is running.
  API gateway   http://127.0.0.1:$GATEWAY_PORT/api/v1/cases
  Keycloak      http://127.0.0.1:$KEYCLOAK_PORT/realms/duban   (admin console: $KEYCLOAK_ADMIN_USER / $KEYCLOAK_ADMIN_PASS)
  Jaeger        http://127.0.0.1:$JAEGER_QUERY_PORT
  Demo users    citizen1 operator1 dispatcher1 handler-housing-a head-housing supervisor1 assessor1 admin1 (password duban-demo)
  A token       TOKEN=\$(npm run --silent token -- --user citizen1)
  Logs          $DUBAN_STACK_DIR/logs/
Press Ctrl-C to stop.
INFO
while true; do
  sleep 3600 &
  sleeper=$!
  wait "$sleeper"
done
