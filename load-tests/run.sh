#!/usr/bin/env bash
# Runs a k6 script from load-tests/ against the running platform with the
# pinned k6 (built by deploy/local/provision.sh). Usage: load-tests/run.sh smoke.js
# The summary is written to .duban/k6/<script>.json.
set -euo pipefail
# shellcheck source=deploy/local/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/env.sh"
script=${1:?usage: load-tests/run.sh <script.js>}
[[ -x $K6_BIN ]] || die "k6 is not built: npm run stack:up (or deploy/local/provision.sh)"
out=$DUBAN_ROOT/.duban/k6
mkdir -p "$out"
exec "$K6_BIN" run --quiet --no-usage-report \
  --summary-export "$out/${script%.js}.json" \
  -e GATEWAY_URL="${GATEWAY_URL:-http://127.0.0.1:8080}" \
  -e OIDC_ISSUER_URL="${OIDC_ISSUER_URL:-http://127.0.0.1:$KEYCLOAK_PORT/realms/duban}" \
  ${P95_MS:+-e P95_MS="$P95_MS"} ${ASSIGNED_P95_MS:+-e ASSIGNED_P95_MS="$ASSIGNED_P95_MS"} \
  "$DUBAN_ROOT/load-tests/$script"
