import { Controller, Get, Inject, RequestMethod, Type as NestType } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { NoBodyPipe, SchemaPipe } from './http';

/** OpenAPI 3.1 operations of a set of controllers, read from their Nest metadata (paths, methods, parameters, body schemas). */
export type OpenApiPaths = Record<string, Record<string, Record<string, unknown>>>;

const METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};
const BODY = 3;
const QUERY = 4;
const PARAM = 5;
const HEADERS = 6;

const join = (...parts: string[]) => `/${parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
const asOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const words = (name: string) => name.replace(/([A-Z])/g, ' $1').toLowerCase().trim();

/** The operations of `controllers` under `/api/v1` and `/open311` (the public API), tagged with the owning service. */
export function describeControllers(service: string, controllers: readonly NestType<unknown>[]): OpenApiPaths {
  const paths: OpenApiPaths = {};
  for (const controller of controllers) {
    const bases = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || typeof proto[name] !== 'function') continue;
      const handler = proto[name] as object;
      const method = METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const subPaths = [Reflect.getMetadata(PATH_METADATA, handler)].flat() as (string | undefined)[];
      if (!method || subPaths[0] === undefined) continue;
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, { index: number; data?: string; pipes?: unknown[] }>;
      const parameters: Record<string, unknown>[] = [];
      let body: unknown;
      for (const [key, arg] of Object.entries(args)) {
        const kind = Number(key.split(':')[0]);
        const schema = (arg.pipes ?? []).find((p): p is SchemaPipe<never> => p instanceof SchemaPipe)?.schema;
        const noBody = (arg.pipes ?? []).some((p) => (p as unknown) === NoBodyPipe || p instanceof NoBodyPipe);
        if (kind === BODY && !noBody) body = schema ?? { type: 'object' };
        if (kind === QUERY && arg.data) parameters.push({ name: arg.data, in: 'query', required: false, schema: schema ?? { type: 'string' } });
        if (kind === PARAM && arg.data) parameters.push({ name: arg.data, in: 'path', required: true, schema: schema ?? { type: 'string' } });
        if (kind === HEADERS && arg.data && arg.data.toLowerCase() !== 'authorization') parameters.push({ name: arg.data, in: 'header', required: false, schema: { type: 'string' } });
      }
      for (const base of bases) {
        for (const sub of subPaths) {
          const path = asOpenApiPath(join(base, sub ?? ''));
          if (!path.startsWith('/api/v1/') && !path.startsWith('/open311/')) continue;
          const operation: Record<string, unknown> = {
            tags: [service],
            operationId: `${service}.${controller.name.replace(/Controller$/, '')}.${name}`,
            summary: words(name),
            ...(parameters.length ? { parameters } : {}),
            ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
            responses: {
              [method === 'post' ? '2XX' : '200']: { description: 'Done', content: { 'application/json': { schema: { type: 'object' } } } },
              // GeoReport v2 clients read the spec's error list under /open311/ (georeport.ts); the rest of the API answers RFC 9457.
              '4XX': { $ref: path.startsWith('/open311/') ? '#/components/responses/GeoReportErrors' : '#/components/responses/Problem' },
            },
            ...(path.startsWith('/open311/') || path.startsWith('/api/v1/ratings/by-link') ? { security: [] } : {}),
          };
          (paths[path] ??= {})[method] = operation;
        }
      }
    }
  }
  return paths;
}

export const OPENAPI_CONTROLLERS = Symbol('OPENAPI_CONTROLLERS');

/** Each service answers its own part of the public API's description; the gateway merges them into /openapi.json. */
@Controller()
export class OpenApiFragmentController {
  constructor(@Inject(OPENAPI_CONTROLLERS) private readonly described: { service: string; controllers: NestType<unknown>[] }) {}

  @Get('openapi-fragment.json')
  fragment() {
    return { service: this.described.service, paths: describeControllers(this.described.service, this.described.controllers) };
  }
}

/** The whole document around the services' paths. */
export function openApiDocument(paths: OpenApiPaths, version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Duban (督办) public API',
      version,
      description:
        'Every path of the platform, through the gateway. Errors are RFC 9457 problem+json naming the field (under /open311/, GeoReport v2\'s error list). Bearer tokens from the organisation\'s OIDC issuer (Keycloak).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, field: { type: 'string' }, detail: { type: 'string' } } } },
          },
        },
        GeoReportErrors: {
          type: 'array',
          minItems: 1,
          items: { type: 'object', required: ['code', 'description'], properties: { code: { type: 'integer' }, description: { type: 'string' } } },
        },
      },
      responses: {
        Problem: { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
        GeoReportErrors: {
          description: 'GeoReport v2 errors: one {code, description} per wrong field (description "field: what is wrong"); XML as <errors><error><code/><description/></error></errors>',
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/GeoReportErrors' } },
            'application/xml': { schema: { $ref: '#/components/schemas/GeoReportErrors' } },
          },
        },
      },
    },
  };
}
