import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, csvCell, CurrentPrincipal, Problems, ServiceRuntime } from '@duban/service-defaults';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { csvRows, ImportRunner } from '../application/import-runner';
import { ImportFormat, missingColumns, unknownColumns } from '../domain/import-format';

export const MAX_IMPORT_ROWS = 100_000;
const idPipe = () => new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This import') });
const field = Problems.field;

/**
 * Bulk import (批量导入) of CSV files — Duban's own format or the Boston 311
 * export — by dispatchers and administrators: uploaded, then worked through in
 * the background with progress, a per-row report, and a resume after a crash.
 */
@Controller('api/v1/imports')
@UseGuards(BearerAuthGuard)
export class ImportsController {
  constructor(
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
    @Inject(ImportRunner) private readonly runner: ImportRunner,
  ) {}

  /** The body is the CSV file itself (`content-type: text/csv`); `format` is `duban` or `boston`. */
  @Post()
  @HttpCode(202)
  async upload(
    @Body() body: unknown,
    @Query('format') format: string | undefined,
    @Query('name') name: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    this.mayImport(principal);
    if (format !== 'duban' && format !== 'boston') throw field('format', 'must be duban or boston (query parameter)');
    if (typeof body !== 'string') throw Problems.unsupportedMediaType();
    if (name !== undefined && (name.length > 200 || name.includes('\u0000'))) throw field('name', 'must be at most 200 characters');
    let parsed: ReturnType<typeof csvRows>;
    try {
      parsed = csvRows(body);
    } catch (error) {
      throw field('file', `is not a readable CSV file: ${(error as Error).message.slice(0, 200)}`);
    }
    const missing = missingColumns(format, parsed.header);
    const unknown = unknownColumns(format, parsed.header);
    if (missing.length > 0 || unknown.length > 0) {
      throw Problems.validation([
        ...missing.map((c) => ({ pointer: `/header/${c}`, field: c, detail: 'column is missing from the header row' })),
        ...unknown.map((c) => ({ pointer: `/header/${c}`, field: c, detail: `unknown column for the ${format} format` })),
      ]);
    }
    if (parsed.rows.length === 0) throw field('file', 'has a header but no rows');
    if (parsed.rows.length > MAX_IMPORT_ROWS) throw field('file', `has ${parsed.rows.length} rows; at most ${MAX_IMPORT_ROWS} per import`);
    const id = randomUUID();
    await this.runtime.dataSource.query(
      `INSERT INTO imports (id, format, file_name, content, total_rows, created_by, created_subject) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, format as ImportFormat, name ?? null, body, parsed.rows.length, principal.username, principal.subject],
    );
    this.runner.wake();
    void reply.header('location', `/api/v1/imports/${id}`);
    return this.progress(id, principal);
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    this.mayImport(principal);
    const rows = await this.runtime.dataSource.query(
      `SELECT id FROM imports WHERE $1 OR created_subject = $2 ORDER BY created_at DESC LIMIT 100`,
      [hasRole(principal, 'admin'), principal.subject],
    );
    return { imports: await Promise.all(rows.map((r: { id: string }) => this.progress(r.id, principal))) };
  }

  /** Progress: rows done of all, and how many were accepted, linked as duplicates or rejected. */
  @Get(':id')
  async get(@Param('id', idPipe()) id: string, @CurrentPrincipal() principal: Principal) {
    this.mayImport(principal);
    return this.progress(id, principal);
  }

  /** The per-row report as JSON: `outcome=rejected` for what was refused and why. */
  @Get(':id/rows')
  async rows(
    @Param('id', idPipe()) id: string,
    @Query('outcome') outcome: string | undefined,
    @Query('offset') offset: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    this.mayImport(principal);
    await this.progress(id, principal);
    if (outcome !== undefined && !['accepted', 'linked', 'rejected'].includes(outcome)) throw field('outcome', 'must be accepted, linked or rejected');
    const from = offset === undefined ? 0 : Number(offset);
    if (!Number.isInteger(from) || from < 0) throw field('offset', 'must be a whole number ≥ 0');
    const rows = await this.runtime.dataSource.query(
      `SELECT row_number AS "row", outcome, case_id AS "caseId", reference, errors FROM import_rows
        WHERE import_id = $1 AND ($2::text IS NULL OR outcome = $2) ORDER BY row_number OFFSET $3 LIMIT 1000`,
      [id, outcome ?? null, from],
    );
    return { importId: id, offset: from, rows };
  }

  /** The per-row report as CSV (row, line, outcome, case, reference, problems). */
  @Get(':id/report.csv')
  async report(@Param('id', idPipe()) id: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    this.mayImport(principal);
    await this.progress(id, principal);
    const rows: { row: number; outcome: string; caseId: string | null; reference: string | null; errors: { field: string; detail: string; line: number }[] | null }[] =
      await this.runtime.dataSource.query(
        `SELECT row_number AS "row", outcome, case_id AS "caseId", reference, errors FROM import_rows WHERE import_id = $1 ORDER BY row_number`,
        [id],
      );
    const lines = ['row,line,outcome,case_id,reference,problems'];
    for (const r of rows) {
      const problems = (r.errors ?? []).map((e) => `${e.field}: ${e.detail}`).join('; ');
      lines.push([r.row, r.errors?.[0]?.line ?? '', r.outcome, r.caseId, r.reference, problems].map(csvCell).join(','));
    }
    void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="import-${id}-report.csv"`);
    return `${lines.join('\r\n')}\r\n`;
  }

  private mayImport(principal: Principal): void {
    if (!hasRole(principal, 'dispatcher', 'admin')) throw Problems.forbidden('Only dispatchers and administrators import cases.');
  }

  private async progress(id: string, principal: Principal) {
    const [job] = await this.runtime.dataSource.query(
      `SELECT i.id, i.format, i.file_name AS "fileName", i.status, i.error, i.total_rows AS "totalRows", i.created_by AS "createdBy",
              i.created_subject AS "createdSubject", i.created_at AS "createdAt", i.started_at AS "startedAt", i.finished_at AS "finishedAt",
              count(r.row_number)::int AS "processedRows",
              (count(*) FILTER (WHERE r.outcome = 'accepted'))::int AS accepted,
              (count(*) FILTER (WHERE r.outcome = 'linked'))::int AS linked,
              (count(*) FILTER (WHERE r.outcome = 'rejected'))::int AS rejected
         FROM imports i LEFT JOIN import_rows r ON r.import_id = i.id WHERE i.id = $1 GROUP BY i.id`,
      [id],
    );
    if (!job || (job.createdSubject !== principal.subject && !hasRole(principal, 'admin'))) throw Problems.notFound('This import');
    const { createdSubject, ...visible } = job;
    void createdSubject;
    return { ...visible, percent: Math.floor((100 * job.processedRows) / job.totalRows) };
  }
}
