import {
  ArgumentsHost,
  CanActivate,
  Catch,
  createParamDecorator,
  ExceptionFilter,
  ExecutionContext,
  HttpException,
  Injectable,
  PipeTransform,
} from '@nestjs/common';
import { assertValid, ValidationFailed } from '@duban/contracts';
import { InvalidToken, IssuerUnavailable, JwtVerifier, Principal } from '@duban/auth';
import type { Logger } from '@duban/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TSchema, Static } from '@sinclair/typebox';
import { sendProblem } from './georeport';
import { HttpProblem, Problems } from './problem';

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** Validates a request part against a contract schema; a bad one becomes a field-level 400. */
export class SchemaPipe<T extends TSchema> implements PipeTransform<unknown, Static<T>> {
  constructor(readonly schema: T) {}
  transform(value: unknown): Static<T> {
    return assertValid(this.schema, value);
  }
}

/**
 * For calls that take no body (sign-for, resume, remind, …): no body or `{}` passes; anything
 * else is a 400 naming what was sent, instead of being accepted and ignored.
 */
@Injectable()
export class NoBodyPipe implements PipeTransform<unknown, undefined> {
  transform(value: unknown): undefined {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value)) {
      const fields = Object.keys(value as Record<string, unknown>);
      if (fields.length === 0) return undefined;
      throw Problems.validation(fields.slice(0, 20).map((f) => ({ pointer: `/${f}`, field: f, detail: 'is not accepted: this call takes no body' })));
    }
    throw Problems.validation([{ pointer: '', field: '(body)', detail: 'this call takes no body' }]);
  }
}

/** Turns every error into RFC 9457 problem+json (GeoReport's error list under /open311/). Unknown errors are logged and answered 500. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = problemFor(error);
    if (problem.status >= 500) this.logger.error({ err: error, url: request.url }, 'request failed');
    sendProblem(request, reply, problem);
  }
}

/** The problem a user gets for an error: known errors by kind, anything else a 500. */
export function problemFor(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof ValidationFailed) return Problems.validation(error.errors);
  if (error instanceof InvalidToken) return Problems.unauthenticated(error.message);
  if (error instanceof IssuerUnavailable) return Problems.unavailable('The identity provider cannot be reached.');
  const fastifyError = error as { code?: string; statusCode?: number; message?: string };
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return Problems.tooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return Problems.unsupportedMediaType();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return Problems.validation([{ pointer: '', field: '(body)', detail: 'body is not valid JSON' }]);
  }
  // Text PostgreSQL cannot store (invalid byte sequences) is the input's fault, not ours.
  if (fastifyError.code === '22021' || fastifyError.code === '22P05') {
    return Problems.validation([{ pointer: '', field: '(body)', detail: 'text contains characters that cannot be stored' }]);
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return Problems.validation([{ pointer: '', field: '(body)', detail: fastifyError.message ?? 'malformed request' }]);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return new HttpProblem(404, 'not-found', 'Not found.', 'No such resource.');
    return new HttpProblem(status, `http-${status}`, error.message);
  }
  return Problems.internal();
}

/** Requires a valid bearer token; the verified principal is then available through @CurrentPrincipal(). */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly verifier: JwtVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.principal = await this.verifier.verify(request.headers.authorization);
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw Problems.unauthenticated('a bearer token is required');
  return principal;
});
