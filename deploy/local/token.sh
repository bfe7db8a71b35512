#!/usr/bin/env bash
# Prints an access token for a realm user (password grant on the public duban-cli
# client), for use with curl:
#   curl -H "Authorization: Bearer $(deploy/local/token.sh handler-housing-a)" ...
# The password defaults to the demo password of deploy/keycloak/duban-realm.json.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

(($# >= 1 && $# <= 2)) || die "usage: $0 <username> [password]   (demo users: see deploy/keycloak/duban-realm.json)"
need node "Node.js 20+ is required: apt-get install nodejs"

# shellcheck disable=SC2016 # ${...} below are JavaScript template literals.
# Node's fetch does the form encoding and JSON parsing, so no curl/jq dependency.
DUBAN_TOKEN_USER=$1 DUBAN_TOKEN_PASSWORD=${2:-duban-demo} node -e '
  const url = `http://127.0.0.1:${process.env.KEYCLOAK_PORT}/realms/duban/protocol/openid-connect/token`;
  const body = new URLSearchParams({ grant_type: "password", client_id: "duban-cli", scope: "openid",
    username: process.env.DUBAN_TOKEN_USER, password: process.env.DUBAN_TOKEN_PASSWORD });
  fetch(url, { method: "POST", body, signal: AbortSignal.timeout(10000) })
    .then(async (r) => {
      const json = await r.json().catch(() => ({}));
      if (!r.ok || !json.access_token) {
        console.error(`duban: token request failed (HTTP ${r.status}): ${json.error_description || json.error || "no access_token"}`);
        process.exit(1);
      }
      process.stdout.write(json.access_token + "\n");
    }, (e) => {
      console.error(`duban: Keycloak is not reachable at ${url} (${e.cause?.code || e.message}); start it with deploy/local/stack-up.sh`);
      process.exit(1);
    });'
