import { createRemoteJWKSet, errors, JWTVerifyGetKey, jwtVerify } from 'jose';
import { Principal, principalFromClaims } from './principal';

export interface JwtVerifierOptions {
  /** The OIDC issuer, e.g. http://127.0.0.1:18080/realms/duban */
  issuer: string;
  /** The audience our API tokens must carry. */
  audience: string;
  /** Fetch the discovery document from here instead of {issuer}/.well-known (issuer behind another host name). */
  discoveryUrl?: string;
  /** Shortest time between two fetches of the key set when a token names an unknown key id (key rotation); 30 s. */
  jwksCooldownMs?: number;
  clockToleranceSeconds?: number;
  /**
   * Tokens whose signature was checked are remembered (by their exact text) for at most this
   * long, never past their own expiry, so a client's repeated calls with one token cost one
   * signature check; 60 s. 0 checks every request. A key withdrawn from the issuer's set stops
   * being accepted within this time.
   */
  verifiedCacheMs?: number;
  /** Most remembered tokens (the oldest is forgotten first); 10,000. */
  verifiedCacheSize?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/** The token is missing, malformed, expired, or not ours: answer 401. */
export class InvalidToken extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidToken';
  }
}

/** The signature algorithms a token may use. */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/** The issuer cannot be reached to fetch its keys: answer 503, not 401. */
export class IssuerUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IssuerUnavailable';
  }
}

/**
 * Verifies bearer JWTs against the issuer's JWKS, found through standard OIDC
 * discovery (keycloak-connect is deprecated upstream; see docs/adr/0005).
 */
export class JwtVerifier {
  private keys?: JWTVerifyGetKey;
  private discovering?: Promise<JWTVerifyGetKey>;
  /** Verified tokens and until when each may be taken without a new signature check (insertion order = age). */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  /** Signature checks made (the rest of the calls were answered from the cache); read by tests and metrics. */
  signatureChecks = 0;

  constructor(private readonly options: JwtVerifierOptions) {}

  async verify(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)\s*$/i.exec(authorization ?? '');
    if (!match) throw new InvalidToken('a bearer token is required');
    const token = match[1];
    const now = this.options.now?.() ?? Date.now();
    const known = this.verified.get(token);
    if (known) {
      if (known.until > now) return known.principal;
      this.verified.delete(token);
    }
    const keys = await this.jwks();
    try {
      this.signatureChecks += 1;
      const { payload } = await jwtVerify(token, keys, {
        currentDate: this.options.now ? new Date(now) : undefined,
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        // An allow-list: asymmetric signatures only (never `none`, never HMAC keyed with a public key).
        algorithms: ALLOWED_ALGORITHMS,
      });
      const principal = principalFromClaims(payload as Record<string, unknown>);
      if (!principal.subject) throw new InvalidToken('token has no subject');
      this.remember(token, principal, typeof payload.exp === 'number' ? payload.exp * 1000 : undefined, now);
      return principal;
    } catch (error) {
      if (error instanceof InvalidToken) throw error;
      if (error instanceof errors.JWKSTimeout || (error as { code?: string }).code === 'ERR_JOSE_GENERIC') {
        throw new IssuerUnavailable(`cannot fetch signing keys: ${(error as Error).message}`);
      }
      // The library's own wording (which claim, which check) is not for the caller: two answers only.
      if (error instanceof errors.JWTExpired) throw new InvalidToken('the token has expired');
      if (error instanceof errors.JOSEError) throw new InvalidToken('invalid token');
      if (error instanceof TypeError) throw new IssuerUnavailable(`cannot fetch signing keys: ${error.message}`);
      throw error;
    }
  }

  private remember(token: string, principal: Principal, expiresAt: number | undefined, now: number): void {
    const ttl = this.options.verifiedCacheMs ?? 60_000;
    if (ttl <= 0) return;
    // Never past the token's own expiry (without the clock tolerance the check itself allows).
    const until = Math.min(now + ttl, expiresAt ?? now + ttl);
    if (until <= now) return;
    const max = this.options.verifiedCacheSize ?? 10_000;
    while (this.verified.size >= max) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { principal, until });
  }

  /** True when the issuer's discovery document and keys can be loaded. */
  async ready(): Promise<boolean> {
    try {
      await this.jwks();
      return true;
    } catch {
      return false;
    }
  }

  private async jwks(): Promise<JWTVerifyGetKey> {
    if (this.keys) return this.keys;
    this.discovering ??= this.discover().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  private async discover(): Promise<JWTVerifyGetKey> {
    const url = this.options.discoveryUrl ?? `${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: { issuer?: string; jwks_uri?: string };
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = (await response.json()) as typeof document;
    } catch (error) {
      throw new IssuerUnavailable(`OIDC discovery at ${url} failed: ${(error as Error).message}`);
    }
    if (document.issuer !== this.options.issuer || !document.jwks_uri) {
      throw new IssuerUnavailable(`OIDC discovery at ${url} names issuer ${document.issuer}, expected ${this.options.issuer}`);
    }
    this.keys = createRemoteJWKSet(new URL(document.jwks_uri), { timeoutDuration: 5000, cooldownDuration: this.options.jwksCooldownMs ?? 30_000 });
    return this.keys;
  }
}
