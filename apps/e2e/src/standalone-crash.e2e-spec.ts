import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { distinct, eventually, lacking } from '@duban/testing';

jest.setTimeout(240_000);

// Its own ports and data folder, so it runs beside the distributed stack.
const PORTS = { HTTP_PORT: 18280, ISSUER_PORT: 18279, PG_PORT: 15439, SERVICE_PORT_BASE: 18291 };
const GATEWAY = `http://127.0.0.1:${PORTS.HTTP_PORT}`;
const ISSUER = `http://127.0.0.1:${PORTS.ISSUER_PORT}/realms/duban`;
// Two clocks per assignment: the first stage (accept/start) and the result stage (complete/result).
const EXPECTED = ['case.assigned', 'case.received', 'case.workspace-opened', 'notification.delivered', 'sla.clock-started', 'sla.clock-started'];
const MAIN = resolve(__dirname, '../../standalone/dist/main.js');

describe('standalone: kill -9 during a burst of submissions', () => {
  const home = mkdtempSync(join(tmpdir(), 'duban-standalone-'));
  // Run as root, PostgreSQL's own user must be able to enter the folder.
  chmodSync(home, 0o755);
  let child: ChildProcess | undefined;

  let banner = '';

  function start(overrides: Record<string, string> = {}): Promise<ChildProcess> {
    const proc = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [k, String(v)])), DUBAN_HOME: home, LOG_LEVEL: 'warn', ...overrides },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout!.on('data', (d) => (output += d));
    proc.stderr!.on('data', (d) => (output += d));
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`standalone did not start:\n${output.slice(-2000)}`)), 120_000);
      proc.stdout!.on('data', () => {
        if (output.includes('Press Ctrl-C to stop.')) {
          clearTimeout(timer);
          banner = output;
          resolvePromise(proc);
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`standalone exited with ${code}:\n${output.slice(-2000)}`));
      });
    });
  }

  async function token(username: string): Promise<string> {
    const r = await fetch(`${ISSUER}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'duban-cli', username, password: 'duban-demo' }),
    });
    expect(r.status).toBe(200);
    return ((await r.json()) as { access_token: string }).access_token;
  }

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    // A kill -9 leaves PostgreSQL running on purpose; make sure this test leaves nothing behind.
    const pidFile = join(home, 'postgres', 'data', 'postmaster.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
        await eventually(async () => (existsSync(pidFile) ? undefined : true), 30_000);
      } catch {
        /* already gone */
      }
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('loses no case answered 201 and duplicates nothing a user sees', async () => {
    child = await start();
    const operator = await token('operator1');
    const accepted: string[] = [];
    let killed = false;
    const submit = async (i: number) => {
      try {
        const r = await fetch(`${GATEWAY}/api/v1/cases`, {
          method: 'POST',
          headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `Burst ${i}`, description: distinct('Reported during the crash test'), category: 'housing.repair' }),
        });
        if (r.status === 201) accepted.push(((await r.json()) as { id: string }).id);
      } catch {
        // The process died under this request: it was never answered 201.
      }
    };
    // Waves of concurrent submissions; the process is killed while a wave is in flight.
    for (let wave = 0; wave < 40 && !killed; wave += 1) {
      const inFlight = Array.from({ length: 8 }, (_, j) => submit(wave * 8 + j));
      if (accepted.length >= 60) {
        child.kill('SIGKILL');
        killed = true;
      }
      await Promise.all(inFlight);
    }
    expect(killed).toBe(true);
    await new Promise((r) => (child!.exitCode !== null || child!.signalCode ? r(undefined) : child!.once('exit', r)));
    expect(accepted.length).toBeGreaterThanOrEqual(60);

    child = await start();
    const citizen = await token('operator1');
    const handler = await token('handler-housing-a');
    for (const id of accepted) {
      const view = await eventually(async () => {
        const r = await fetch(`${GATEWAY}/api/v1/cases/${id}`, { headers: { authorization: `Bearer ${citizen}` } });
        if (r.status !== 200) return undefined;
        const c = (await r.json()) as { status: string; timeline: { type: string }[] };
        return lacking(EXPECTED, c.timeline.map((t) => t.type)).length === 0 ? c : undefined;
      }, 60_000);
      expect(view.status).toBe('assigned');
      const types = view.timeline.map((t) => t.type).sort();
      expect(types).toEqual(EXPECTED);
    }
    const inbox = (await (await fetch(`${GATEWAY}/api/v1/notifications`, { headers: { authorization: `Bearer ${handler}` } })).json()) as {
      notifications: { caseId: string }[];
    };
    const perCase = new Map<string, number>();
    for (const n of inbox.notifications) perCase.set(n.caseId, (perCase.get(n.caseId) ?? 0) + 1);
    for (const id of accepted.slice(-Math.min(accepted.length, 100))) expect(perCase.get(id)).toBe(1);
  });

  it('prints how to use it, hands out tokens with npm run token, and refuses a second start clearly', async () => {
    // The banner: where the API is, the demo users and how to get a token.
    expect(banner).toContain(`API          ${GATEWAY}/api/v1/cases`);
    expect(banner).toMatch(/Demo users +citizen1 operator1/);
    expect(banner).toContain('TOKEN=$(npm run --silent token -- --user citizen1)');

    // npm run token prints a token the gateway accepts (from the development issuer, through OIDC discovery + JWKS).
    const printed = await new Promise<string>((done, fail) => {
      const p = spawn(process.execPath, [resolve(__dirname, '../../../deploy/local/token.js'), '--user', 'citizen1'], { env: { ...process.env, OIDC_ISSUER_URL: ISSUER } });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.once('exit', (code) => (code === 0 ? done(out.trim()) : fail(new Error(`npm run token exited with ${code}`))));
    });
    expect(printed).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const mine = await fetch(`${GATEWAY}/api/v1/notifications`, { headers: { authorization: `Bearer ${printed}` } });
    expect(mine.status).toBe(200);
    const wrongPassword = await fetch(`${ISSUER}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'duban-cli', username: 'citizen1', password: 'guess' }),
    });
    expect(wrongPassword.status).toBe(400);

    // A second start on the same data folder names the running one; on another folder, the port in use.
    await expect(start()).rejects.toThrow(/Duban is already running \(pid \d+\)/);
    const other = mkdtempSync(join(tmpdir(), 'duban-standalone-'));
    try {
      await expect(start({ DUBAN_HOME: other, PG_PORT: '15449' })).rejects.toThrow(/Cannot start: 127\.0\.0\.1:18280 \(HTTP_PORT\) is in use/);
      // It started nothing: no PostgreSQL was initialised there, and the first one still answers.
      expect(existsSync(join(other, 'postgres', 'data', 'postmaster.pid'))).toBe(false);
      expect((await fetch(`${GATEWAY}/api/v1/notifications`, { headers: { authorization: `Bearer ${printed}` } })).status).toBe(200);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  // As root (CI, containers), PostgreSQL runs as duban-pg, who cannot enter a folder closed to others (a clone under /root).
  (process.getuid?.() === 0 ? it : it.skip)('as root, keeps PostgreSQL where its own user can reach it, and the demo mode replays live cases', async () => {
    const closed = mkdtempSync(join(tmpdir(), 'duban-closed-')); // mode 0700, like /root
    const demoHome = join(closed, 'home');
    let fallback: string | undefined;
    const demo = await start({ HTTP_PORT: '18480', ISSUER_PORT: '18479', PG_PORT: '15479', SERVICE_PORT_BASE: '18491', DUBAN_HOME: demoHome, DEMO_REPLAY_SPEED: '20000' });
    try {
      fallback = banner.match(/its data is kept in (\/var\/lib\/duban-pg\/[0-9a-f]{12})/)?.[1];
      expect(fallback).toBeDefined();
      expect(existsSync(join(fallback!, 'data', 'PG_VERSION'))).toBe(true);
      expect(banner).toContain('Live cases   Boston 311 traffic replayed at 20000x');
      // The replay files cases through the public API in the background.
      await eventually(async () => {
        const log = existsSync(join(demoHome, 'replay.log')) ? readFileSync(join(demoHome, 'replay.log'), 'utf8') : '';
        return /submitted \d+ {2}accepted [1-9]\d*/.test(log) ? true : undefined;
      }, 90_000);
    } finally {
      demo.kill('SIGTERM');
      await new Promise((r) => (demo.exitCode !== null ? r(undefined) : demo.once('exit', r)));
      // Ctrl-C (SIGTERM) stops PostgreSQL with it.
      if (fallback) expect(existsSync(join(fallback, 'data', 'postmaster.pid'))).toBe(false);
      if (fallback) rmSync(fallback, { recursive: true, force: true });
      rmSync(closed, { recursive: true, force: true });
    }
  });
});
