import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { Problems } from '@duban/service-defaults';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { documentXml, splitFormat } from '../domain/open311';
import { OPEN311_CONFIG, Open311Config } from './open311.controller';

/**
 * When this endpoint's GeoReport surface last changed (discovery's `changeset`): a client that
 * cached the discovery document reads it again when this moves. Change it with the surface.
 */
export const OPEN311_CHANGESET = '2026-12-03T00:00:00Z';
export const GEOREPORT_V2_SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';

/** A Host header as a URL authority, or nothing when it is not one (it comes from the client). */
const AUTHORITY = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * GeoReport v2 Service Discovery (https://wiki.open311.org/Service_discovery) at
 * /open311/discovery.json and .xml: the endpoint, its specification, type and formats, whom to
 * ask, and where a key comes from. A client starts here.
 */
@Controller('open311')
export class Open311DiscoveryController {
  constructor(@Inject(OPEN311_CONFIG) private readonly config: Open311Config) {}

  @Get(':file')
  discovery(@Param('file') file: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const parsed = splitFormat(file);
    if (!parsed || parsed.name !== 'discovery') throw Problems.notFound('This Open311 resource');
    const document = {
      changeset: OPEN311_CHANGESET,
      contact: this.config.contact,
      key_service: this.config.keyService,
      endpoints: [
        {
          specification: GEOREPORT_V2_SPECIFICATION,
          url: `${this.publicUrl(request)}/open311/v2`,
          changeset: OPEN311_CHANGESET,
          type: this.config.endpointType,
          formats: ['text/xml', 'application/json'],
        },
      ],
    };
    void reply.header('cache-control', 'public, max-age=300');
    if (parsed.format === 'json') return document;
    void reply.header('content-type', 'application/xml; charset=utf-8');
    return documentXml('discovery', document);
  }

  /** The configured public URL, else where the client reached the gateway (it forwards the Host and scheme it saw). */
  private publicUrl(request: FastifyRequest): string {
    if (this.config.publicUrl) return this.config.publicUrl.replace(/\/$/, '');
    const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.split(',')[0].trim();
    const host = first(request.headers['x-forwarded-host']) || first(request.headers.host);
    const proto = first(request.headers['x-forwarded-proto']) === 'https' ? 'https' : 'http';
    return `${proto}://${host && AUTHORITY.test(host) ? host : 'localhost'}`;
  }
}
