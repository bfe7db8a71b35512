import { request as httpRequest, Agent, IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasRole, JwtVerifier } from '@duban/auth';
import { HttpProblem, problemFor, Problems, sendProblem } from '@duban/service-defaults';
import type { Logger } from '@duban/telemetry';
import { routeFor, Upstream } from './routes';
import { corsHeaders, RateLimiter, requestIdOf } from './edge';
import { createHash } from 'node:crypto';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

export interface ProxyOptions {
  upstreams: Record<Upstream, string>;
  verifier: JwtVerifier;
  logger: Logger;
  timeoutMs: number;
  /** Requests per minute per user (token subject) and per API client (OAuth client, Open311 key, else address). */
  limits?: { user: RateLimiter; client: RateLimiter };
  corsOrigins?: readonly string[];
}

/**
 * Verifies the caller's token, then forwards the request to the owning
 * service unchanged (the service verifies the token again and decides what
 * the caller may see). Trace context travels in the forwarded headers.
 */
export function createProxy(options: ProxyOptions) {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });

  const tooMany = (request: FastifyRequest, reply: FastifyReply, retryAfterSeconds: number, who: string) => {
    void reply.header('retry-after', String(retryAfterSeconds));
    return sendProblem(request, reply, new HttpProblem(429, 'rate-limited', 'Too many requests.', `${who} made too many requests this minute; retry after ${retryAfterSeconds} s.`));
  };

  return async function proxy(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const requestId = requestIdOf(request.headers['x-request-id']);
    void reply.header('x-request-id', requestId);
    const cors = corsHeaders(request.headers.origin, options.corsOrigins ?? [], request.method === 'OPTIONS');
    if (Object.keys(cors).length > 0) void reply.headers(cors);
    // A CORS preflight is answered here (no token is sent with it).
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) return reply.status(Object.keys(cors).length ? 204 : 403).send();
    const route = routeFor(request.url);
    if (!route) return sendProblem(request, reply, Problems.notFound('This resource'));
    let clientKey = `ip:${request.ip}`;
    if (route.bearer !== false) {
      try {
        const principal = await options.verifier.verify(request.headers.authorization);
        const user = options.limits?.user.take(principal.subject);
        if (user && !user.ok) return tooMany(request, reply, user.retryAfterSeconds, principal.username);
        if (route.roles && !hasRole(principal, ...route.roles)) {
          return sendProblem(request, reply, Problems.forbidden(`${route.prefix} is for ${route.roles.length > 3 ? 'staff' : route.roles.join(' or ')}; your roles: ${principal.roles.join(', ') || 'none'}.`));
        }
        if (principal.clientId) clientKey = `client:${principal.clientId}`;
      } catch (error) {
        // Refused tokens count against the client's limit too: a flood of forged tokens gets 429 like any other.
        const flood = options.limits?.client.take(clientKey);
        if (flood && !flood.ok) return tooMany(request, reply, flood.retryAfterSeconds, 'This client');
        return sendProblem(request, reply, problemFor(error));
      }
    } else {
      // Open311 clients are told apart by their api_key (hashed: keys are not kept in memory).
      const key = new URLSearchParams(request.url.split('?')[1] ?? '').get('api_key') ?? (request.headers['x-api-key'] as string | undefined);
      if (key) clientKey = `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
    }
    const client = options.limits?.client.take(clientKey);
    if (client && !client.ok) return tooMany(request, reply, client.retryAfterSeconds, 'This client');
    const target = new URL(request.url, options.upstreams[route.upstream]);
    const body = request.body as Buffer | undefined;
    const headers = forwardable(request.headers);
    headers['x-forwarded-for'] = request.ip;
    // Where the client reached us (services that print their own public URL, e.g. Open311 discovery, read it).
    headers['x-forwarded-host'] = request.headers.host ?? '';
    headers['x-forwarded-proto'] = request.protocol;
    headers['x-request-id'] = requestId;
    // Only the body Fastify actually read is forwarded (none for GET/HEAD), so the length must match it.
    delete headers['content-length'];
    if (body) headers['content-length'] = String(body.length);

    return new Promise<FastifyReply>((resolve) => {
      const upstreamRequest = httpRequest(
        target,
        { method: request.method, headers, agent, timeout: options.timeoutMs },
        (response) => {
          void reply.status(response.statusCode ?? 502).headers(forwardable(response.headers));
          resolve(reply.send(response));
        },
      );
      upstreamRequest.on('timeout', () => upstreamRequest.destroy(new Error('upstream timeout')));
      // A client that goes away frees the upstream socket too.
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) upstreamRequest.destroy(new Error('client closed'));
      });
      upstreamRequest.on('error', (error) => {
        // The client went away (e.g. a closed event stream), or the answer had started: nothing more to send.
        if (error.message === 'client closed' || reply.sent || reply.raw.headersSent) {
          if (!reply.raw.writableEnded) reply.raw.destroy();
          return;
        }
        options.logger.warn({ err: error, upstream: route.upstream }, 'upstream request failed');
        const timedOut = error.message === 'upstream timeout';
        resolve(
          sendProblem(
            request,
            reply,
            timedOut
              ? new HttpProblem(504, 'upstream-timeout', 'The service did not answer in time.', `${route.upstream} timed out.`)
              : Problems.unavailable(`The ${route.upstream} service cannot be reached.`),
          ),
        );
      });
      upstreamRequest.end(body);
    });
  };
}
