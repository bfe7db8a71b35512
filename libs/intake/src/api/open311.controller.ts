import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { forDisplay, HttpProblem, Problems } from '@duban/service-defaults';
import type { FastifyReply } from 'fastify';
import { CaseIntake } from '../application/case-intake';
import { attributeInSpecOrder, documentXml, Format, open311Status, Open311Request, Open311Service, readAttributes, readSubmission, splitFormat, statusNotes, toXml } from '../domain/open311';
import { randomUUID } from 'node:crypto';
import { CaseRepository, ListedCategory } from '../infrastructure/case.repository';
import { Open311Repository, RequestRow } from '../infrastructure/open311.repository';

export const OPEN311_CONFIG = Symbol('OPEN311_CONFIG');
export interface Open311Config {
  jurisdictionId: string;
  /** Discovery: whom a client's developer asks, and how a key is obtained. */
  contact: string;
  keyService: string;
  /** Discovery: `production` or `test` (a demo or staging install). */
  endpointType: 'production' | 'test';
  /** The public base URL clients use (e.g. https://311.example.gov); unset: where they reached the gateway. */
  publicUrl?: string;
}

type Query = Record<string, string | string[] | undefined>;

const DAY = 86_400_000;
const MAX_REQUESTS = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const field = Problems.field;
const notFound = (what: string) => Problems.notFound(what);

/**
 * Open311 GeoReport v2 on intake (https://wiki.open311.org/GeoReport_v2): services
 * are the taxonomy's sub-classes; requests are the public cases (web, app and
 * Open311 channels). Reading needs no credentials; POST needs a client's api_key.
 * Errors are GeoReport's error list naming the field (`sendProblem`, libs/service-defaults).
 */
@Controller('open311/v2')
export class Open311Controller {
  constructor(
    @Inject(CaseRepository) private readonly cases: CaseRepository,
    @Inject(Open311Repository) private readonly open311: Open311Repository,
    @Inject(CaseIntake) private readonly intake: CaseIntake,
    @Inject(OPEN311_CONFIG) private readonly config: Open311Config,
  ) {}

  /** GET services.{format} and GET requests.{format}. */
  @Get(':file')
  async list(@Param('file') file: string, @Query() query: Query, @Res({ passthrough: true }) reply: FastifyReply) {
    const { name, format } = this.fileOf(file);
    this.checkJurisdiction(query.jurisdiction_id);
    if (name === 'services') {
      const services = [...(await this.cases.allCategories()).values()].map(serviceOf);
      return this.send(reply, format, 'services', 'service', services);
    }
    if (name === 'requests') {
      const rows = await this.open311.requests(this.requestFilter(query));
      return this.send(reply, format, 'service_requests', 'request', await this.requestsOf(rows));
    }
    throw notFound('This Open311 resource');
  }

  /** GET services/{service_code}.{format}: the service definition — the attributes (`attribute[code]`) the service asks for. */
  @Get('services/:file')
  async service(@Param('file') file: string, @Query() query: Query, @Res({ passthrough: true }) reply: FastifyReply) {
    const { name, format } = this.fileOf(file);
    this.checkJurisdiction(query.jurisdiction_id);
    const category = (await this.cases.allCategories()).get(name);
    if (!category) throw notFound(`Service "${name}"`);
    const definition = { service_code: name, attributes: [...category.open311Attributes].sort((a, b) => (a.order ?? 0) - (b.order ?? 0)).map(attributeInSpecOrder) };
    if (format === 'xml') return this.xml(reply, documentXml('service_definition', definition));
    return definition;
  }

  /** GET tokens/{token}.{format}: the service request a POST answered with a token for (asynchronous creation). */
  @Get('tokens/:file')
  async token(@Param('file') file: string, @Query() query: Query, @Res({ passthrough: true }) reply: FastifyReply) {
    const { name, format } = this.fileOf(file);
    this.checkJurisdiction(query.jurisdiction_id);
    const id = UUID.test(name) ? await this.open311.requestOfToken(name) : undefined;
    if (!id) throw notFound('This token');
    return this.send(reply, format, 'service_requests', 'request', [{ service_request_id: id, token: name }]);
  }

  /** GET requests/{service_request_id}.{format} (also request/…, as the published Swagger spells it). */
  @Get(['requests/:file', 'request/:file'])
  async request(@Param('file') file: string, @Query() query: Query, @Res({ passthrough: true }) reply: FastifyReply) {
    const { name, format } = this.fileOf(file);
    this.checkJurisdiction(query.jurisdiction_id);
    if (!UUID.test(name)) throw notFound('This service request');
    const rows = await this.open311.requests({ ids: [name], start: new Date(0), end: new Date(8.64e15), limit: 1 });
    if (rows.length === 0) throw notFound('This service request');
    return this.send(reply, format, 'service_requests', 'request', await this.requestsOf(rows));
  }

  /** POST requests.{format}: files a case for the client the api_key belongs to (200, as the published spec answers). */
  @Post(':file')
  @HttpCode(200)
  async create(@Param('file') file: string, @Body() body: unknown, @Query() query: Query, @Res({ passthrough: true }) reply: FastifyReply) {
    const { name, format } = this.fileOf(file);
    if (name !== 'requests') throw notFound('This Open311 resource');
    // The spec sends form fields; JSON bodies and query parameters are read the same way.
    const form = { ...(query as Record<string, unknown>), ...((body ?? {}) as Record<string, unknown>) };
    const { submission, errors, attributes } = readSubmission(form);
    const apiKey = typeof form.api_key === 'string' ? form.api_key : undefined;
    const client = apiKey ? await this.open311.clientFor(apiKey) : undefined;
    if (!client) throw new HttpProblem(403, 'invalid-api-key', 'A valid api_key is required.', 'api_key: missing, unknown or revoked; ask the operator of this Duban for a key.');
    this.checkJurisdiction(typeof form.jurisdiction_id === 'string' ? form.jurisdiction_id : undefined);
    // The service and its attributes are checked with the other fields, so one answer names every wrong field.
    const code = typeof form.service_code === 'string' ? form.service_code.trim() : '';
    const category = code ? (await this.cases.allCategories()).get(code) : undefined;
    if (code && !category) errors.push({ pointer: '/service_code', field: 'service_code', detail: `unknown service "${code.slice(0, 80)}"; services.${format} lists them` });
    const checked = category ? readAttributes(category.code, category.open311Attributes, attributes) : undefined;
    if (checked) errors.push(...checked.errors);
    if (!submission || !category || errors.length > 0) throw Problems.validation(errors);
    const given = submission.description ?? `${category.nameEn} reported via Open311`;
    const description = checked && checked.lines.length > 0 ? `${given}\n\n${checked.lines.join('\n')}` : given;
    const firstLine = given.split('\n')[0].slice(0, 150);
    const token = client.answersWithToken ? randomUUID() : undefined;
    const address = submission.address ?? (submission.addressId ? `address id ${submission.addressId}` : undefined);
    const created = await this.intake.file({
      body: {
        title: `${category.nameEn}: ${firstLine}`.slice(0, 200),
        description,
        category: category.code,
        location: { ...(address ? { address } : {}), ...(submission.point ? { point: submission.point } : {}) },
      },
      channel: 'open311',
      reporter: { subject: `open311:${client.id}`, username: client.name.slice(0, 100) },
      contact: submission.contact,
      sourceReference: `Open311 client ${client.name}`.slice(0, 200),
      alsoWrite: (tx, caseId) =>
        this.open311.addToCase(tx, caseId, { mediaUrl: submission.mediaUrl, attributes: checked?.values, ...(token ? { token: { token, clientId: client.id } } : {}) }),
    });
    if (!created) throw Problems.internal();
    // A client that asked for tokens gets one (GET tokens/{token} names the request); Duban files at once, so it resolves at once.
    const response = [
      {
        ...(token ? { token } : { service_request_id: created.id }),
        service_notice: token
          ? `Received as ${category.nameEn} (${category.nameZh}), tier ${created.tier}; tokens/${token}.${format} names the request`
          : `Received as ${category.nameEn} (${category.nameZh}), tier ${created.tier}; follow it at requests/${created.id}.${format}`,
        ...(submission.contact.accountId ? { account_id: submission.contact.accountId } : {}),
      },
    ];
    return this.send(reply, format, 'service_requests', 'request', response);
  }

  /**
   * POST requests/{service_request_id}/rating.{format} — a Duban extension of GeoReport v2 (which
   * has no rating call): the client that filed a resolved request rates it for its reporter with
   * `rating` 1–5 (5: very satisfied) and an optional `comment`. 202: assessment records it once,
   * for the latest resolution; an unsatisfied rating (1–2) reopens the case.
   */
  @Post('requests/:id/:file')
  @HttpCode(202)
  async rate(@Param('id') id: string, @Param('file') file: string, @Body() body: unknown, @Query() query: Query, @Res({ passthrough: true }) reply: FastifyReply) {
    const { name, format } = this.fileOf(file);
    if (name !== 'rating') throw notFound('This Open311 resource');
    const form = { ...(query as Record<string, unknown>), ...((body ?? {}) as Record<string, unknown>) };
    const apiKey = typeof form.api_key === 'string' ? form.api_key : undefined;
    const client = apiKey ? await this.open311.clientFor(apiKey) : undefined;
    if (!client) throw new HttpProblem(403, 'invalid-api-key', 'A valid api_key is required.', 'api_key: missing, unknown or revoked; ask the operator of this Duban for a key.');
    this.checkJurisdiction(form.jurisdiction_id);
    const rating = Number(form.rating);
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw field('rating', 'a whole number from 1 (very dissatisfied) to 5 (very satisfied)');
    const comment = form.comment === undefined ? undefined : String(form.comment);
    if (comment !== undefined && (comment.length === 0 || comment.length > 1000)) throw field('comment', '1 to 1000 characters');
    const stored = UUID.test(id) ? await this.cases.find(id) : undefined;
    // Only the client that filed it rates it; another client's request looks like no request at all.
    if (!stored || stored.reporterSubject !== `open311:${client.id}`) throw notFound('This service request');
    if (stored.view.status !== 'resolved') throw Problems.conflict(`The request is ${stored.view.status}; only a resolved request is rated.`);
    const level = (['very-dissatisfied', 'dissatisfied', 'neutral', 'satisfied', 'very-satisfied'] as const)[rating - 1];
    await this.open311.submitRating(id, { reporterSubject: stored.reporterSubject, level, ...(comment ? { comment } : {}), via: 'open311' });
    return this.send(reply, format, 'service_requests', 'request', [{ service_request_id: id, service_notice: `Rating ${rating} received (${level}); it is recorded for the latest resolution.` }]);
  }

  // ---------------------------------------------------------------------------------------------

  private fileOf(file: string): { name: string; format: Format } {
    const parsed = splitFormat(file);
    if (!parsed) throw notFound('This Open311 resource (add .json or .xml)');
    return parsed;
  }

  private checkJurisdiction(value: unknown): void {
    if (value === undefined || value === '') return;
    if (value !== this.config.jurisdictionId) {
      throw new HttpProblem(404, 'unknown-jurisdiction', 'Unknown jurisdiction.', `jurisdiction_id: this endpoint serves "${this.config.jurisdictionId}"`, [
        { pointer: '/jurisdiction_id', field: 'jurisdiction_id', detail: `this endpoint serves "${this.config.jurisdictionId}"` },
      ]);
    }
  }

  private requestFilter(query: Query) {
    const one = (name: string): string | undefined => {
      const v = query[name];
      if (Array.isArray(v)) throw field(name, 'must be given once');
      return v === '' ? undefined : v;
    };
    const list = (name: string, max: number): string[] | undefined => {
      const v = one(name);
      if (v === undefined) return undefined;
      const items = v.split(',').map((s) => s.trim()).filter(Boolean);
      if (items.length > max) throw field(name, `at most ${max} values`);
      return items;
    };
    const date = (name: string): Date | undefined => {
      const v = one(name);
      if (v === undefined) return undefined;
      const d = new Date(v);
      if (Number.isNaN(d.getTime()) || v.length > 40) throw field(name, 'must be a W3C date-time, e.g. 2026-11-01T00:00:00Z');
      return d;
    };
    const ids = list('service_request_id', 100);
    if (ids?.some((id) => !UUID.test(id))) throw field('service_request_id', 'must be service request ids returned by this endpoint');
    const statuses = list('status', 2);
    if (statuses?.some((s) => s !== 'open' && s !== 'closed')) throw field('status', 'must be open, closed or open,closed');
    // The spec's default: the last 90 days, and at most 90 days at a time.
    const end = date('end_date') ?? new Date();
    const start = date('start_date') ?? new Date(end.getTime() - 90 * DAY);
    if (start > end) throw field('start_date', 'must not be after end_date');
    if (!ids && end.getTime() - start.getTime() > 90 * DAY) throw field('start_date', 'a query spans at most 90 days');
    return {
      ids,
      serviceCodes: list('service_code', 50),
      statuses: statuses as ('open' | 'closed')[] | undefined,
      start: ids ? new Date(0) : start,
      end: ids ? new Date(8.64e15) : end,
      limit: MAX_REQUESTS,
    };
  }

  private async requestsOf(rows: RequestRow[]): Promise<Open311Request[]> {
    const categories = await this.cases.allCategories();
    return rows.map((r) => ({
      service_request_id: r.id,
      status: open311Status(r.status),
      status_notes: statusNotes(r.status, r.unit_name),
      service_name: categories.get(r.category)?.nameEn ?? null,
      service_code: r.category,
      description: forDisplay(r.description).slice(0, 4000),
      agency_responsible: r.unit_name,
      service_notice: r.deadline ? `Time limit of the current stage: ${r.deadline.toISOString()}` : null,
      requested_datetime: r.received_at.toISOString(),
      // A linked repeat shows its original's progress, which may predate the repeat itself: never before it was requested.
      updated_datetime: new Date(Math.max((r.updated_at ?? r.received_at).getTime(), r.received_at.getTime())).toISOString(),
      expected_datetime: r.deadline ? r.deadline.toISOString() : null,
      address: forDisplay(r.location?.address ?? null),
      address_id: null,
      zipcode: null,
      lat: r.location?.point?.lat ?? null,
      long: r.location?.point?.lon ?? null,
      media_url: r.media_url,
    }));
  }

  private send(reply: FastifyReply, format: Format, root: string, item: string, items: object[]) {
    return format === 'xml' ? this.xml(reply, toXml(root, item, items)) : items;
  }

  private xml(reply: FastifyReply, text: string): string {
    void reply.header('content-type', 'application/xml; charset=utf-8');
    return text;
  }
}

function serviceOf(c: ListedCategory): Open311Service {
  const keywords = [...(c.keywords.en ?? []), ...(c.keywords.zh ?? [])];
  return {
    service_code: c.code,
    service_name: c.nameEn,
    description: `${c.nameEn} (${c.nameZh}); tier ${c.tier}`,
    // True: services/{code} defines attributes for this service.
    metadata: c.open311Attributes.length > 0,
    type: 'realtime',
    keywords: keywords.length > 0 ? keywords.join(',') : null,
    group: c.classNameEn,
  };
}
