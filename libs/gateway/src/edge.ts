import { randomUUID } from 'node:crypto';

/**
 * Fixed-window request counters per key (a user, an API client): `take` answers whether one more
 * request fits in the current minute and, if not, how many seconds until the next window. Per
 * gateway replica (each replica counts its own share; docs/security.md).
 */
export class RateLimiter {
  private window = 0;
  private counts = new Map<string, number>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    const window = Math.floor(now / 60_000);
    if (window !== this.window) {
      this.window = window;
      this.counts = new Map();
    }
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    if (n <= this.perMinute) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000)) };
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,100}$/;

/** The request id: the caller's when well-formed (so a client can follow its own request), else a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

export const CORS_ALLOW_HEADERS = 'authorization, content-type, idempotency-key, last-event-id, x-request-id';
export const CORS_EXPOSE_HEADERS = 'x-request-id, retry-after, location, content-disposition';

/** The CORS headers for an allowed origin (exact match against the configured list), or none. */
export function corsHeaders(origin: string | undefined, allowed: readonly string[], preflight: boolean): Record<string, string> {
  if (!origin || !allowed.includes(origin)) return {};
  const base: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': CORS_EXPOSE_HEADERS };
  if (!preflight) return base;
  return { ...base, 'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE', 'access-control-allow-headers': CORS_ALLOW_HEADERS, 'access-control-max-age': '600' };
}
