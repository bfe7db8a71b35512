#!/usr/bin/env bash
# Stops the Duban service processes that services-up.sh started (pid files
# only), gracefully: SIGTERM lets each finish in-flight work; SIGKILL after 40 s.
set -euo pipefail
# shellcheck source=deploy/local/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

declare -A stopping=()
# The gateway first, so no new work arrives while the others drain.
for name in gateway intake dispatch collaboration escalation assessment notification; do
  if pid=$(pid_alive "svc-$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    stopping[$name]=$pid
  else
    pid_remove "svc-$name"
  fi
done
deadline=$((SECONDS + 40))
for name in "${!stopping[@]}"; do
  while pid_alive "svc-$name" >/dev/null; do
    if ((SECONDS >= deadline)); then
      say "$name: did not stop in time; killing"
      kill -KILL "${stopping[$name]}" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  pid_remove "svc-$name"
  say "$name: stopped"
done
