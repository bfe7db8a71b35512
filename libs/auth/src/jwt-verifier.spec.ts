import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, KeyLike } from 'jose';
import { InvalidToken, IssuerUnavailable, JwtVerifier } from './jwt-verifier';
import { clears, CONFIDENTIALITY, principalFromClaims } from './principal';

// A local OIDC issuer (discovery + JWKS over HTTP) so the verifier runs its real code path.
describe('JwtVerifier', () => {
  let server: Server;
  let issuer: string;
  let privateKey: KeyLike;
  let otherKey: KeyLike;
  /** The key set the issuer publishes now (a rotation adds a key). */
  const published: object[] = [];

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    published.push({ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' });
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/realms/t/.well-known/openid-configuration') {
        res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/certs` }));
      } else if (req.url === '/realms/t/certs') {
        res.end(JSON.stringify({ keys: published }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/t`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const sign = (claims: Record<string, unknown>, key = privateKey, opts: { iss?: string; aud?: string; exp?: string; kid?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1' })
      .setIssuer(opts.iss ?? issuer)
      .setAudience(opts.aud ?? 'duban-api')
      .setSubject('user-1')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '5m')
      .sign(key);

  it('accepts a token of the issuer for our audience and reads the principal', async () => {
    const verifier = new JwtVerifier({ issuer, audience: 'duban-api' });
    const token = await sign({ preferred_username: 'handler-water-a', unit_id: 'water', clearance: 'internal', realm_access: { roles: ['handler', 'offline_access'] } });
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({
      subject: 'user-1',
      username: 'handler-water-a',
      roles: ['handler'],
      unitId: 'water',
      clearance: 'internal',
    });
  });

  it.each([
    ['no header', undefined],
    ['not a bearer token', 'Basic dXNlcjpwYXNz'],
  ])('refuses %s', async (_, header) => {
    await expect(new JwtVerifier({ issuer, audience: 'duban-api' }).verify(header)).rejects.toBeInstanceOf(InvalidToken);
  });

  it('refuses a wrong signature, audience, issuer or an expired token', async () => {
    const verifier = new JwtVerifier({ issuer, audience: 'duban-api' });
    for (const token of [
      await sign({}, otherKey),
      await sign({}, privateKey, { aud: 'someone-else' }),
      await sign({}, privateKey, { iss: 'http://evil.example/realms/t' }),
      await sign({}, privateKey, { exp: '-10m' }),
    ]) {
      await expect(verifier.verify(`Bearer ${token}`)).rejects.toBeInstanceOf(InvalidToken);
    }
    // What the caller is told: "invalid token" or "the token has expired", never the library's reasons.
    await expect(verifier.verify(`Bearer ${await sign({}, privateKey, { aud: 'someone-else' })}`)).rejects.toThrow(/^invalid token$/);
    await expect(verifier.verify(`Bearer ${await sign({}, privateKey, { exp: '-10m' })}`)).rejects.toThrow(/^the token has expired$/);
  });

  it('follows a key rotation: a token signed with a newly published key is accepted after one refetch of the key set', async () => {
    const verifier = new JwtVerifier({ issuer, audience: 'duban-api', jwksCooldownMs: 0 });
    await expect(verifier.verify(`Bearer ${await sign({})}`)).resolves.toMatchObject({ subject: 'user-1' });
    const next = await generateKeyPair('RS256');
    const rotated = await sign({}, next.privateKey, { kid: 'k2' });
    // Not yet published: refused.
    await expect(verifier.verify(`Bearer ${rotated}`)).rejects.toBeInstanceOf(InvalidToken);
    published.push({ ...(await exportJWK(next.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' });
    try {
      await expect(verifier.verify(`Bearer ${rotated}`)).resolves.toMatchObject({ subject: 'user-1' });
      // A token claiming the new key id but signed with another key stays refused.
      await expect(verifier.verify(`Bearer ${await sign({}, otherKey, { kid: 'k2' })}`)).rejects.toBeInstanceOf(InvalidToken);
    } finally {
      published.pop();
    }
  });

  it('checks the signature of a token once and answers its repeats from memory until the cache time or the token expires', async () => {
    let clock = Date.now();
    const verifier = new JwtVerifier({ issuer, audience: 'duban-api', verifiedCacheMs: 60_000, now: () => clock });
    const token = await sign({ preferred_username: 'operator1' }, privateKey, { exp: '2m' });
    for (let i = 0; i < 5; i += 1) await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({ username: 'operator1' });
    expect(verifier.signatureChecks).toBe(1);
    // A different token (another signature) is checked on its own; a forged one is never cached.
    const forged = await sign({ preferred_username: 'operator1' }, otherKey, { exp: '2m' });
    await expect(verifier.verify(`Bearer ${forged}`)).rejects.toBeInstanceOf(InvalidToken);
    await expect(verifier.verify(`Bearer ${forged}`)).rejects.toBeInstanceOf(InvalidToken);
    expect(verifier.signatureChecks).toBe(3);
    // After the cache time the token is checked again (and still valid).
    clock += 61_000;
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({ username: 'operator1' });
    expect(verifier.signatureChecks).toBe(4);
    // Past its expiry (plus the 30 s tolerance) it is refused, even though it was cached a moment ago.
    clock += 100_000;
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toBeInstanceOf(InvalidToken);
  });

  it('does not cache at all with verifiedCacheMs 0', async () => {
    const verifier = new JwtVerifier({ issuer, audience: 'duban-api', verifiedCacheMs: 0 });
    const token = await sign({});
    await verifier.verify(`Bearer ${token}`);
    await verifier.verify(`Bearer ${token}`);
    expect(verifier.signatureChecks).toBe(2);
  });

  it('reports an unreachable issuer as unavailable, not as a bad token', async () => {
    const verifier = new JwtVerifier({ issuer: 'http://127.0.0.1:9/realms/t', audience: 'duban-api' });
    const token = await sign({});
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toBeInstanceOf(IssuerUnavailable);
    await expect(verifier.ready()).resolves.toBe(false);
  });

  it('reads citizens without a unit', () => {
    expect(principalFromClaims({ sub: 's', preferred_username: 'citizen1' })).toEqual({
      subject: 's',
      username: 'citizen1',
      roles: [],
      unitId: null,
      clearance: 'public',
    });
  });

  it('reads the clearance, and takes a missing or unknown one as the least (public)', () => {
    expect(principalFromClaims({ sub: 's', clearance: 'secret' }).clearance).toBe('secret');
    expect(principalFromClaims({ sub: 's', clearance: 'top-secret' }).clearance).toBe('public');
    expect(principalFromClaims({ sub: 's', clearance: ['secret'] }).clearance).toBe('public');
  });

  it('orders the levels: a clearance covers its own level and those below it', () => {
    expect(CONFIDENTIALITY.map((level) => CONFIDENTIALITY.filter((clearance) => clears(clearance, level)))).toEqual([
      ['public', 'internal', 'secret'],
      ['internal', 'secret'],
      ['secret'],
    ]);
  });
});
