import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { LinkRatingRequest, RatingRequest } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, NoBodyPipe, Problems, SchemaPipe, ServiceRuntime } from '@duban/service-defaults';
import { Ratings } from '../application/ratings';

const caseIdPipe = () => new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This case') });

/** Ratings (评价) of resolved cases: the reporter rates, operators send signed links, oversight and the unit read them. */
@Controller('api/v1/assessment/ratings')
@UseGuards(BearerAuthGuard)
export class RatingsController {
  constructor(
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
    @Inject(Ratings) private readonly ratings: Ratings,
  ) {}

  /** The reporter rates the latest resolution of their own case, once. */
  @Post(':caseId')
  @HttpCode(201)
  rate(@Param('caseId', caseIdPipe()) caseId: string, @Body(new SchemaPipe(RatingRequest)) body: RatingRequest, @CurrentPrincipal() principal: Principal) {
    return this.ratings.rateAsReporter(principal, caseId, body);
  }

  /** A signed link for the reporter (by SMS or e-mail), valid until the rating window closes. */
  @Post(':caseId/link')
  @HttpCode(201)
  link(@Param('caseId', caseIdPipe()) caseId: string, @Body(NoBodyPipe) _body: undefined, @CurrentPrincipal() principal: Principal) {
    if (!hasRole(principal, 'operator', 'supervisor', 'admin')) throw Problems.forbidden('Operators send rating links.');
    return this.ratings.link(caseId);
  }

  /** Every rating of a case: the reporter, oversight roles and the unit rated. */
  @Get(':caseId')
  async list(@Param('caseId', caseIdPipe()) caseId: string, @CurrentPrincipal() principal: Principal) {
    const rows: { unitId: string }[] = await this.runtime.dataSource.query(
      `SELECT id, round, unit_id AS "unitId", level, score, via, comment, rated_at AS "ratedAt" FROM ratings WHERE case_id = $1 ORDER BY round`,
      [caseId],
    );
    const [reporter] = await this.runtime.dataSource.query(`SELECT reporter_subject FROM case_reporters WHERE case_id = $1`, [caseId]);
    const mayRead =
      reporter?.reporter_subject === principal.subject ||
      hasRole(principal, 'operator', 'supervisor', 'assessor', 'admin') ||
      rows.some((r) => r.unitId === principal.unitId && hasRole(principal, 'handler', 'unit-head'));
    if (!reporter || !mayRead) throw Problems.notFound('This case');
    const [pending] = await this.runtime.dataSource.query(
      `SELECT round, due_at AS "dueAt" FROM rating_requests WHERE case_id = $1 AND rated_at IS NULL ORDER BY round DESC LIMIT 1`,
      [caseId],
    );
    return { caseId, ratings: rows, awaiting: pending ?? null };
  }
}

/** The signed link is the credential: no account needed (the gateway forwards it without a bearer token). */
@Controller('api/v1/ratings')
export class LinkRatingsController {
  constructor(@Inject(Ratings) private readonly ratings: Ratings) {}

  @Post('by-link')
  @HttpCode(201)
  rate(@Body(new SchemaPipe(LinkRatingRequest)) body: LinkRatingRequest) {
    return this.ratings.rateByLink(body);
  }
}
