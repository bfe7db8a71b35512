import 'reflect-metadata';
import { Body, Controller, Get, Headers, Param, Post, Query } from '@nestjs/common';
import { Type } from '@sinclair/typebox';
import { SchemaPipe } from './http';
import { describeControllers, openApiDocument } from './openapi';

const Note = Type.Object({ text: Type.String({ minLength: 1 }) }, { additionalProperties: false });

@Controller('api/v1/things')
class ThingsController {
  @Get(':thingId')
  one(@Param('thingId') _id: string, @Query('format') _format?: string) {
    return {};
  }

  @Post(':thingId/notes')
  note(@Param('thingId') _id: string, @Body(new SchemaPipe(Note)) _body: unknown, @Headers('idempotency-key') _key?: string) {
    return {};
  }

  @Get('internal')
  listInternal() {
    return {};
  }
}

@Controller()
class OpsController {
  @Get('health/live')
  live() {
    return {};
  }
}

describe('the OpenAPI description read from the controllers', () => {
  it('lists each public operation with its path and query parameters and its body schema', () => {
    const paths = describeControllers('things', [ThingsController, OpsController]);
    expect(Object.keys(paths).sort()).toEqual(['/api/v1/things/internal', '/api/v1/things/{thingId}', '/api/v1/things/{thingId}/notes']);
    expect(paths['/api/v1/things/{thingId}'].get).toMatchObject({
      tags: ['things'],
      operationId: 'things.Things.one',
      parameters: expect.arrayContaining([
        { name: 'thingId', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'format', in: 'query', required: false, schema: { type: 'string' } },
      ]),
    });
    const post = paths['/api/v1/things/{thingId}/notes'].post as { requestBody: { content: { 'application/json': { schema: unknown } } }; parameters: unknown[] };
    expect(post.requestBody.content['application/json'].schema).toEqual(Note);
    expect(post.parameters).toContainEqual({ name: 'idempotency-key', in: 'header', required: false, schema: { type: 'string' } });
    const doc = openApiDocument(paths, '1.0.0');
    expect(doc).toMatchObject({ openapi: '3.1.0', components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } });
  });
});
