#!/usr/bin/env bash
# `npm run fuzz`: schemathesis (PyPI, pinned, installed once into $DUBAN_CACHE_DIR) against the
# running platform's /openapi.json, once per role with a valid token of a demo user of that role
# and once with none. It fails on any 5xx answer and on any request that does not answer within
# FUZZ_REQUEST_TIMEOUT seconds (a hang). docs/reliability.md says what is checked and why.
#
#   npm run fuzz                      # the long run: every role, every phase, 25 examples each
#   FUZZ_EXAMPLES=4 FUZZ_PHASES=fuzzing FUZZ_USERS="citizen1 supervisor1" npm run fuzz
#
# The long run writes random data as administrators too (units, routing rules, calendars): run it
# on a stack you can throw away (rm -rf .duban/stack). `npm test` runs a bounded one (test-all.sh)
# without the administrator. Reports: .duban/fuzz/<user>/ (JUnit XML).
set -euo pipefail
# shellcheck source=deploy/local/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

SCHEMATHESIS_VERSION=4.32.5
GATEWAY=${GATEWAY_URL:-http://127.0.0.1:8080}
USERS=${FUZZ_USERS:-"anonymous citizen1 operator1 handler-water-a head-water dispatcher1 supervisor1 assessor1 admin1"}
EXAMPLES=${FUZZ_EXAMPLES:-25}
PHASES=${FUZZ_PHASES:-examples,coverage,fuzzing}
TIMEOUT=${FUZZ_REQUEST_TIMEOUT:-20}

# The newest Python 3.10+ on the PATH. Before 3.12, CPython's ast.parse is not safe across threads
# (hypothesis calls it to describe strategies; two workers crashed it once: "AST constructor
# recursion depth mismatch"), so there schemathesis runs with one worker.
python=
for candidate in python3.13 python3.12 python3; do
  if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then python=$candidate; break; fi
done
[[ -n $python ]] || die "Python 3.10 or later is needed for schemathesis (apt-get install python3 python3-venv)"
minor=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
workers=1
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' && workers=2
venv=$DUBAN_CACHE_DIR/python/schemathesis-$SCHEMATHESIS_VERSION-py$minor
if [[ ! -f $venv/.installed ]]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into $venv (PyPI, once)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  touch "$venv/.installed"
fi

curl -fsS -o /dev/null "$GATEWAY/openapi.json" || die "no platform answers at $GATEWAY (npm start, or npm run stack:up and services:up)"
out=$DUBAN_ROOT/.duban/fuzz
rm -rf "$out" && mkdir -p "$out"
failed=()
for user in $USERS; do
  auth=()
  if [[ $user != anonymous ]]; then
    # A fresh token per role: a long run outlives none (Keycloak's tokens live an hour).
    token=$(node "$DUBAN_ROOT/deploy/local/token.js" --user "$user")
    auth=(-H "Authorization: Bearer $token")
  fi
  say "fuzzing the public API as $user ($EXAMPLES examples per operation, phases $PHASES)"
  # The live stream (text/event-stream) answers for as long as the client listens, by design:
  # a fuzzer would see every call of it as a hang. notifications.e2e-spec.ts tests it.
  # From inside $out: hypothesis keeps a folder of its own where it runs.
  if ! (cd "$out" && "$venv/bin/schemathesis" run "$GATEWAY/openapi.json" "${auth[@]}" \
      --checks not_a_server_error \
      --exclude-path /api/v1/notifications/stream \
      --max-examples "$EXAMPLES" --phases "$PHASES" --workers "$workers" \
      --request-timeout "$TIMEOUT" --seed "${FUZZ_SEED:-20261203}" \
      --no-color --warnings off --generation-database ":memory:" \
      --report junit --report-dir "$out/$user" >"$out/$user.log" 2>&1); then
    failed+=("$user")
    sed -n '/FAILURES/,$p' "$out/$user.log" | head -80 >&2
  fi
  grep -E "generated|passed|failed" "$out/$user.log" | tail -1
done
((${#failed[@]} == 0)) || die "schemathesis found failures as: ${failed[*]} (logs in $out)"
say "fuzz: no 5xx and no hang, as ${USERS// /, }"
