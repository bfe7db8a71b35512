import { AnyEnvelope, CaseRated, CaseRebounded, newEvent } from '@duban/contracts';
import { enqueue, PollingLoop } from '@duban/messaging';
import { Principal } from '@duban/auth';
import { Problems, ServiceRuntime } from '@duban/service-defaults';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { isRebound, RatingLevel, SATISFACTION, signLink, verifyLink } from '../domain/rating';
import { UnitDays } from '../infrastructure/unit-days';
import { Revisits } from './revisits';

export interface RatingOptions {
  /** How long the reporter has to rate a resolution before the default counts (hours). */
  windowHours: number;
  /** What a resolution nobody rated in time counts as. */
  defaultLevel: RatingLevel;
  /** HMAC secret of the signed rating links. */
  linkSecret: string;
  /** How often the default sweep looks for requests past their window (ms). */
  sweepMs: number;
  now?: () => Date;
}

interface RequestRow {
  resolved_by?: string | null;
  case_id: string;
  round: number;
  unit_id: string;
  resolved_at: Date;
  due_at: Date;
  rated_at: Date | null;
}

/**
 * Ratings (评价): each resolution of a case is rated once — by the reporter through the API or a
 * signed link, or by default when the window passes. An unsatisfied rating reopens the case (a
 * rebound) and counts against the unit. Each rating updates the unit's day in the same
 * transaction as the rating row and its events.
 */
export class Ratings {
  readonly now: () => Date;

  constructor(
    private readonly runtime: Pick<ServiceRuntime, 'dataSource' | 'topic'>,
    private readonly days: UnitDays,
    private readonly revisits: Revisits,
    readonly options: RatingOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** A resolution waits for its rating (case.resolved). */
  async resolved(tx: EntityManager, caseId: string, unitId: string, at: Date, by: string | null = null): Promise<void> {
    const due = new Date(at.getTime() + this.options.windowHours * 3_600_000);
    // A redelivered case.resolved of the same resolution adds nothing (same resolved_at).
    const inserted: unknown[] = await tx.query(
      `INSERT INTO rating_requests (case_id, round, unit_id, resolved_at, due_at, resolved_by)
       SELECT $1::uuid, COALESCE(max(round), 0) + 1, $2::text, $3::timestamptz, $4::timestamptz, $5::text FROM rating_requests WHERE case_id = $1::uuid
       HAVING NOT EXISTS (SELECT 1 FROM rating_requests WHERE case_id = $1::uuid AND resolved_at = $3::timestamptz)
       RETURNING round`,
      [caseId, unitId, at, due, by],
    );
    if (inserted.length > 0) {
      await this.days.bump(tx, unitId, at, { resolved: 1 });
      await this.days.bumpPerson(tx, by, unitId, at, { resolved: 1 });
    }
  }

  /** The reporter rates the latest resolution of their case. */
  async rateAsReporter(principal: Principal, caseId: string, body: { level: RatingLevel; comment?: string }) {
    return this.runtime.dataSource.transaction(async (tx) => {
      const [reporter] = await tx.query(`SELECT reporter_subject FROM case_reporters WHERE case_id = $1`, [caseId]);
      // Somebody else's case looks like no case at all.
      if (!reporter || reporter.reporter_subject !== principal.subject) throw Problems.notFound('This case');
      const request = await this.latest(tx, caseId);
      return this.rate(tx, request, body, 'api', principal.username);
    });
  }

  /** A rating through a signed link (SMS or e-mail): the link names the case and the resolution. */
  async rateByLink(body: { token: string; level: RatingLevel; comment?: string }) {
    const check = verifyLink(this.options.linkSecret, body.token, Math.floor(this.now().getTime() / 1000));
    if (!check.ok) {
      throw check.reason === 'expired' ? Problems.field('token', 'the rating link has expired') : Problems.field('token', 'not a valid rating link');
    }
    return this.runtime.dataSource.transaction(async (tx) => {
      const [request]: RequestRow[] = await tx.query(
        `SELECT case_id, round, unit_id, resolved_at, resolved_by, due_at, rated_at FROM rating_requests WHERE case_id = $1 AND round = $2 FOR UPDATE`,
        [check.claims.caseId, check.claims.round],
      );
      if (!request) throw Problems.field('token', 'not a valid rating link');
      return this.rate(tx, request, body, 'link', null);
    });
  }

  /**
   * A rating that came through an intake channel (Open311, `case.rating-submitted`): recorded for
   * the latest resolution if it comes from the case's reporter and that resolution is not rated yet;
   * otherwise it changes nothing (the channel answered 202 and the request shows the rating in force).
   */
  async rateSubmitted(tx: EntityManager, caseId: string, data: { reporterSubject: string; level: RatingLevel; comment?: string }): Promise<boolean> {
    const [reporter] = await tx.query(`SELECT reporter_subject FROM case_reporters WHERE case_id = $1`, [caseId]);
    if (!reporter || reporter.reporter_subject !== data.reporterSubject) return false;
    const [request]: RequestRow[] = await tx.query(
      `SELECT case_id, round, unit_id, resolved_at, resolved_by, due_at, rated_at FROM rating_requests WHERE case_id = $1 ORDER BY round DESC LIMIT 1 FOR UPDATE`,
      [caseId],
    );
    if (!request || request.rated_at) return false;
    await this.record(tx, request, data.level, 'open311', data.reporterSubject, data.comment ?? null, new Date(Math.max(this.now().getTime(), request.resolved_at.getTime())));
    return true;
  }

  /** A signed link for the latest resolution, valid until its rating window closes (operators send it to the reporter). */
  async link(caseId: string): Promise<{ caseId: string; round: number; token: string; expiresAt: Date }> {
    const request = await this.latest(this.runtime.dataSource.manager, caseId, false);
    if (request.rated_at) throw Problems.conflict('This resolution is rated already.');
    const exp = Math.floor(request.due_at.getTime() / 1000);
    return { caseId, round: request.round, token: signLink(this.options.linkSecret, { caseId, round: request.round, exp }), expiresAt: new Date(exp * 1000) };
  }

  /** Records the documented default for every resolution whose window has passed; returns how many. */
  async sweepDefaults(limit = 200): Promise<number> {
    return this.runtime.dataSource.transaction(async (tx) => {
      const due: RequestRow[] = await tx.query(
        `SELECT case_id, round, unit_id, resolved_at, resolved_by, due_at, rated_at FROM rating_requests
          WHERE rated_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.now(), limit],
      );
      for (const request of due) await this.record(tx, request, this.options.defaultLevel, 'default', null, null, request.due_at);
      return due.length;
    });
  }

  private async latest(tx: EntityManager, caseId: string, lock = true): Promise<RequestRow> {
    const [request]: RequestRow[] = await tx.query(
      `SELECT case_id, round, unit_id, resolved_at, resolved_by, due_at, rated_at FROM rating_requests WHERE case_id = $1 ORDER BY round DESC LIMIT 1 ${lock ? 'FOR UPDATE' : ''}`,
      [caseId],
    );
    if (!request) throw Problems.conflict('The case is not resolved; only a resolved case can be rated.');
    return request;
  }

  private async rate(tx: EntityManager, request: RequestRow, body: { level: RatingLevel; comment?: string }, via: 'api' | 'link', by: string | null) {
    if (request.rated_at) throw Problems.conflict('This resolution is rated already; a case is rated once per resolution.');
    const [open] = await tx.query(`SELECT 1 FROM rating_requests WHERE case_id = $1 AND round > $2`, [request.case_id, request.round]);
    if (open) throw Problems.conflict('The case was resolved again since; rate the latest resolution.');
    return this.record(tx, request, body.level, via, by, body.comment ?? null, this.now());
  }

  private async record(tx: EntityManager, request: RequestRow, level: RatingLevel, via: 'api' | 'link' | 'open311' | 'default', by: string | null, comment: string | null, at: Date) {
    const ratingId = randomUUID();
    const score = SATISFACTION[level];
    await tx.query(
      `INSERT INTO ratings (id, case_id, round, unit_id, level, score, via, rated_by, comment, rated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [ratingId, request.case_id, request.round, request.unit_id, level, score, via, by, comment, at],
    );
    await tx.query(`UPDATE rating_requests SET rated_at = $3 WHERE case_id = $1 AND round = $2`, [request.case_id, request.round, at]);
    const rebound = via !== 'default' && isRebound(level);
    const first = request.round === 1 ? 1 : 0;
    const counts = { ratings: 1, scoreSum: score, defaulted: via === 'default' ? 1 : 0, rebounds: rebound ? 1 : 0, firstRatings: first, firstTime: first && !rebound ? 1 : 0 };
    await this.days.bump(tx, request.unit_id, at, counts);
    // The person who resolved it is rated with their unit.
    await this.days.bumpPerson(tx, request.resolved_by, request.unit_id, at, counts);
    const common = { caseId: request.case_id, unitId: request.unit_id, occurredAt: at };
    const events: AnyEnvelope[] = [newEvent(CaseRated, { ...common, data: { ratingId, unitId: request.unit_id, round: request.round, level, score, via } })];
    if (rebound) {
      events.push(newEvent(CaseRebounded, { ...common, data: { ratingId, unitId: request.unit_id, round: request.round, level, reason: comment ?? `rated ${level}` } }));
      // The case is open again: it counts into the unit's open cases until its next resolution.
      await tx.query(`INSERT INTO open_cases (case_id, unit_id, assigned_at) VALUES ($1, $2, $3) ON CONFLICT (case_id) DO NOTHING`, [request.case_id, request.unit_id, at]);
    } else {
      // Not reopened: revisits are planned (or, without them, the case is closed and archived).
      events.push(...(await this.revisits.afterRating(tx, { caseId: request.case_id, round: request.round, unitId: request.unit_id, resolvedAt: request.resolved_at }, at)));
    }
    await enqueue(tx, this.runtime.topic, events);
    return { ratingId, caseId: request.case_id, round: request.round, unitId: request.unit_id, level, score, via, rebound, ratedAt: at };
  }
}

/** Records the default rating of resolutions nobody rated within the window. */
export class RatingDefaults extends PollingLoop {
  constructor(ratings: Ratings, onError: (error: unknown) => void) {
    super(() => ratings.sweepDefaults(), ratings.options.sweepMs, onError);
  }
}
