import { createHmac, timingSafeEqual } from 'node:crypto';

/** The reporter's five levels (非常满意 … 非常不满意). */
export const RATING_LEVELS = ['very-satisfied', 'satisfied', 'neutral', 'dissatisfied', 'very-dissatisfied'] as const;
export type RatingLevel = (typeof RATING_LEVELS)[number];

/** Satisfaction on the 0–100 scale the KPIs use: evenly spaced levels. */
export const SATISFACTION: Record<RatingLevel, number> = {
  'very-satisfied': 100,
  satisfied: 75,
  neutral: 50,
  dissatisfied: 25,
  'very-dissatisfied': 0,
};

/** An unsatisfied reporter reopens the case (a rebound, 重办) and it counts against the unit. */
export const isRebound = (level: RatingLevel): boolean => level === 'dissatisfied' || level === 'very-dissatisfied';

/** What a signed rating link carries: which resolution of which case, until when. */
export interface LinkClaims {
  caseId: string;
  /** The resolution being rated (1 for the first; a rebound and a new result make 2, …). */
  round: number;
  /** Expiry, epoch seconds. */
  exp: number;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(`duban-rating-link.${payload}`).digest();

/** A link token: base64url(claims).base64url(HMAC-SHA256). */
export function signLink(secret: string, claims: LinkClaims): string {
  const payload = b64(JSON.stringify({ c: claims.caseId, r: claims.round, e: claims.exp }));
  return `${payload}.${b64(mac(secret, payload))}`;
}

export type LinkCheck = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

/** Verifies a link token's signature (constant time) and expiry at `nowSeconds`. */
export function verifyLink(secret: string, token: string, nowSeconds: number): LinkCheck {
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]) || !/^[A-Za-z0-9_-]+$/.test(parts[1])) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(parts[1], 'base64url');
  const expected = mac(secret, parts[0]);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  let raw: { c?: unknown; r?: unknown; e?: unknown };
  try {
    raw = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof raw.c !== 'string' || !Number.isInteger(raw.r) || !Number.isInteger(raw.e)) return { ok: false, reason: 'malformed' };
  if ((raw.e as number) <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { caseId: raw.c, round: raw.r as number, exp: raw.e as number } };
}
