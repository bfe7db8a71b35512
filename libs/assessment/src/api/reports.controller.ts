import { Controller, Get, Inject, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, ServiceRuntime } from '@duban/service-defaults';
import { IndexWeights, isDay, periodRange } from '../domain/kpi';
import { buildReport, renderHtml, toCsv } from '../domain/report';
import { UnitDays } from '../infrastructure/unit-days';
import { renderPdf } from '../infrastructure/report-pdf';
import { KPI_WEIGHTS } from './kpis.controller';

export const ORGANISATION_NAME = Symbol('ORGANISATION_NAME');
const FORMATS = ['html', 'pdf', 'json', 'csv'];
const TABLES = ['units', 'categories'];

/** The quarterly efficiency report (季度效能报告) as HTML (inline charts), PDF, JSON, or CSV per table. */
@Controller('api/v1/assessment/reports')
@UseGuards(BearerAuthGuard)
export class ReportsController {
  constructor(
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
    @Inject(UnitDays) private readonly days: UnitDays,
    @Inject(KPI_WEIGHTS) private readonly weights: IndexWeights,
    @Inject(ORGANISATION_NAME) private readonly organisation: string,
  ) {}

  @Get('quarterly')
  async quarterly(
    @Query('at') at: string | undefined,
    @Query('format') format: string | undefined,
    @Query('table') table: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!hasRole(principal, 'assessor', 'supervisor', 'admin')) throw Problems.forbidden('Reports are for assessors and supervisors.');
    const f = format ?? 'html';
    if (!FORMATS.includes(f)) throw Problems.field('format', `one of ${FORMATS.join(', ')}`);
    if (f === 'csv' && (!table || !TABLES.includes(table))) throw Problems.field('table', `one of ${TABLES.join(', ')} (CSV is one table)`);
    if (at !== undefined && !isDay(at)) throw Problems.field('at', 'a date as YYYY-MM-DD');
    const day = at ?? this.days.today(new Date());
    const { from, to } = periodRange('quarter', day);
    const quarter = `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
    const report = buildReport({
      organisation: this.organisation,
      quarter,
      from,
      to,
      units: await this.days.sum(this.runtime.dataSource, from, to),
      categories: await this.days.categories(this.runtime.dataSource, from, to),
      weights: this.weights,
    });
    if (f === 'json') return report;
    if (f === 'pdf') {
      void reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="efficiency-${quarter}.pdf"`);
      return renderPdf(report);
    }
    if (f === 'csv') {
      void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="efficiency-${quarter}-${table}.csv"`);
      return toCsv(report, table as 'units' | 'categories');
    }
    void reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:").header('x-content-type-options', 'nosniff');
    return renderHtml(report);
  }
}
