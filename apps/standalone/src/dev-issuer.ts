import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, createPublicKey, JsonWebKey, KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import { exportJWK, generateKeyPair, JWK, jwtVerify } from 'jose';
// An ES module (oidc-provider 8): Node 20.19+ loads it with require() (ADR 0007).
import Provider, { errors, KoaContextWithOIDC, ResourceServer } from 'oidc-provider';
import { MemoryAdapter } from './dev-issuer-adapter';
import type { DemoUser } from './demo-users';
import { AUTO_SIGN_OUT, htmlPage, INTERACTION_PATH, messagePage, readForm, REALM_PATH, SIGN_IN_TITLE, signInPage } from './dev-issuer-pages';

export { demoUsersFromRealm } from './demo-users';
export type { DemoUser } from './demo-users';

export interface DevIssuerOptions {
  host: string;
  port: number;
  /** Where the signing key is kept, so tokens stay valid across restarts. */
  keyFile: string;
  users: DemoUser[];
  password: string;
  audience: string;
  tokenLifetimeSeconds?: number;
  /**
   * Where the browser console (client `duban-console`) may be sent back with a code after signing
   * in, e.g. `http://127.0.0.1:8080/callback`. Their origins (with those of the post-logout URIs) are
   * the only ones a browser may call the token and userinfo endpoints from (CORS).
   */
  consoleRedirectUris: string[];
  /** Where the console may be sent after signing out; by default `<origin>/` of each of consoleRedirectUris. */
  consolePostLogoutRedirectUris?: string[];
}

/** A stable subject per user, shaped like Keycloak's (a UUID). */
function subjectOf(username: string): string {
  const h = createHash('sha256').update(`duban-dev:${username}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const USERINFO_PATH = `${REALM_PATH}/protocol/openid-connect/userinfo`;
/** How long a browser sign-in lasts, refresh tokens included: the realm's SSO session (ssoSessionMaxLifespan, 10 hours). */
const SESSION_SECONDS = 36_000;

/** The public client of the CLI and the tests, as in the Keycloak realm. */
const CLI_CLIENT = 'duban-cli';
/** The public client of the browser console (authorization code + PKCE S256), as in the Keycloak realm. */
export const CONSOLE_CLIENT = 'duban-console';

/**
 * The standalone mode's development OpenID Provider, built on `oidc-provider` (a certified OpenID
 * Connect implementation): discovery, JWKS, authorization, token, userinfo and logout at Keycloak's
 * paths under `/realms/duban`, so the gateway and services verify its tokens through the very
 * discovery + JWKS path they use in production. Access tokens are JWTs for the `duban-api` audience
 * with Keycloak's claims (preferred_username, realm_access.roles, unit_id, clearance, azp).
 * - `duban-cli`: the demo users sign in with the password grant — registered as a custom grant, for
 *   `npm run token` and the tests only.
 * - `duban-console`: the browser console, authorization code + PKCE (S256) with rotating refresh
 *   tokens; the people sign in on this issuer's own page (`/realms/duban/interaction/<uid>`), with the
 *   demo password, and consent is given at once (a first-party client).
 * It listens on loopback and is never part of a deployment.
 */
export class DevIssuer {
  private server?: Server;
  private publicKey?: KeyObject;
  /** The origins of the console's redirect URIs: the only ones allowed to call the issuer from a browser. */
  private consoleOrigins = new Set<string>();

  constructor(private readonly options: DevIssuerOptions) {}

  get issuer(): string {
    return `http://${this.options.host}:${this.options.port}${REALM_PATH}`;
  }

  async start(): Promise<void> {
    const lifetime = this.options.tokenLifetimeSeconds ?? 3600;
    const signingKey = await this.signingKey();
    this.publicKey = createPublicKey({ key: signingKey as JsonWebKey, format: 'jwk' });
    const redirectUris = this.options.consoleRedirectUris;
    const postLogoutRedirectUris = this.options.consolePostLogoutRedirectUris ?? [...new Set(redirectUris.map((u) => `${new URL(u).origin}/`))];
    this.consoleOrigins = new Set([...redirectUris, ...postLogoutRedirectUris].map((u) => new URL(u).origin));
    const provider = new Provider(this.issuer, {
      adapter: MemoryAdapter,
      cookies: { keys: [randomBytes(32).toString('hex')] },
      ttl: {
        AccessToken: lifetime,
        IdToken: lifetime,
        AuthorizationCode: 60,
        Interaction: 3600,
        Session: SESSION_SECONDS,
        // A password grant's grant lives as long as its token; a browser sign-in's as long as its session (its refresh tokens need it).
        Grant: (_ctx, grant) => (grant.clientId === CONSOLE_CLIENT ? SESSION_SECONDS : lifetime),
        // Rotating does not lengthen a sign-in: the new refresh token keeps what was left of the one it replaces.
        RefreshToken: (ctx) => ctx?.oidc.entities.RotatedRefreshToken?.remainingTTL ?? SESSION_SECONDS,
      },
      clients: [
        { client_id: CLI_CLIENT, token_endpoint_auth_method: 'none', grant_types: ['password'], response_types: [], redirect_uris: [] },
        {
          client_id: CONSOLE_CLIENT,
          client_name: 'Duban console',
          application_type: 'web',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          redirect_uris: redirectUris,
          post_logout_redirect_uris: postLogoutRedirectUris,
        },
      ],
      jwks: { keys: [signingKey] },
      routes: {
        authorization: '/protocol/openid-connect/auth',
        token: '/protocol/openid-connect/token',
        jwks: '/protocol/openid-connect/certs',
        userinfo: '/protocol/openid-connect/userinfo',
        end_session: '/protocol/openid-connect/logout',
      },
      // Every authorization request carries an S256 code challenge.
      pkce: { methods: ['S256'], required: () => true },
      // Our own sign-in page (not devInteractions, which takes any password), under the realm's path.
      interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}${interaction.uid}` },
      features: {
        devInteractions: { enabled: false },
        // The code flow's access tokens: JWTs for the API (RFC 8707), whether or not the client names it as `resource`.
        resourceIndicators: {
          enabled: true,
          defaultResource: () => this.apiResource,
          getResourceServerInfo: (_ctx, resource) => {
            if (resource !== this.apiResource) throw new errors.InvalidTarget();
            return this.apiResourceServer(lifetime);
          },
          useGrantedResource: () => true,
        },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx, form) => {
            // With a valid id_token_hint (oidc-client-ts sends one) Keycloak signs out without asking, and so does this page.
            const hinted = Boolean((ctx.oidc.entities as { IdTokenHint?: unknown }).IdTokenHint);
            ctx.set(this.pageHeaders(hinted ? AUTO_SIGN_OUT : undefined));
            ctx.body = htmlPage(
              'Duban 督办 — sign out / 退出登录',
              `<h1>Duban 督办 — sign out / <span lang="zh-CN">退出登录</span></h1><p>Sign out of Duban? / <span lang="zh-CN">确定退出登录？</span></p>${form}` +
                `<button id="kc-logout" type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out / <span lang="zh-CN">退出登录</span></button>`,
              hinted ? AUTO_SIGN_OUT : undefined,
            );
          },
          postLogoutSuccessSource: (ctx) => {
            ctx.set(this.pageHeaders());
            ctx.body = messagePage('Duban 督办 — signed out / 已退出登录', 'Duban 督办', 'You are signed out. / 您已退出登录。');
          },
        },
      },
      // Refresh tokens for the console (rotated at every use), so it renews its access token silently; none for the CLI.
      issueRefreshToken: (_ctx, client) => client.clientId === CONSOLE_CLIENT && client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: true,
      // A browser may call the token and userinfo endpoints from the console's origins only.
      clientBasedCORS: (_ctx, origin, client) => client.clientId === CONSOLE_CLIENT && this.consoleOrigins.has(origin),
      // The ID token carries the user's name (and unit, clearance) like Keycloak's, so a client can show it.
      claims: { openid: ['sub', 'preferred_username', 'unit_id', 'clearance'], profile: ['preferred_username'] },
      conformIdTokenClaims: false,
      // The claims Keycloak puts in its access tokens, read by libs/auth.
      extraTokenClaims: (_ctx, token) => {
        const accountId = 'accountId' in token ? token.accountId : undefined;
        const user = this.options.users.find((u) => subjectOf(u.username) === accountId);
        if (!user) return undefined;
        return {
          preferred_username: user.username,
          realm_access: { roles: user.roles },
          azp: token.clientId,
          ...(user.unitId ? { unit_id: user.unitId } : {}),
          ...(user.clearance ? { clearance: user.clearance } : {}),
        };
      },
      findAccount: async (_ctx, sub) => {
        const user = this.options.users.find((u) => subjectOf(u.username) === sub);
        return user ? { accountId: sub, claims: () => this.claimsOf(user) } : undefined;
      },
      renderError: (ctx, out) => {
        ctx.set(this.pageHeaders());
        ctx.body = messagePage('Duban 督办 — error / 错误', `Duban 督办 — ${out.error}`, out.error_description ?? 'The request was refused. / 请求被拒绝。');
      },
    });
    provider.registerGrantType('password', (ctx, next) => this.passwordGrant(provider, ctx, next), ['username', 'password', 'scope']);
    const callback = provider.callback();
    this.server = createServer((req, res) => {
      // Keycloak's paths: everything under /realms/duban; the provider itself is mounted at the root.
      if (!req.url?.startsWith(`${REALM_PATH}/`)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found' }));
        return;
      }
      const path = req.url.split('?')[0];
      if (path.startsWith(INTERACTION_PATH)) {
        void this.interaction(provider, req, res, path.slice(INTERACTION_PATH.length));
        return;
      }
      if (path === USERINFO_PATH) {
        void this.userinfo(req, res);
        return;
      }
      // Mounted under the realm's path: the provider reads the mount point from originalUrl, as under Express.
      (req as typeof req & { originalUrl?: string }).originalUrl = req.url;
      req.url = req.url.slice(REALM_PATH.length);
      void callback(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, resolve);
    });
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }

  /** The demo user these credentials name, if the password is the demo password (compared in constant time). */
  private authenticate(username: string | undefined, password: string | undefined): DemoUser | undefined {
    const user = this.options.users.find((u) => u.username === username);
    const given = Buffer.from(password ?? '');
    const expected = Buffer.from(this.options.password);
    const matches = given.length === expected.length && timingSafeEqual(given, expected);
    return user && matches ? user : undefined;
  }

  /** What the ID token and userinfo say about a user (Keycloak's claims for the realm's mappers). */
  private claimsOf(user: DemoUser): { sub: string; preferred_username: string; unit_id?: string; clearance?: string } {
    return {
      sub: subjectOf(user.username),
      preferred_username: user.username,
      ...(user.unitId ? { unit_id: user.unitId } : {}),
      ...(user.clearance ? { clearance: user.clearance } : {}),
    };
  }

  /**
   * The API's resource indicator (RFC 8707 wants an absolute URI; the tokens' audience stays
   * `options.audience`, as Keycloak's): what a client may send as `resource`, and the default.
   */
  private get apiResource(): string {
    return `urn:duban:${encodeURIComponent(this.options.audience)}`;
  }

  /** The API as a resource server: the audience of every access token, a JWT signed with the issuer's RS256 key. */
  private apiResourceServer(lifetime: number): ResourceServer {
    return { audience: this.options.audience, scope: 'openid', accessTokenFormat: 'jwt', accessTokenTTL: lifetime, jwt: { sign: { alg: 'RS256' } } };
  }

  /**
   * The headers of every page this issuer renders: never cached, nothing loaded from elsewhere, never
   * framed; forms post to the issuer, and the redirects that follow (the sign-in's and sign-out's
   * back to the console) may reach the console's origins.
   */
  private pageHeaders(script?: string): Record<string, string> {
    const formAction = ["'self'", ...this.consoleOrigins].join(' ');
    const scriptSrc = script ? [`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`] : [];
    return {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': ["default-src 'none'", "style-src 'unsafe-inline'", ...scriptSrc, `form-action ${formAction}`, "frame-ancestors 'none'", "base-uri 'none'"].join('; '),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
    };
  }

  private sendPage(res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, this.pageHeaders()).end(html);
  }

  /**
   * The sign-in page, `/realms/duban/interaction/<uid>` (the provider's interaction): GET shows the
   * form, POST checks the password and finishes the login; the consent prompt that follows is granted
   * at once. The interaction is the one named by the provider's signed `_interaction` cookie, set for
   * this very path (SameSite=Lax): a page or a form for another uid, or from another site, is refused.
   */
  private async interaction(provider: Provider, req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    try {
      if (!/^[\w-]+$/.test(uid)) {
        this.sendPage(res, 404, messagePage(SIGN_IN_TITLE, 'Duban 督办', 'Not found. / 未找到。'));
        return;
      }
      if (req.method !== 'GET' && req.method !== 'POST') {
        res.writeHead(405, { allow: 'GET, POST', 'cache-control': 'no-store' }).end();
        return;
      }
      const interaction = await provider.interactionDetails(req, res);
      if (interaction.uid !== uid) throw new errors.SessionNotFound('the interaction does not match its cookie');
      if (interaction.prompt.name === 'consent') {
        await this.grantConsent(provider, req, res, interaction);
        return;
      }
      if (interaction.prompt.name !== 'login') throw new Error(`unexpected prompt ${interaction.prompt.name}`);
      if (req.method === 'GET') {
        const hint = typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : '';
        this.sendPage(res, 200, signInPage(uid, hint, false));
        return;
      }
      // A browser names where a form comes from: only this issuer's own page may post it.
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${req.headers.host}`) {
        this.sendPage(res, 403, messagePage(SIGN_IN_TITLE, 'Duban 督办', 'This form comes from another site. / 表单来源无效。'));
        return;
      }
      if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
        this.sendPage(res, 415, messagePage(SIGN_IN_TITLE, 'Duban 督办', 'Unsupported form. / 不支持的表单。'));
        return;
      }
      const form = await readForm(req);
      const username = form.get('username') ?? '';
      const user = this.authenticate(username, form.get('password') ?? '');
      if (!user) {
        this.sendPage(res, 200, signInPage(uid, username, true));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: subjectOf(user.username) } }, { mergeWithLastSubmission: false });
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof errors.SessionNotFound) {
        this.sendPage(res, 400, messagePage(SIGN_IN_TITLE, 'Duban 督办', 'This sign-in has expired: go back to the application and sign in again. / 登录已过期，请返回应用重新登录。'));
      } else {
        this.sendPage(res, 500, messagePage(SIGN_IN_TITLE, 'Duban 督办', 'The sign-in failed. / 登录失败。'));
      }
    }
  }

  /** The consent prompt, granted at once (the platform's own client): the scopes and claims asked for, and the API's scope. */
  private async grantConsent(provider: Provider, req: IncomingMessage, res: ServerResponse, interaction: Awaited<ReturnType<Provider['interactionDetails']>>): Promise<void> {
    const accountId = interaction.session?.accountId;
    if (!accountId) throw new errors.SessionNotFound('no signed-in user to consent for');
    const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    const grant = interaction.grantId ? await provider.Grant.find(interaction.grantId) : new provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
    if (!grant) throw new errors.SessionNotFound('grant not found');
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: interaction.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
  }

  /**
   * The userinfo endpoint for this issuer's access tokens. oidc-provider's own refuses any token with
   * an audience (RFC 8707: a token for a resource server is for that server only), and every token
   * here is for the API; Keycloak answers userinfo with its access tokens, so a client (oidc-client-ts
   * with loadUserInfo) works alike against both.
   */
  private async userinfo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    const cors: Record<string, string> = { vary: 'Origin' };
    if (origin && this.consoleOrigins.has(origin)) Object.assign(cors, { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'WWW-Authenticate' });
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'authorization', 'access-control-max-age': '3600' }).end();
      return;
    }
    const reply = (status: number, body: object, headers: Record<string, string> = {}) =>
      res.writeHead(status, { ...cors, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
    if (req.method !== 'GET' && req.method !== 'POST') {
      reply(405, { error: 'invalid_request', error_description: 'use GET or POST' }, { allow: 'GET, POST' });
      return;
    }
    const token = /^Bearer ([\w.~+/-]+=*)$/i.exec(req.headers.authorization ?? '')?.[1];
    try {
      if (!token) throw new Error('no access token');
      const { payload } = await jwtVerify(token, this.publicKey!, { issuer: this.issuer, audience: this.options.audience, algorithms: ['RS256'], typ: 'at+jwt' });
      const user = this.options.users.find((u) => subjectOf(u.username) === payload.sub);
      if (!user || !String(payload.scope ?? '').split(' ').includes('openid')) throw new Error('not a token for userinfo');
      reply(200, this.claimsOf(user));
    } catch {
      reply(401, { error: 'invalid_token', error_description: 'invalid access token' }, { 'www-authenticate': `Bearer realm="duban"${token ? ', error="invalid_token"' : ''}` });
    }
  }

  /** The password grant for the demo users: an access token (JWT) for the API's audience. */
  private async passwordGrant(provider: Provider, ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    const params = ctx.oidc.params as { username?: string; password?: string };
    const user = this.authenticate(params.username, params.password);
    if (!user) throw new errors.InvalidGrant('invalid user credentials');
    const client = ctx.oidc.client!;
    const accountId = subjectOf(user.username);
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    const lifetime = this.options.tokenLifetimeSeconds ?? 3600;
    const token = new provider.AccessToken({ accountId, client, grantId, gty: 'password', scope: 'openid' });
    // The provider's own ResourceServer class (not in its type definitions): the API as the audience, a JWT access token.
    const ResourceServerClass = (provider as unknown as { ResourceServer: new (id: string, info: ResourceServer) => NonNullable<typeof token.resourceServer> }).ResourceServer;
    token.resourceServer = new ResourceServerClass(this.options.audience, this.apiResourceServer(lifetime));
    ctx.body = { access_token: await token.save(), token_type: 'Bearer', expires_in: lifetime, scope: 'openid' };
    await next();
  }

  /** The RS256 key, kept in keyFile so tokens stay valid across restarts. */
  private async signingKey(): Promise<JWK> {
    if (existsSync(this.options.keyFile)) return JSON.parse(readFileSync(this.options.keyFile, 'utf8')) as JWK;
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), alg: 'RS256', kid: `dev-${Date.now().toString(36)}`, use: 'sig' };
    writeFileSync(this.options.keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
    return privateJwk;
  }
}
