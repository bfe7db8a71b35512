import { NotFoundException } from '@nestjs/common';
import { ValidationFailed } from '@duban/contracts';
import { InvalidToken, IssuerUnavailable } from '@duban/auth';
import { problemFor } from './http';

describe('problemFor', () => {
  it('turns validation failures into a 400 naming the fields', () => {
    const p = problemFor(new ValidationFailed([{ pointer: '/title', field: 'title', detail: 'Expected string' }]));
    expect(p.body('/api/v1/cases')).toMatchObject({
      status: 400,
      type: 'https://duban.dev/problems/validation',
      instance: '/api/v1/cases',
      errors: [{ pointer: '/title', field: 'title', detail: 'Expected string' }],
    });
  });

  it('maps token and issuer errors to 401 and 503', () => {
    expect(problemFor(new InvalidToken('expired')).status).toBe(401);
    expect(problemFor(new IssuerUnavailable('down')).status).toBe(503);
  });

  it('maps Fastify body errors', () => {
    expect(problemFor(Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' })).status).toBe(413);
    expect(problemFor(Object.assign(new Error('bad'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })).status).toBe(415);
    expect(problemFor(Object.assign(new Error('bad json'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 })).status).toBe(400);
  });

  it('answers unknown routes 404 and hides unexpected errors behind a 500', () => {
    expect(problemFor(new NotFoundException()).status).toBe(404);
    const internal = problemFor(new Error('secret detail'));
    expect(internal.status).toBe(500);
    expect(JSON.stringify(internal.body())).not.toContain('secret detail');
  });
});
