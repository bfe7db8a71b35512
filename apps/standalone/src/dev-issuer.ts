import { createServer, IncomingMessage, Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, JWK, KeyLike, SignJWT } from 'jose';

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

/**
 * The standalone mode's development OpenID Provider: discovery, JWKS and a
 * token endpoint (password grant for the demo users), at the same paths as
 * Keycloak, so the gateway and services verify its tokens through the very
 * discovery + JWKS path they use in production. For local use only.
 */
export class DevIssuer {
  private server?: Server;
  private privateKey?: KeyLike | Uint8Array;
  private publicJwk?: JWK;

  constructor(private readonly options: DevIssuerOptions) {}

  get issuer(): string {
    return `http://${this.options.host}:${this.options.port}/realms/duban`;
  }

  async start(): Promise<void> {
    await this.loadKey();
    this.server = createServer((req, res) => {
      this.route(req)
        .then(({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify(body));
        })
        .catch(() => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'server_error' }));
        });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, resolve);
    });
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }

  /** Signs an access token for a demo user. */
  async tokenFor(username: string): Promise<string> {
    const user = this.options.users.find((u) => u.username === username);
    if (!user) throw new Error(`no demo user "${username}"`);
    const claims: Record<string, unknown> = {
      preferred_username: user.username,
      realm_access: { roles: user.roles },
      azp: 'duban-cli',
      typ: 'Bearer',
    };
    if (user.unitId) claims.unit_id = user.unitId;
    if (user.clearance) claims.clearance = user.clearance;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: this.publicJwk!.kid!, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(this.options.audience)
      .setSubject(subjectOf(user.username))
      .setIssuedAt()
      .setExpirationTime(`${this.options.tokenLifetimeSeconds ?? 3600}s`)
      .sign(this.privateKey!);
  }

  private async route(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const base = '/realms/duban';
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === `${base}/.well-known/openid-configuration`) {
      return {
        status: 200,
        body: {
          issuer: this.issuer,
          jwks_uri: `${this.issuer}/protocol/openid-connect/certs`,
          token_endpoint: `${this.issuer}/protocol/openid-connect/token`,
          grant_types_supported: ['password'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['token'],
          subject_types_supported: ['public'],
        },
      };
    }
    if (req.method === 'GET' && path === `${base}/protocol/openid-connect/certs`) {
      return { status: 200, body: { keys: [this.publicJwk] } };
    }
    if (req.method === 'POST' && path === `${base}/protocol/openid-connect/token`) {
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') !== 'password') return { status: 400, body: { error: 'unsupported_grant_type' } };
      const username = form.get('username') ?? '';
      const known = this.options.users.some((u) => u.username === username);
      if (!known || form.get('password') !== this.options.password) {
        return { status: 401, body: { error: 'invalid_grant', error_description: 'Invalid user credentials' } };
      }
      const lifetime = this.options.tokenLifetimeSeconds ?? 3600;
      return { status: 200, body: { access_token: await this.tokenFor(username), token_type: 'Bearer', expires_in: lifetime } };
    }
    return { status: 404, body: { error: 'not_found' } };
  }

  private async loadKey(): Promise<void> {
    let privateJwk: JWK;
    if (existsSync(this.options.keyFile)) {
      privateJwk = JSON.parse(readFileSync(this.options.keyFile, 'utf8')) as JWK;
    } else {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      privateJwk = { ...(await exportJWK(privateKey)), alg: 'RS256', kid: `dev-${Date.now().toString(36)}`, use: 'sig' };
      writeFileSync(this.options.keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
    }
    this.privateKey = await importJWK(privateJwk, 'RS256');
    const { kty, n, e, alg, kid, use } = privateJwk;
    this.publicJwk = { kty, n, e, alg, kid, use };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 16_384) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
