import { isRebound, RATING_LEVELS, SATISFACTION, signLink, verifyLink } from './rating';

const SECRET = 'a-test-secret-of-enough-length-0123456789';
const claims = { caseId: '6f1c2f9e-0c1a-4f59-9b7e-3c1d2e4f5a6b', round: 1, exp: 2_000_000_000 };

describe('rating levels', () => {
  it('maps the five levels onto 0–100 evenly, best first', () => {
    expect(RATING_LEVELS.map((l) => SATISFACTION[l])).toEqual([100, 75, 50, 25, 0]);
  });

  it('reopens the case only for the two unsatisfied levels', () => {
    expect(RATING_LEVELS.filter(isRebound)).toEqual(['dissatisfied', 'very-dissatisfied']);
  });
});

describe('signed rating links', () => {
  it('round-trips its claims until it expires', () => {
    const token = signLink(SECRET, claims);
    expect(verifyLink(SECRET, token, claims.exp - 1)).toEqual({ ok: true, claims });
    expect(verifyLink(SECRET, token, claims.exp)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token signed with another secret, or with its claims changed', () => {
    const token = signLink(SECRET, claims);
    expect(verifyLink('another-secret-of-enough-length-98765432', token, 0)).toEqual({ ok: false, reason: 'forged' });
    const [, sig] = token.split('.');
    const otherCase = Buffer.from(JSON.stringify({ c: '00000000-0000-4000-8000-000000000000', r: 1, e: claims.exp })).toString('base64url');
    expect(verifyLink(SECRET, `${otherCase}.${sig}`, 0)).toEqual({ ok: false, reason: 'forged' });
    const later = Buffer.from(JSON.stringify({ c: claims.caseId, r: 1, e: claims.exp + 86_400 })).toString('base64url');
    expect(verifyLink(SECRET, `${later}.${sig}`, 0)).toEqual({ ok: false, reason: 'forged' });
  });

  it('calls garbage malformed', () => {
    for (const t of ['', 'abc', 'a.b.c', 'a b.c', '.', `${Buffer.from('not json').toString('base64url')}.x`]) {
      expect(verifyLink(SECRET, t, 0).ok).toBe(false);
    }
  });
});
