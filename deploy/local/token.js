#!/usr/bin/env node
// `npm run token -- --user <name> [--password <pw>]`: prints an access token
// for a demo user from whichever identity provider runs here: the standalone
// mode's development issuer, else the local stack's Keycloak, or OIDC_ISSUER_URL.
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function standaloneRunning() {
  const home = process.env.DUBAN_HOME || join(__dirname, '..', '..', '.duban', 'standalone');
  const pidFile = join(home, 'duban.pid');
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 0);
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const positional = process.argv.slice(2).find((a) => !a.startsWith('--'));
  const user = arg('user', positional);
  if (!user) throw new Error('usage: npm run token -- --user <name> [--password <password>]');
  const issuer =
    process.env.OIDC_ISSUER_URL ||
    (standaloneRunning()
      ? `http://127.0.0.1:${process.env.ISSUER_PORT || 8079}/realms/duban`
      : `http://127.0.0.1:${process.env.KEYCLOAK_PORT || 18080}/realms/duban`);
  let response;
  try {
    response = await fetch(`${issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'duban-cli', username: user, password: arg('password', 'duban-demo') }),
    });
  } catch {
    throw new Error(`no identity provider answers at ${issuer}: start Duban first (npm start)`);
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${issuer} refused ${user}: ${body.error_description || body.error || response.status}`);
  process.stdout.write(`${body.access_token}\n`);
}

main().catch((error) => {
  process.stderr.write(`duban: ${error.message}\n`);
  process.exit(1);
});
