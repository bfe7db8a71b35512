#!/usr/bin/env bash
# `npm test`: every check and every test layer, in order of cost. Starts the
# local stack and the services when they are not already running, and stops
# again exactly what it started.
set -euo pipefail
# shellcheck source=deploy/local/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
cd "$DUBAN_ROOT"

step() { printf '\n=== %s\n' "$*"; }
# Each jest layer writes a JSON report; the totals make the closing line.
REPORTS=$DUBAN_ROOT/.duban/test-reports
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
jest_layer() { npx jest --selectProjects "$1" --json --outputFile "$REPORTS/$1.json" "${@:2}"; }
totals() {
  node -e '
    const fs = require("fs"), dir = process.argv[1];
    let passed = 0, failed = 0;
    for (const f of fs.readdirSync(dir)) {
      const r = JSON.parse(fs.readFileSync(dir + "/" + f, "utf8"));
      passed += r.numPassedTests; failed += r.numFailedTests;
    }
    console.log(`tests: ${passed} passed, ${failed} failed`);' "$REPORTS"
}
started_stack=0
started_services=0
cleanup() {
  local rc=$?
  ((started_services)) && bash deploy/local/services-down.sh || true
  ((started_stack)) && bash deploy/local/stack-down.sh || true
  exit "$rc"
}
trap cleanup EXIT

# The distributed tier needs Java (Kafka, Keycloak) and, until they are cached, Maven and Go.
distributed_missing() {
  local missing=()
  command -v java >/dev/null || missing+=("Java 17 (apt-get install openjdk-17-jre-headless)")
  if [[ ! -f $KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar || ! -x $KEYCLOAK_HOME/bin/kc.sh ]]; then
    command -v mvn >/dev/null || missing+=("Maven (apt-get install maven)")
  fi
  if [[ ! -x $JAEGER_BIN || ! -x $K6_BIN ]]; then
    command -v go >/dev/null || missing+=("Go 1.24+ (https://go.dev/doc/install)")
  fi
  local IFS=';'
  printf '%s' "${missing[*]}"
}
missing=$(distributed_missing)
[[ ${DUBAN_TEST_TIER:-} == node ]] && missing=${missing:-"DUBAN_TEST_TIER=node was asked for"}

step "lint";       npm run --silent lint
step "typecheck";  npm run --silent typecheck
step "build";      npm run --silent build
step "unit tests"; jest_layer unit

if [[ -n $missing ]]; then
  # Nothing but Node here: everything that runs on Node alone, then say plainly what did not run.
  if [[ -n ${CI:-} && ${DUBAN_TEST_TIER:-} != node ]]; then
    echo "duban: CI runs every tier, and this machine lacks: ${missing//;/, }" >&2
    exit 1
  fi
  step "standalone end-to-end (embedded PostgreSQL, PostgreSQL bus, development issuer, kill -9)"
  jest_layer e2e --runInBand --runTestsByPath apps/e2e/src/standalone-crash.e2e-spec.ts
  step "summary"
  totals
  printf '\nNOT RUN: the distributed tier (Kubernetes manifests, integration tests on Kafka, end-to-end\n'
  printf 'through Keycloak and Jaeger, the k6 smoke) — it needs: %s.\n' "${missing//;/, }"
  exit 0
fi

step "kubernetes manifests: base, every combination of components, both overlays, schema-validated"
bash k8s/check.sh

if ! all_alive "" "${DUBAN_COMPONENTS[@]}"; then
  step "starting the local stack"
  started_stack=1
  bash deploy/local/stack-up.sh
fi
step "integration tests (real Kafka and PostgreSQL)"
jest_layer integration --runInBand

if ! all_alive svc- "${DUBAN_SERVICES[@]}"; then
  step "starting the services"
  started_services=1
  bash deploy/local/services-up.sh
fi
step "the console's browser (Debian's chromium and CJK fonts; installed when missing)"
CHROMIUM_PATH=$(bash deploy/local/browser.sh)
export CHROMIUM_PATH
step "end-to-end tests (gateway, Keycloak tokens, Jaeger trace, the console in chromium)"
jest_layer e2e --runInBand

# CI offers 25 cases/s with the issue's bounds for the smoke (POST p95 ≤ 500 ms, POST → assigned
# p95 ≤ 2 s): at 50/s this 2-core machine is at its knee (issue 13 open; docs/benchmarks.md,
# 2026-12-04), and CI is the regression check, not the benchmark — at 25/s a CI run measured
# 25 ms and 366 ms, so the bounds catch a regression of the old kind without failing on noise.
# `npm run load:smoke` keeps 50/s and the wider bounds (1 s, 5 s).
step "k6 smoke: 25 cases/s for 30 s through the gateway (POST p95 ≤ 500 ms, assigned p95 ≤ 2 s)"
RATE=25 P95_MS=500 ASSIGNED_P95_MS=2000 bash load-tests/run.sh smoke.js

# Last: it writes random data. No administrator here (npm run fuzz, the long run, has one).
step "fuzz: schemathesis on /openapi.json, 4 examples per operation, with no token and as citizen, handler, supervisor"
FUZZ_USERS="anonymous citizen1 handler-water-a supervisor1" FUZZ_EXAMPLES=4 FUZZ_PHASES=fuzzing bash deploy/local/fuzz.sh

step "summary"
totals
