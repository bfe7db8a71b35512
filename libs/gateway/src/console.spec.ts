import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { FastifyInstance } from 'fastify';
import { CONSOLE_PAGES, consolePolicy, loadConsole, serveConsole } from './console';
import { readFileSync } from 'node:fs';

describe('the console at /', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>督办</title><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("duban")');
    writeFileSync(join(dir, 'notes.exe'), 'not served');
    app = Fastify();
    app.all('/api/*', async () => ({ from: 'api' }));
    serveConsole(app, loadConsole(dir)!, { issuer: 'http://127.0.0.1:8079/realms/duban', clientId: 'duban-console' });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the application for / and for every page path, never cached, with its policy', async () => {
    for (const url of ['/', '/work', '/cases/6f0c6c1e-0000-4000-8000-000000000001', '/intake?x=1']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('<div id="root">');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toBe(consolePolicy('http://127.0.0.1:8079/realms/duban'));
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('serves hashed assets for a year, gzipped when asked, and 404 for files it does not have', async () => {
    const plain = await app.inject({ url: '/assets/index-abc123.js' });
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.body).toBe('console.log("duban")');
    const zipped = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.rawPayload).toString()).toBe('console.log("duban")');
    for (const url of ['/assets/missing.js', '/notes.exe', '/assets/../index.html.bak', '/%2e%2e/package.json', '/metrics', '/metrics/', '/admin', '/cases', '/work/x']) {
      expect((await app.inject({ url })).statusCode).toBe(404);
    }
  });

  it('tells the console whom to sign in with, and leaves the API routes to the API', async () => {
    const config = await app.inject({ url: '/console-config.json' });
    expect(config.json()).toEqual({ issuer: 'http://127.0.0.1:8079/realms/duban', clientId: 'duban-console' });
    expect((await app.inject({ url: '/api/v1/cases' })).json()).toEqual({ from: 'api' });
  });

  it("answers every route of the console's router with the application", () => {
    const router = readFileSync(join(__dirname, '../../../apps/console/src/App.tsx'), 'utf8');
    const routes = [...router.matchAll(/<Route path="([^"]+)"/g)].map((m) => m[1]).filter((path) => path !== '*');
    expect(routes.length).toBeGreaterThan(3);
    for (const route of [...routes, '/callback']) {
      const sample = route.replace(/:[a-z]+/gi, '6f0c6c1e-0000-4000-8000-000000000001');
      expect([route, CONSOLE_PAGES.some((page) => page.test(sample))]).toEqual([route, true]);
    }
  });

  it('allows scripts and connections to its own origin and the issuer only', () => {
    const policy = consolePolicy('https://id.minghu.gov.cn/realms/duban');
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("connect-src 'self' https://id.minghu.gov.cn;");
    expect(policy).not.toContain('unsafe');
  });

  it('is absent when nothing was built', () => {
    expect(loadConsole(join(dir, 'nothing-here'))).toBeUndefined();
  });
});
