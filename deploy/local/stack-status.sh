#!/usr/bin/env bash
# One line per component: running/stopped, pid, health, endpoint.
# Exit status 0 only when every component is running and healthy.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

rc=0
status_header
for name in "${DUBAN_COMPONENTS[@]}"; do
  status_line "$name" || rc=1
done
exit "$rc"
