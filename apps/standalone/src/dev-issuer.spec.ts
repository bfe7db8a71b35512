import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript';
import type { DemoUser, DevIssuerOptions } from './dev-issuer';

/**
 * dev-issuer.ts, loaded by Node itself rather than by jest. oidc-provider 8 is an ES module, which
 * Node loads with require() (ADR 0007) and jest's module loader cannot; and it tells plain objects by
 * `constructor === Object`, which objects made in jest's sandbox (another realm) fail. So the module
 * is transpiled as ts-jest would and compiled in Node's own context, its options are handed over as
 * that context's JSON, and the spec talks to the issuer over HTTP only, as a browser does.
 */
function loadDevIssuer(): typeof import('./dev-issuer') {
  interface NativeModule {
    filename: string;
    paths: string[];
    exports: unknown;
    require(id: string): unknown;
    _compile(code: string, filename: string): void;
  }
  const Module = process.getBuiltinModule('node:module') as unknown as { new (id: string): NativeModule; _nodeModulePaths(dir: string): string[] };
  const loaded = new Map<string, unknown>();
  // Its own modules beside it (./dev-issuer-pages, …) are TypeScript too: each is loaded the same way.
  const load = (file: string): unknown => {
    if (loaded.has(file)) return loaded.get(file);
    const { outputText } = transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022, esModuleInterop: true },
    });
    const native = new Module(file);
    native.filename = file;
    native.paths = Module._nodeModulePaths(dirname(file));
    const requireNative = native.require.bind(native);
    native.require = (id: string) => (id.startsWith('./') ? load(join(dirname(file), `${id}.ts`)) : requireNative(id));
    loaded.set(file, native.exports);
    native._compile(outputText, file);
    loaded.set(file, native.exports);
    return native.exports;
  };
  return load(join(__dirname, 'dev-issuer.ts')) as typeof import('./dev-issuer');
}

function nativeOptions(options: DevIssuerOptions): DevIssuerOptions {
  const NativeJSON = process.getBuiltinModule('node:vm').runInThisContext('JSON') as JSON;
  return NativeJSON.parse(JSON.stringify(options)) as DevIssuerOptions;
}

const PASSWORD = 'duban-demo';
const USERS: DemoUser[] = [
  { username: 'handler-housing-a', roles: ['handler'], unitId: 'unit-housing-a', clearance: 'internal' },
  { username: 'citizen1', roles: ['citizen'], unitId: null },
];
const CONSOLE = 'http://127.0.0.1:18080';
const CALLBACK = `${CONSOLE}/callback`;
const ELSEWHERE = 'http://evil.example';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A browser's cookie jar, enough for the provider's cookies: by name and path, dropped when expired. */
class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const attr = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const path = attr('path') ?? '/';
      const expires = attr('expires');
      const gone = attr('max-age') === '0' || (expires !== undefined && Date.parse(expires) <= Date.now());
      if (gone) this.cookies.delete(`${path} ${name}`);
      else this.cookies.set(`${path} ${name}`, { value: pair.slice(eq + 1), path });
    }
  }

  header(url: string): string {
    const { pathname } = new URL(url);
    return [...this.cookies.entries()]
      .filter(([, c]) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([key, c]) => `${key.split(' ')[1]}=${c.value}`)
      .join('; ');
  }
}

/** One request as a browser makes it: the jar's cookies, no redirect followed. */
async function browse(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header(url) } });
  jar.take(response);
  return response;
}

function form(fields: Record<string, string>, origin?: string): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
    body: new URLSearchParams(fields).toString(),
  };
}

describe('DevIssuer', () => {
  let home: string;
  let issuer: InstanceType<ReturnType<typeof loadDevIssuer>['DevIssuer']>;
  let discovery: Record<string, unknown>;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'duban-dev-issuer-'));
    const { DevIssuer } = loadDevIssuer();
    issuer = new DevIssuer(nativeOptions({
      host: '127.0.0.1',
      port: await freePort(),
      keyFile: join(home, 'issuer-key.json'),
      users: USERS,
      password: PASSWORD,
      audience: 'duban-api',
      consoleRedirectUris: [CALLBACK],
    }));
    await issuer.start();
    discovery = (await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    jwks = createRemoteJWKSet(new URL(String(discovery.jwks_uri)));
  });

  afterAll(async () => {
    await issuer.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('publishes Keycloak-shaped endpoints, S256 only', () => {
    const realm = issuer.issuer;
    expect(discovery).toMatchObject({
      issuer: realm,
      authorization_endpoint: `${realm}/protocol/openid-connect/auth`,
      token_endpoint: `${realm}/protocol/openid-connect/token`,
      jwks_uri: `${realm}/protocol/openid-connect/certs`,
      userinfo_endpoint: `${realm}/protocol/openid-connect/userinfo`,
      end_session_endpoint: `${realm}/protocol/openid-connect/logout`,
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('still gives duban-cli an API token for the password grant, and refuses a wrong password', async () => {
    const token = (password: string) =>
      fetch(String(discovery.token_endpoint), form({ grant_type: 'password', client_id: 'duban-cli', username: 'citizen1', password, scope: 'openid' }));
    const ok = await token(PASSWORD);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { access_token: string; token_type: string; expires_in: number; refresh_token?: string };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(body.refresh_token).toBeUndefined();
    const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, { issuer: issuer.issuer, audience: 'duban-api' });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ preferred_username: 'citizen1', realm_access: { roles: ['citizen'] }, azp: 'duban-cli', scope: 'openid' });
    expect(payload.unit_id).toBeUndefined();

    const refused = await token('not-the-password');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('signs a person in to duban-console: code + PKCE on its own sign-in page, JWTs for the API, rotating refresh tokens', async () => {
    const jar = new CookieJar();
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(8).toString('hex');
    const nonce = randomBytes(8).toString('hex');
    const authorize = new URL(String(discovery.authorization_endpoint));
    authorize.search = new URLSearchParams({
      client_id: 'duban-console',
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid profile',
      state,
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();

    // The authorization request sends the browser to the sign-in page.
    const start = await browse(jar, authorize.href);
    expect(start.status).toBe(303);
    const signIn = new URL(start.headers.get('location')!, issuer.issuer).href;
    expect(signIn).toMatch(new RegExp(`^${issuer.issuer}/interaction/[\\w-]+$`));

    const page = await browse(jar, signIn);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).toContain(`form-action 'self' ${CONSOLE}`);
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain('<title>Duban 督办 — sign in / 登录</title>');
    expect(html).toMatch(/<input id="username" name="username"/);
    expect(html).toMatch(/<input id="password" name="password" type="password"/);
    expect(html).toMatch(/<button id="kc-login" type="submit"/);
    expect(html).toContain(`action="${new URL(signIn).pathname}"`);
    expect(html).not.toContain('input-error');
    expect(html).not.toMatch(/<script|<link|src=|url\(/);

    // A wrong password: the form again, with the error and the username typed.
    const wrong = await browse(jar, signIn, form({ username: 'handler-housing-a', password: 'duban-dem0' }, new URL(issuer.issuer).origin));
    expect(wrong.status).toBe(200);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toMatch(/id="input-error"[^>]*>Invalid username or password\./);
    expect(wrongHtml).toContain('value="handler-housing-a"');
    // What is echoed is escaped.
    const hostile = await browse(jar, signIn, form({ username: 'x"><script>alert(1)</script>', password: PASSWORD }));
    const hostileHtml = await hostile.text();
    expect(hostileHtml).toContain('id="input-error"');
    expect(hostileHtml).toContain('value="x&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;"');
    expect(hostileHtml).not.toContain('<script>');

    // A form posted from another site, or for an interaction the browser's cookie does not name, is refused.
    const crossSite = await browse(jar, signIn, form({ username: 'handler-housing-a', password: PASSWORD }, ELSEWHERE));
    expect(crossSite.status).toBe(403);
    const otherUid = await browse(jar, `${issuer.issuer}/interaction/someone-elses`, form({ username: 'handler-housing-a', password: PASSWORD }));
    expect(otherUid.status).toBe(400);

    // The right password: the login, then the consent (given at once), then back to the console with a code.
    let response = await browse(jar, signIn, form({ username: 'handler-housing-a', password: PASSWORD }));
    const hops: string[] = [];
    while (response.status === 303 && !response.headers.get('location')!.startsWith(CALLBACK) && hops.length < 10) {
      const next = new URL(response.headers.get('location')!, issuer.issuer).href;
      hops.push(new URL(next).pathname);
      response = await browse(jar, next);
    }
    expect(response.status).toBe(303);
    // Resumed at the authorization endpoint, through the consent interaction, and resumed again.
    expect(hops.filter((h) => /\/protocol\/openid-connect\/auth\/[\w-]+$/.test(h))).toHaveLength(2);
    expect(hops.filter((h) => /\/interaction\/[\w-]+$/.test(h))).toHaveLength(1);
    const callback = new URL(response.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe(state);
    const code = callback.searchParams.get('code')!;
    expect(code).toMatch(/^[\w-]{20,}$/);

    // Signed in already (the session cookie): another authorization request gets a code at once, no password asked.
    const again = await browse(jar, authorize.href);
    expect(again.status).toBe(303);
    const silent = new URL(again.headers.get('location')!);
    expect(silent.origin + silent.pathname).toBe(CALLBACK);
    expect(silent.searchParams.get('code')).toMatch(/^[\w-]{20,}$/);
    expect(silent.searchParams.get('code')).not.toBe(code);

    const tokenRequest = (fields: Record<string, string>, origin: string) =>
      fetch(String(discovery.token_endpoint), form({ client_id: 'duban-console', ...fields }, origin));
    // CORS: the console's origin only.
    const preflight = await fetch(String(discovery.token_endpoint), {
      method: 'OPTIONS',
      headers: { origin: CONSOLE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    const exchange = { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier };
    const foreign = await tokenRequest(exchange, ELSEWHERE);
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const wrongVerifier = await tokenRequest({ ...exchange, code_verifier: randomBytes(32).toString('base64url') }, CONSOLE);
    expect(wrongVerifier.status).toBe(400);
    expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant' });
    const exchanged = await tokenRequest(exchange, CONSOLE);
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    const tokens = (await exchanged.json()) as { access_token: string; id_token: string; refresh_token: string; token_type: string; expires_in: number };
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });

    // The access token: a JWT for the API with Keycloak's claims.
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    const { payload: access } = await jwtVerify(tokens.access_token, jwks, { issuer: issuer.issuer, audience: 'duban-api' });
    expect(access).toMatchObject({
      preferred_username: 'handler-housing-a',
      realm_access: { roles: ['handler'] },
      unit_id: 'unit-housing-a',
      clearance: 'internal',
      azp: 'duban-console',
      client_id: 'duban-console',
    });
    // The ID token names the person too.
    const { payload: id } = await jwtVerify(tokens.id_token, jwks, { issuer: issuer.issuer, audience: 'duban-console' });
    expect(id).toMatchObject({ sub: access.sub, nonce, preferred_username: 'handler-housing-a', unit_id: 'unit-housing-a' });

    // userinfo answers for the access token, to the console's origin.
    const userinfo = await fetch(String(discovery.userinfo_endpoint), { headers: { authorization: `Bearer ${tokens.access_token}`, origin: CONSOLE } });
    expect(userinfo.status).toBe(200);
    expect(userinfo.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(await userinfo.json()).toEqual({ sub: access.sub, preferred_username: 'handler-housing-a', unit_id: 'unit-housing-a', clearance: 'internal' });
    const noUserinfo = await fetch(String(discovery.userinfo_endpoint), { headers: { authorization: `Bearer ${tokens.id_token}`, origin: ELSEWHERE } });
    expect(noUserinfo.status).toBe(401);
    expect(noUserinfo.headers.get('access-control-allow-origin')).toBeNull();

    // A refresh: a new access token, and a new refresh token (rotation) — the old one is spent.
    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, CONSOLE);
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    const renewed = (await refreshed.json()) as { access_token: string; refresh_token: string };
    expect(renewed.access_token).not.toBe(tokens.access_token);
    expect(renewed.refresh_token).toBeTruthy();
    expect(renewed.refresh_token).not.toBe(tokens.refresh_token);
    const { payload: renewedAccess } = await jwtVerify(renewed.access_token, jwks, { issuer: issuer.issuer, audience: 'duban-api' });
    expect(renewedAccess).toMatchObject({ sub: access.sub, preferred_username: 'handler-housing-a', azp: 'duban-console' });
    const replayed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, CONSOLE);
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({ error: 'invalid_grant' });
    // A code is good once.
    const codeAgain = await tokenRequest(exchange, CONSOLE);
    expect(codeAgain.status).toBe(400);
    expect(await codeAgain.json()).toMatchObject({ error: 'invalid_grant' });

    // Signing out with the ID token: the page signs out by itself and sends the browser back to the console.
    const logout = new URL(String(discovery.end_session_endpoint));
    logout.search = new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: `${CONSOLE}/`, state }).toString();
    const confirm = await browse(jar, logout.href);
    expect(confirm.status).toBe(200);
    expect(confirm.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[\w+/=]+'/);
    const confirmHtml = await confirm.text();
    expect(confirmHtml).toContain('id="kc-logout"');
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"><input type="hidden" name="xsrf" value="(\w+)"/.exec(confirmHtml)!;
    const signedOut = await browse(jar, action[1], form({ xsrf: action[2], logout: 'yes' }));
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toBe(`${CONSOLE}/?state=${state}`);
    // Signed out: the next authorization request asks for the password again.
    const afterLogout = await browse(jar, authorize.href);
    expect(new URL(afterLogout.headers.get('location')!, issuer.issuer).pathname).toMatch(/\/interaction\/[\w-]+$/);
  });

  it('refuses an authorization request without a PKCE challenge, or with another redirect URI', async () => {
    const params = { client_id: 'duban-console', redirect_uri: CALLBACK, response_type: 'code', scope: 'openid', state: 's1' };
    const noPkce = await fetch(`${String(discovery.authorization_endpoint)}?${new URLSearchParams(params)}`, { redirect: 'manual' });
    expect(noPkce.status).toBe(303);
    const refused = new URL(noPkce.headers.get('location')!);
    expect(refused.origin + refused.pathname).toBe(CALLBACK);
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(refused.searchParams.get('code')).toBeNull();

    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    const plain = await fetch(
      `${String(discovery.authorization_endpoint)}?${new URLSearchParams({ ...params, code_challenge: challenge, code_challenge_method: 'plain' })}`,
      { redirect: 'manual' },
    );
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');

    const elsewhere = await fetch(
      `${String(discovery.authorization_endpoint)}?${new URLSearchParams({ ...params, redirect_uri: `${ELSEWHERE}/callback`, code_challenge: challenge, code_challenge_method: 'S256' })}`,
      { redirect: 'manual' },
    );
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.get('location')).toBeNull();
    expect(elsewhere.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await elsewhere.text()).toContain('redirect_uri');
  });
});
