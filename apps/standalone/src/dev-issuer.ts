import { createServer, Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { exportJWK, generateKeyPair, JWK } from 'jose';
// An ES module (oidc-provider 8): Node 20.19+ loads it with require() (ADR 0007).
import Provider, { Adapter, AdapterPayload, errors, KoaContextWithOIDC } from 'oidc-provider';

export interface DemoUser {
  username: string;
  roles: string[];
  unitId: string | null;
  /** public / internal / secret (the realm's `clearance` attribute); absent for citizens. */
  clearance?: string;
}

interface RealmFile {
  users: { username: string; serviceAccountClientId?: string; realmRoles?: string[]; attributes?: { unit_id?: string[]; clearance?: string[] } }[];
}

/** The demo users of the Keycloak realm file, so both modes know the same people. */
export function demoUsersFromRealm(realmFile: string): DemoUser[] {
  const realm = JSON.parse(readFileSync(realmFile, 'utf8')) as RealmFile;
  return realm.users.filter((u) => !u.serviceAccountClientId).map((u) => ({
    username: u.username,
    roles: (u.realmRoles ?? []).filter((r) => !r.startsWith('default-roles')),
    unitId: u.attributes?.unit_id?.[0] ?? null,
    ...(u.attributes?.clearance?.[0] ? { clearance: u.attributes.clearance[0] } : {}),
  }));
}

export interface DevIssuerOptions {
  host: string;
  port: number;
  /** Where the signing key is kept, so tokens stay valid across restarts. */
  keyFile: string;
  users: DemoUser[];
  password: string;
  audience: string;
  tokenLifetimeSeconds?: number;
}

/** A stable subject per user, shaped like Keycloak's (a UUID). */
function subjectOf(username: string): string {
  const h = createHash('sha256').update(`duban-dev:${username}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const REALM_PATH = '/realms/duban';

/**
 * Where the provider keeps its few stateful artifacts (grants): in memory, expiring — the access
 * tokens themselves are self-contained JWTs, so a restart loses nothing a caller holds.
 */
class MemoryAdapter implements Adapter {
  private static readonly store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();

  constructor(private readonly model: string) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const now = Date.now();
    for (const [k, v] of MemoryAdapter.store) if (v.expiresAt <= now) MemoryAdapter.store.delete(k);
    MemoryAdapter.store.set(this.key(id), { payload, expiresAt: now + expiresIn * 1000 });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = MemoryAdapter.store.get(this.key(id));
    return entry && entry.expiresAt > Date.now() ? entry.payload : undefined;
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    MemoryAdapter.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [k, v] of MemoryAdapter.store) if (v.payload.grantId === grantId) MemoryAdapter.store.delete(k);
  }
}
/** The public client of the CLI and the tests, as in the Keycloak realm. */
const CLI_CLIENT = 'duban-cli';

/**
 * The standalone mode's development OpenID Provider, built on `oidc-provider` (a certified OpenID
 * Connect implementation): discovery, JWKS and the token endpoint at Keycloak's paths under
 * `/realms/duban`, so the gateway and services verify its tokens through the very discovery + JWKS
 * path they use in production. Access tokens are JWTs for the `duban-api` audience with Keycloak's
 * claims (preferred_username, realm_access.roles, unit_id, clearance, azp). The demo users sign in
 * with the password grant — registered as a custom grant, for `npm run token` and the tests only; it
 * listens on loopback and is never part of a deployment.
 */
export class DevIssuer {
  private server?: Server;

  constructor(private readonly options: DevIssuerOptions) {}

  get issuer(): string {
    return `http://${this.options.host}:${this.options.port}${REALM_PATH}`;
  }

  async start(): Promise<void> {
    const lifetime = this.options.tokenLifetimeSeconds ?? 3600;
    const provider = new Provider(this.issuer, {
      adapter: MemoryAdapter,
      cookies: { keys: [randomBytes(32).toString('hex')] },
      ttl: { AccessToken: lifetime, Grant: lifetime },
      clients: [{ client_id: CLI_CLIENT, token_endpoint_auth_method: 'none', grant_types: ['password'], response_types: [], redirect_uris: [] }],
      jwks: { keys: [await this.signingKey()] },
      routes: { token: '/protocol/openid-connect/token', jwks: '/protocol/openid-connect/certs' },
      features: { devInteractions: { enabled: false } },
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
      findAccount: async (_ctx, sub) =>
        this.options.users.some((u) => subjectOf(u.username) === sub) ? { accountId: sub, claims: () => ({ sub }) } : undefined,
    });
    provider.registerGrantType('password', (ctx, next) => this.passwordGrant(provider, ctx, next), ['username', 'password', 'scope']);
    const callback = provider.callback();
    this.server = createServer((req, res) => {
      // Keycloak's paths: everything under /realms/duban; the provider itself is mounted at the root.
      if (!req.url?.startsWith(`${REALM_PATH}/`)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found' }));
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

  /** The password grant for the demo users: an access token (JWT) for the API's audience. */
  private async passwordGrant(provider: Provider, ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    const params = ctx.oidc.params as { username?: string; password?: string };
    const user = this.options.users.find((u) => u.username === params.username);
    const given = Buffer.from(params.password ?? '');
    const expected = Buffer.from(this.options.password);
    if (!user || given.length !== expected.length || !timingSafeEqual(given, expected)) throw new errors.InvalidGrant('invalid user credentials');
    const client = ctx.oidc.client!;
    const accountId = subjectOf(user.username);
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    const lifetime = this.options.tokenLifetimeSeconds ?? 3600;
    const token = new provider.AccessToken({ accountId, client, grantId, gty: 'password', scope: 'openid' });
    // The provider's own ResourceServer class (not in its type definitions): the API as the audience, a JWT access token.
    const ResourceServer = (provider as unknown as { ResourceServer: new (id: string, info: object) => NonNullable<typeof token.resourceServer> }).ResourceServer;
    token.resourceServer = new ResourceServer(this.options.audience, {
      audience: this.options.audience,
      scope: 'openid',
      accessTokenFormat: 'jwt',
      accessTokenTTL: lifetime,
      jwt: { sign: { alg: 'RS256' } },
    });
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
