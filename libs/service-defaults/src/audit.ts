import { CallHandler, Controller, ExecutionContext, Get, Inject, Injectable, NestInterceptor, Param, Query, Res, UseGuards } from '@nestjs/common';
import { hasRole, Principal } from '@duban/auth';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { Observable, tap } from 'rxjs';
import { PollingLoop } from '@duban/messaging';
import { valuesOf } from '@duban/persistence';
import type { DataSource } from 'typeorm';
import { BearerAuthGuard, CurrentPrincipal, problemFor } from './http';
import { csvText } from './csv';
import { Problems } from './problem';
import { ServiceRuntime } from './runtime';

export interface AuditEntry {
  at: Date;
  actor: string;
  subject: string;
  roles: string[];
  unitId: string | null;
  ip: string | null;
  method: string;
  path: string;
  status: number;
  requestId: string | null;
}

const GENESIS = '0'.repeat(64);

/** The hash of an entry: SHA-256 over the previous hash and the entry's fields in a fixed order. */
export function entryHash(prev: string, e: AuditEntry): string {
  const fields = [e.at.toISOString(), e.actor, e.subject, [...e.roles].sort().join(','), e.unitId ?? '', e.ip ?? '', e.method, e.path, String(e.status), e.requestId ?? ''];
  return createHash('sha256').update(`${prev}\n${JSON.stringify(fields)}`).digest('hex');
}

interface Row {
  seq: string;
  at: Date;
  actor: string;
  subject: string;
  roles: string[];
  unit_id: string | null;
  ip: string | null;
  method: string;
  path: string;
  status: number;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

const entryOf = (r: Row): AuditEntry => ({
  at: r.at,
  actor: r.actor,
  subject: r.subject,
  roles: r.roles,
  unitId: r.unit_id,
  ip: r.ip,
  method: r.method,
  path: r.path,
  status: r.status,
  requestId: r.request_id,
});

/** Writes entries, links them into the chain in the background, and verifies the chain. */
export class AuditLog {
  constructor(private readonly dataSource: DataSource) {}

  /** Records an entry at once (one insert, no lock); the chainer links it into the chain shortly after. */
  async append(e: AuditEntry): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO audit_log (at, actor, subject, roles, unit_id, ip, method, path, status, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [e.at, e.actor, e.subject, e.roles, e.unitId, e.ip, e.method, e.path, e.status, e.requestId],
    );
  }

  /**
   * Links the entries written since into the chain, in the order it finds them (`chain_pos`): one
   * chainer at a time (an advisory lock; other replicas skip), at most `limit` per call. Returns how many.
   */
  async chain(limit = 1000): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const [{ locked }] = await tx.query(`SELECT pg_try_advisory_xact_lock(hashtext('duban.audit_log')) AS locked`);
      if (!locked) return 0;
      const [last] = await tx.query(`SELECT hash, chain_pos FROM audit_log WHERE chain_pos IS NOT NULL ORDER BY chain_pos DESC LIMIT 1`);
      let prev: string = last?.hash ?? GENESIS;
      let pos = Number(last?.chain_pos ?? 0);
      const rows: Row[] = await tx.query(`SELECT * FROM audit_log WHERE hash IS NULL ORDER BY seq LIMIT $1 FOR UPDATE`, [limit]);
      const updates: [string, string, string, number][] = [];
      for (const r of rows) {
        const hash = entryHash(prev, entryOf(r));
        pos += 1;
        updates.push([r.seq, prev, hash, pos]);
        prev = hash;
      }
      if (updates.length > 0) {
        await tx.query(
          `UPDATE audit_log a SET prev_hash = u.prev_hash, hash = u.hash, chain_pos = u.chain_pos
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS u (seq, prev_hash, hash, chain_pos)
            WHERE a.seq = u.seq`,
          [updates.map((u) => u[0]), updates.map((u) => u[1]), updates.map((u) => u[2]), updates.map((u) => u[3])],
        );
      }
      return rows.length;
    });
  }

  /** Recomputes the whole chain; the first entry whose hash or link does not hold is where it was tampered with. */
  async verify(): Promise<{ entries: number; ok: boolean; brokenAt: number | null; reason: string | null; pending: number }> {
    let prev = GENESIS;
    let entries = 0;
    let after = 0;
    const [{ pending }] = await this.dataSource.query(`SELECT count(*)::int AS pending FROM audit_log WHERE hash IS NULL`);
    for (;;) {
      const rows: (Row & { chain_pos: string })[] = await this.dataSource.query(`SELECT * FROM audit_log WHERE chain_pos > $1 ORDER BY chain_pos LIMIT 5000`, [after]);
      if (rows.length === 0) break;
      for (const r of rows) {
        entries += 1;
        if (Number(r.chain_pos) !== after + 1) return { entries, ok: false, brokenAt: Number(r.seq), reason: 'an entry before this one is missing from the chain (removed)', pending };
        if (r.prev_hash !== prev) return { entries, ok: false, brokenAt: Number(r.seq), reason: 'the link to the previous entry does not match (an entry was removed or reordered)', pending };
        if (entryHash(prev, entryOf(r)) !== r.hash) return { entries, ok: false, brokenAt: Number(r.seq), reason: 'the entry does not match its hash (it was changed)', pending };
        prev = r.hash;
        after = Number(r.chain_pos);
      }
    }
    return { entries, ok: true, brokenAt: null, reason: null, pending };
  }

  /** Newest first; `before` (a seq, the cursor of the previous page) continues below it. */
  query(filter: { from?: Date; to?: Date; actor?: string; limit: number; before?: string }): Promise<Row[]> {
    return this.dataSource.query(
      `SELECT seq, at, actor, roles, unit_id, ip, method, path, status, request_id, hash FROM audit_log
        WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::timestamptz IS NULL OR at < $2) AND ($3::text IS NULL OR actor = $3)
          AND ($5::bigint IS NULL OR seq < $5)
        ORDER BY seq DESC LIMIT $4`,
      [filter.from ?? null, filter.to ?? null, filter.actor ?? null, filter.limit, filter.before ?? null],
    );
  }
}

/**
 * The worker of every domain service that writes the audit entries of requests in batches (one
 * multi-row insert a second, so a request costs the database almost nothing extra) and links them
 * into the chain. `stop()` writes what is buffered and chains it.
 */
export class AuditChainer {
  private buffer: AuditEntry[] = [];
  private readonly loop: PollingLoop;
  private readonly log: AuditLog;

  constructor(
    private readonly dataSource: DataSource,
    onError: (error: unknown) => void,
  ) {
    this.log = new AuditLog(dataSource);
    this.loop = new PollingLoop(async () => (await this.flush()) + (await this.log.chain()), 1000, onError);
  }

  record(entry: AuditEntry): void {
    this.buffer.push(entry);
  }

  async flush(): Promise<number> {
    const batch = this.buffer.splice(0, 1000);
    if (batch.length === 0) return 0;
    const rows = valuesOf(batch.map((e) => [e.at, e.actor, e.subject, e.roles, e.unitId, e.ip, e.method, e.path, e.status, e.requestId]));
    await this.dataSource.query(`INSERT INTO audit_log (at, actor, subject, roles, unit_id, ip, method, path, status, request_id) VALUES ${rows.sql}`, rows.params);
    return batch.length;
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    while ((await this.flush()) > 0);
    while ((await this.log.chain()) > 0);
  }
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Records every state-changing request that reached a controller — who (user, subject, roles,
 * unit), when, what (method, path), from where (the client address the gateway saw), the outcome
 * — including the refused ones (4xx), in the service's own hash-chained audit log.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(@Inject(AuditChainer) private readonly audit: AuditChainer) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    if (!CHANGES.has(request.method)) return next.handle();
    const record = (status: number) => {
      const p = request.principal;
      const forwarded = request.headers['x-forwarded-for'];
      const entry: AuditEntry = {
        at: new Date(),
        actor: p?.username ?? 'anonymous',
        subject: p?.subject ?? 'anonymous',
        roles: p?.roles ?? [],
        unitId: p?.homeUnitId ?? p?.unitId ?? null,
        ip: (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0].trim() ?? request.ip ?? null,
        method: request.method,
        path: request.url.split('?')[0].slice(0, 500),
        status,
        requestId: (request.headers['x-request-id'] as string | undefined)?.slice(0, 100) ?? null,
      };
      this.audit.record(entry);
    };
    return next.handle().pipe(
      tap({
        next: () => record(context.switchToHttp().getResponse<FastifyReply>().statusCode ?? 200),
        // The status the caller is answered (the same mapping as the exception filter: a validation or body-size error is 400 / 413).
        error: (error: unknown) => record(problemFor(error).status),
      }),
    );
  }
}

const ISO = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

/** The audit trail of this service, for supervisors and administrators: query, export (CSV) and verify the chain. */
@Controller('api/v1/audit')
@UseGuards(BearerAuthGuard)
export class AuditController {
  constructor(@Inject(ServiceRuntime) private readonly runtime: ServiceRuntime) {}

  @Get(':service')
  async list(
    @Param('service') service: string,
    @Query('from') from: string | undefined,
    @Query('to') to: string | undefined,
    @Query('actor') actor: string | undefined,
    @Query('format') format: string | undefined,
    @Query('limit') limitText: string | undefined,
    @Query('cursor') cursor: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    this.check(service, principal);
    if (from !== undefined && !(ISO.test(from) && !Number.isNaN(Date.parse(from)))) throw Problems.field('from', 'an ISO 8601 date or time');
    if (to !== undefined && !(ISO.test(to) && !Number.isNaN(Date.parse(to)))) throw Problems.field('to', 'an ISO 8601 date or time');
    if (format !== undefined && format !== 'json' && format !== 'csv') throw Problems.field('format', 'json or csv');
    // One page per call (newest first), so what a call costs is bounded; `next` is the cursor of the
    // page after it. The CSV export takes up to 10,000 entries at once.
    const limit = limitText === undefined ? 200 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw Problems.field('limit', 'a whole number from 1 to 1000');
    if (cursor !== undefined && !/^[1-9][0-9]{0,17}$/.test(cursor)) throw Problems.field('cursor', 'the next value of a previous page');
    const pageSize = format === 'csv' ? 10_000 : limit;
    const rows = await new AuditLog(this.runtime.dataSource).query({ from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined, actor, limit: pageSize, before: cursor });
    if (format === 'csv') {
      const head = ['seq', 'at', 'actor', 'roles', 'unit_id', 'ip', 'method', 'path', 'status', 'request_id', 'hash'];
      void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="audit-${service}.csv"`);
      return csvText([head, ...rows.map((r) => head.map((h) => (r as unknown as Record<string, unknown>)[h]))]);
    }
    return { service, entries: rows.map((r) => ({ ...r, seq: Number(r.seq) })), next: rows.length === pageSize ? String(rows[rows.length - 1].seq) : null };
  }

  @Get(':service/verify')
  async verify(@Param('service') service: string, @CurrentPrincipal() principal: Principal) {
    this.check(service, principal);
    return { service, ...(await new AuditLog(this.runtime.dataSource).verify()) };
  }

  private check(service: string, principal: Principal): void {
    if (service !== this.runtime.options.service) throw Problems.notFound('This audit trail');
    if (!hasRole(principal, 'supervisor', 'admin')) throw Problems.forbidden('The audit trail is for supervisors and administrators.');
  }
}
