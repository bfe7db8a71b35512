import { AssistReplied, AssistRequested, CaseAccepted, CaseAssigned, CaseReceived, CaseResolved, EventOf, RatingSubmitted, ResultSubmitted, SlaClockStarted, SlaLightChanged, topicOf } from '@duban/contracts';
import { CASE_ACCESS, CaseConfidentiality1763900000992, CaseUnitPath1763900000993, CaseAccessCopy, DomainServiceDefinition, runDomainService, withCaseConfidentiality } from '@duban/service-defaults';
import { Type } from '@sinclair/typebox';
import { LinkRatingsController, RatingsController } from './api/ratings.controller';
import { UnitsController } from './api/units.controller';
import { KPI_WEIGHTS, KpisController } from './api/kpis.controller';
import { KpiProjector, RESULT_STAGES } from './application/kpi-projector';
import { Revisits } from './application/revisits';
import { RevisitsController } from './api/revisits.controller';
import { ORGANISATION_NAME, ReportsController } from './api/reports.controller';
import { Revisits1763900000530 } from './infrastructure/1763900000530-revisits';
import { LostTime1763900000540 } from './infrastructure/1763900000540-lost-time';
import { DEFAULT_WEIGHTS, IndexWeights } from './domain/kpi';
import { UnitDays } from './infrastructure/unit-days';
import { UnitDays1763900000520 } from './infrastructure/1763900000520-unit-days';
import { People1763900000550 } from './infrastructure/1763900000550-people';
import { Open311Ratings1763900000560 } from './infrastructure/1763900000560-open311-ratings';
import { RatingDefaults, Ratings } from './application/ratings';
import { RATING_LEVELS, RatingLevel } from './domain/rating';
import { AssessmentSchema1763900000500 } from './infrastructure/1763900000500-assessment-schema';
import { Ratings1763900000510 } from './infrastructure/1763900000510-ratings';

export const assessmentService: DomainServiceDefinition = {
  service: 'assessment',
  defaultPort: 8085,
  migrations: [AssessmentSchema1763900000500, Ratings1763900000510, UnitDays1763900000520, Revisits1763900000530, LostTime1763900000540, People1763900000550, Open311Ratings1763900000560, CaseConfidentiality1763900000992, CaseUnitPath1763900000993],
  config: {
    /** Hours the reporter has to rate a resolution; afterwards RATING_DEFAULT_LEVEL counts. */
    RATING_WINDOW_HOURS: Type.Integer({ minimum: 1, maximum: 24 * 90, default: 72 }),
    /** What an unrated resolution counts as (默认满意: satisfied, as 12345 centres count it). */
    RATING_DEFAULT_LEVEL: Type.Union(RATING_LEVELS.map((l) => Type.Literal(l)), { default: 'satisfied' }),
    /** HMAC secret of the signed rating links (at least 32 characters; set it per installation). */
    RATING_LINK_SECRET: Type.String({ minLength: 32, default: 'duban-local-rating-link-secret-change-me' }),
    /** The time zone whose days and months the KPIs count in. */
    KPI_TIME_ZONE: Type.String({ minLength: 1, default: 'Asia/Shanghai' }),
    /** How often unrated resolutions past their window get the default (ms). */
    RATING_SWEEP_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000 }),
    /** Weights of the efficiency index, e.g. "onTimeCompletion=0.3,satisfaction=0.3"; unnamed KPIs keep their defaults (docs/assessment.md). */
    KPI_WEIGHTS: Type.String({ maxLength: 500, default: '' }),
    /** The organisation's name on reports. */
    ORGANISATION_NAME: Type.String({ minLength: 1, maxLength: 200, default: 'Minghu City (明湖市)' }),
    /** Days after a resolution its reporter is called back, comma-separated (empty: no revisits; the case closes when rated). */
    REVISIT_DAYS: Type.String({ pattern: '^(\\s*[1-9][0-9]{0,2}\\s*(,\\s*[1-9][0-9]{0,2}\\s*)*)?$', default: '30,90' }),
  },
  controllers: [UnitsController, RatingsController, LinkRatingsController, KpisController, RevisitsController, ReportsController],
  compose(runtime, config) {
    const days = new UnitDays(config.KPI_TIME_ZONE as string);
    const kpi = new KpiProjector(days);
    const revisits = new Revisits(runtime, days, { afterDays: parseDays(config.REVISIT_DAYS as string) });
    const ratings = new Ratings(runtime, days, revisits, {
      windowHours: config.RATING_WINDOW_HOURS as number,
      defaultLevel: config.RATING_DEFAULT_LEVEL as RatingLevel,
      linkSecret: config.RATING_LINK_SECRET as string,
      sweepMs: config.RATING_SWEEP_MS as number,
    });
    return {
      providers: [
        { provide: CASE_ACCESS, useValue: new CaseAccessCopy(runtime) },
        { provide: Ratings, useValue: ratings },
        { provide: UnitDays, useValue: days },
        { provide: Revisits, useValue: revisits },
        { provide: ORGANISATION_NAME, useValue: config.ORGANISATION_NAME as string },
        { provide: KPI_WEIGHTS, useValue: parseWeights(config.KPI_WEIGHTS as string) },
      ],
      workers: [new RatingDefaults(ratings, (error) => runtime.logger.error({ err: error }, 'default ratings sweep failed'))],
      consumers: [
        {
          topics: [topicOf('dispatch'), topicOf('intake'), topicOf('collaboration'), topicOf('escalation')],
          handlers: withCaseConfidentiality({
            // A rating through Open311 (intake checked the client; the reporter is checked here).
            [RatingSubmitted.type]: async (event, tx) => {
              const submitted = event as EventOf<typeof RatingSubmitted>;
              await ratings.rateSubmitted(tx, submitted.caseId, submitted.data);
            },
            // Who may rate the case: its reporter.
            [CaseReceived.type]: async (event, tx) => {
              const received = event as EventOf<typeof CaseReceived>;
              await tx.query(`INSERT INTO case_reporters (case_id, reporter_subject, reporter_username) VALUES ($1, $2, $3) ON CONFLICT (case_id) DO NOTHING`, [
                received.caseId,
                received.data.reporter.subject,
                received.data.reporter.username ?? null,
              ]);
            },
            // The case counts into the responsible unit's open cases; a reassignment moves it.
            [CaseAssigned.type]: async (event, tx) => {
              const assigned = event as EventOf<typeof CaseAssigned>;
              await tx.query(
                `INSERT INTO open_cases (case_id, unit_id, assigned_at) VALUES ($1, $2, $3)
                 ON CONFLICT (case_id) DO UPDATE SET unit_id = EXCLUDED.unit_id, assigned_at = EXCLUDED.assigned_at
                 WHERE open_cases.assigned_at <= EXCLUDED.assigned_at`,
                [assigned.caseId, assigned.data.unitId, assigned.occurredAt],
              );
              await kpi.assigned(tx, assigned.caseId, assigned.data.unitId, assigned.occurredAt, assigned.data.category, assigned.data.assignee);
            },
            // The limits the first response and the first result are judged against.
            [SlaClockStarted.type]: async (event, tx) => {
              await kpi.clockStarted(tx, event as EventOf<typeof SlaClockStarted>);
            },
            // A result limit that ran out with no result is a late completion at that moment.
            [SlaLightChanged.type]: async (event, tx) => {
              const light = event as EventOf<typeof SlaLightChanged>;
              if (light.data.light !== 'red' || !RESULT_STAGES.includes(light.data.stage) || !light.unitId) return;
              await kpi.resultOverdue(tx, light.caseId, light.unitId, new Date(light.occurredAt));
            },
            [CaseAccepted.type]: async (event, tx) => {
              const accepted = event as EventOf<typeof CaseAccepted>;
              await kpi.outcome(tx, accepted.caseId, 'first', accepted.data.unitId, new Date(accepted.occurredAt), accepted.data.by);
            },
            [ResultSubmitted.type]: async (event, tx) => {
              const submitted = event as EventOf<typeof ResultSubmitted>;
              await kpi.outcome(tx, submitted.caseId, 'result', submitted.data.unitId, new Date(submitted.occurredAt), submitted.data.by);
            },
            [AssistRequested.type]: async (event, tx) => {
              const requested = event as EventOf<typeof AssistRequested>;
              await kpi.assistRequested(tx, requested.data.assistId, requested.data.unitId, requested.occurredAt);
            },
            [AssistReplied.type]: async (event, tx) => {
              const replied = event as EventOf<typeof AssistReplied>;
              await kpi.assistReplied(tx, replied.data.assistId, replied.occurredAt, replied.data.by);
            },
            // Resolved: no longer open; the resolution waits for the reporter's rating.
            [CaseResolved.type]: async (event, tx) => {
              const resolved = event as EventOf<typeof CaseResolved>;
              await tx.query(`DELETE FROM open_cases WHERE case_id = $1`, [resolved.caseId]);
              await ratings.resolved(tx, resolved.caseId, resolved.data.unitId, new Date(resolved.occurredAt), resolved.data.by);
            },
          }),
        },
      ],
    };
  },
};

/** KPI_WEIGHTS as "name=weight,…" over the defaults; an unknown name or a negative weight stops the start naming it. */
export function parseWeights(text: string): IndexWeights {
  const weights = { ...DEFAULT_WEIGHTS };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, value] = part.split('=').map((p) => p.trim());
    const w = Number(value);
    if (!(name in weights) || !Number.isFinite(w) || w < 0) throw new Error(`KPI_WEIGHTS: "${part}" is not name=weight with a known KPI (${Object.keys(DEFAULT_WEIGHTS).join(', ')}) and a weight ≥ 0`);
    weights[name as keyof IndexWeights] = w;
  }
  if (Object.values(weights).every((w) => w === 0)) throw new Error('KPI_WEIGHTS: at least one weight must be above 0');
  return weights;
}

/** REVISIT_DAYS as sorted distinct day counts. */
export const parseDays = (text: string): number[] =>
  [...new Set(text.split(',').map((d) => d.trim()).filter(Boolean).map(Number))].sort((a, b) => a - b);

/** Runs the service as its own process (apps/assessment). */
export const main = () => runDomainService(assessmentService);
export { kpis, efficiencyIndex, rankUnits, onTimeRateNow, DEFAULT_WEIGHTS } from './domain/kpi';
export type { UnitCounters, Kpis, IndexWeights } from './domain/kpi';
export { UnitDays } from './infrastructure/unit-days';
