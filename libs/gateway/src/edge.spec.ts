import { corsHeaders, RateLimiter, requestIdOf } from './edge';

describe('the gateway edge', () => {
  it('lets a key make its allowance per minute, then says when to come back', () => {
    let now = 60_000 * 1000 + 15_000; // 15 s into a minute
    const limiter = new RateLimiter(3, () => now);
    expect([1, 2, 3].map(() => limiter.take('alice').ok)).toEqual([true, true, true]);
    expect(limiter.take('alice')).toEqual({ ok: false, retryAfterSeconds: 45 });
    expect(limiter.take('bob').ok).toBe(true); // counted per key
    now += 45_000; // the next minute
    expect(limiter.take('alice').ok).toBe(true);
  });

  it('keeps a well-formed request id and makes one otherwise', () => {
    expect(requestIdOf('client-req-12345')).toBe('client-req-12345');
    expect(requestIdOf('bad id with spaces')).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers CORS only for the configured origins', () => {
    expect(corsHeaders('https://console.minghu.gov.cn', ['https://console.minghu.gov.cn'], true)).toMatchObject({
      'access-control-allow-origin': 'https://console.minghu.gov.cn',
      'access-control-allow-headers': expect.stringContaining('authorization'),
      vary: 'Origin',
    });
    expect(corsHeaders('https://evil.example', ['https://console.minghu.gov.cn'], true)).toEqual({});
    expect(corsHeaders(undefined, ['https://console.minghu.gov.cn'], false)).toEqual({});
  });
});
