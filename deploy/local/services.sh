# shellcheck shell=bash
# The Duban services of the local distributed mode: one process each, against
# the local stack (stack-up.sh). Sourced by services-up.sh and services-down.sh.
# shellcheck source=deploy/local/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

: "${GATEWAY_PORT:=8080}"
export GATEWAY_PORT
# shellcheck disable=SC2034 # read by the scripts that source this file
DUBAN_SERVICES=(intake dispatch collaboration escalation assessment notification gateway)

service_port() {
  case $1 in
  gateway) printf '%s' "$GATEWAY_PORT" ;;
  intake) printf '%s' "${INTAKE_PORT:-8081}" ;;
  dispatch) printf '%s' "${DISPATCH_PORT:-8082}" ;;
  collaboration) printf '%s' "${COLLABORATION_PORT:-8083}" ;;
  escalation) printf '%s' "${ESCALATION_PORT:-8084}" ;;
  assessment) printf '%s' "${ASSESSMENT_PORT:-8085}" ;;
  notification) printf '%s' "${NOTIFICATION_PORT:-8086}" ;;
  esac
}

# The environment one service process starts with (see .env.example for every variable).
service_env() {
  local name=$1
  printf '%s\n' \
    "HTTP_HOST=127.0.0.1" \
    "HTTP_PORT=$(service_port "$name")" \
    "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT" \
    "OIDC_ISSUER_URL=http://127.0.0.1:$KEYCLOAK_PORT/realms/duban" \
    "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$JAEGER_OTLP_HTTP_PORT" \
    "LOG_LEVEL=${LOG_LEVEL:-info}"
  if [[ $name == gateway ]]; then
    # The gateway's /metrics is not on its public port (docs/security.md, API8).
    printf 'METRICS_PORT=%s\n' "${GATEWAY_METRICS_PORT:-9080}"
    # The console links a case's trace id to Jaeger's UI (docs/console.md).
    printf 'CONSOLE_TRACE_URL=http://127.0.0.1:%s\n' "$JAEGER_QUERY_PORT"
    local upstream
    for upstream in intake dispatch collaboration escalation assessment notification; do
      printf '%s_URL=http://127.0.0.1:%s\n' "${upstream^^}" "$(service_port "$upstream")"
    done
  else
    printf 'DATABASE_URL=postgres://duban:duban@127.0.0.1:%s/duban_%s\n' "$PG_PORT" "$name"
  fi
  if [[ $name == dispatch ]]; then
    # The unit tree follows Keycloak's groups both ways (docs/dispatch.md); the secret is the realm file's development one.
    printf '%s\n' "KEYCLOAK_ADMIN_URL=http://127.0.0.1:$KEYCLOAK_PORT" "KEYCLOAK_ADMIN_CLIENT_SECRET=${KEYCLOAK_DIRECTORY_SECRET:-duban-directory-dev-secret}"
  fi
}

# all_alive <pid-file prefix> <name...>: true when every named process runs.
all_alive() {
  local prefix=$1 name
  shift
  for name in "$@"; do
    pid_alive "$prefix$name" >/dev/null || return 1
  done
}

health_service() {
  http_ok "http://127.0.0.1:$(service_port "$1")/health/ready"
}
