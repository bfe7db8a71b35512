#!/usr/bin/env bash
# Stops exactly the processes deploy/local/stack-up.sh started, found through their
# pid files (a pid is only trusted while its process start time still matches).
# Usage: stack-down.sh [--purge]   --purge also deletes all data in $DUBAN_STACK_DIR.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

purge=false
case ${1:-} in
"") ;;
--purge) purge=true ;;
*) die "usage: $0 [--purge]" ;;
esac

: "${STOP_TIMEOUT:=30}"
# The same binaries and cluster folder stack-up.sh chose (env.sh).
pg_locations

# pg_ctl must run as the cluster owner, from a directory that user can enter.
pg_ctl_as_owner() {
  (cd "$PG_DIR" && as_pg_user "$PG_NATIVE/bin/pg_ctl" -D "$PG_DATA" "$@")
}

# Phase 1: ask everything to stop at once, so the shutdowns overlap.
declare -A stopping=()
for name in "${DUBAN_COMPONENTS[@]}"; do
  if pid=$(pid_alive "$name"); then
    say "$name: stopping (pid $pid)"
    stopping[$name]=$pid
    if [[ $name == postgres ]]; then
      # Fast mode rolls back open transactions and checkpoints; -W: we wait below.
      pg_ctl_as_owner -m fast -W -s stop || kill -TERM "$pid" 2>/dev/null || true
    else
      kill -TERM "$pid" 2>/dev/null || true
    fi
  elif [[ -f $(pid_file "$name") ]]; then
    say "$name: not running (stale pid file removed)"
    pid_remove "$name"
  fi
done

# Phase 2: wait up to STOP_TIMEOUT s, then force what is left.
deadline=$((SECONDS + STOP_TIMEOUT))
while :; do
  for name in "${!stopping[@]}"; do
    if ! pid_alive "$name" >/dev/null; then
      say "$name: stopped"
      unset "stopping[$name]"
      pid_remove "$name"
    fi
  done
  ((${#stopping[@]})) || break
  if ((SECONDS >= deadline)); then
    for name in "${!stopping[@]}"; do
      say "$name: still running after ${STOP_TIMEOUT}s, forcing it"
      if [[ $name == postgres ]]; then
        # Immediate mode skips the checkpoint; crash recovery runs on the next start.
        pg_ctl_as_owner -m immediate -s stop || kill -KILL "${stopping[$name]}" 2>/dev/null || true
      else
        kill -KILL "${stopping[$name]}" 2>/dev/null || true
      fi
      pid_remove "$name"
    done
    break
  fi
  sleep 0.2
done

if $purge; then
  # Safety net against an empty or odd override before a recursive delete.
  if [[ -d $DUBAN_STACK_DIR ]]; then
    [[ -f $DUBAN_STACK_DIR/.duban-stack ]] ||
      die "refusing to purge $DUBAN_STACK_DIR: no .duban-stack marker, not created by stack-up.sh"
    rm -rf -- "$DUBAN_STACK_DIR"
  fi
  # A cluster kept outside the clone for it (pg_locations) goes too.
  if [[ $PG_DIR != "$DUBAN_STACK_DIR/postgres" && $PG_DIR == "$DUBAN_PG_FALLBACK"/stack-*/postgres ]]; then
    rm -rf -- "$(dirname "$PG_DIR")"
  fi
  say "purged $DUBAN_STACK_DIR"
fi
