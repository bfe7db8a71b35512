import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONTROL, LONE_SURROGATE } from './json-body';
import { HttpProblem } from './problem';

/**
 * Open311 GeoReport v2 speaks its own error form, not problem+json: clients parse a list of
 * `{code, description}` — JSON `[{"code":400,"description":"…"}]`, XML
 * `<errors><error><code>400</code><description>…</description></error></errors>` — with the
 * HTTP status the spec gives (400 bad input, 403 a bad api_key, 404 not found). Everything under
 * /open311/ answers its errors this way, whoever raises them (the gateway or intake); /api/v1
 * keeps RFC 9457.
 */
export const OPEN311_PREFIX = '/open311/';

export interface GeoReportError {
  code: number;
  description: string;
}

/** Characters XML 1.0 cannot carry: the ones no request text may hold either (json-body.ts). */
const NOT_XML = new RegExp(`${CONTROL.source}|${LONE_SURROGATE.source}`, 'g');

/** Text as XML 1.0 element content: markup escaped, characters XML cannot carry left out. */
export function xmlText(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** The format a GeoReport URL asks for: its path's extension (`requests.xml`), JSON otherwise. */
export function geoReportFormatOf(url: string): 'json' | 'xml' {
  return url.split('?')[0].toLowerCase().endsWith('.xml') ? 'xml' : 'json';
}

/** A problem as GeoReport's error list: one entry per field that was wrong, else one for the whole request. */
export function geoReportErrors(problem: HttpProblem): GeoReportError[] {
  const fields = problem.errors ?? [];
  if (fields.length > 0) return fields.map((e) => ({ code: problem.status, description: `${e.field}: ${e.detail}` }));
  return [{ code: problem.status, description: problem.detail ?? problem.title }];
}

export function geoReportErrorsXml(errors: GeoReportError[]): string {
  const items = errors.map((e) => `<error><code>${e.code}</code><description>${xmlText(e.description)}</description></error>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>\n<errors>${items}</errors>\n`;
}

/**
 * Answers an error: problem+json, or GeoReport's error list (JSON or XML by the URL's
 * extension) under /open311/. Used by every service's exception filter and by the gateway.
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: HttpProblem): FastifyReply {
  if (problem.status === 401) void reply.header('www-authenticate', 'Bearer');
  void reply.status(problem.status);
  if (request.url.startsWith(OPEN311_PREFIX)) {
    const errors = geoReportErrors(problem);
    if (geoReportFormatOf(request.url) === 'xml') return reply.header('content-type', 'application/xml; charset=utf-8').send(geoReportErrorsXml(errors));
    return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(errors));
  }
  return reply.header('content-type', 'application/problem+json').send(problem.body(request.url));
}
