import { CaseAssigned, CaseReceived, CaseResolved, EventOf, topicOf } from '@duban/contracts';
import { DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { Type } from '@sinclair/typebox';
import { LinkRatingsController, RatingsController } from './api/ratings.controller';
import { UnitsController } from './api/units.controller';
import { RatingDefaults, Ratings } from './application/ratings';
import { RATING_LEVELS, RatingLevel } from './domain/rating';
import { AssessmentSchema1763900000500 } from './infrastructure/1763900000500-assessment-schema';
import { Ratings1763900000510 } from './infrastructure/1763900000510-ratings';

export const assessmentService: DomainServiceDefinition = {
  service: 'assessment',
  defaultPort: 8085,
  migrations: [AssessmentSchema1763900000500, Ratings1763900000510],
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
  },
  controllers: [UnitsController, RatingsController, LinkRatingsController],
  compose(runtime, config) {
    const ratings = new Ratings(runtime, {
      windowHours: config.RATING_WINDOW_HOURS as number,
      defaultLevel: config.RATING_DEFAULT_LEVEL as RatingLevel,
      linkSecret: config.RATING_LINK_SECRET as string,
      timeZone: config.KPI_TIME_ZONE as string,
      sweepMs: config.RATING_SWEEP_MS as number,
    });
    return {
      providers: [{ provide: Ratings, useValue: ratings }],
      workers: [new RatingDefaults(ratings, (error) => runtime.logger.error({ err: error }, 'default ratings sweep failed'))],
      consumers: [
        {
          topics: [topicOf('dispatch'), topicOf('intake'), topicOf('collaboration')],
          handlers: {
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
            },
            // Resolved: no longer open; the resolution waits for the reporter's rating.
            [CaseResolved.type]: async (event, tx) => {
              const resolved = event as EventOf<typeof CaseResolved>;
              await tx.query(`DELETE FROM open_cases WHERE case_id = $1`, [resolved.caseId]);
              await ratings.resolved(tx, resolved.caseId, resolved.data.unitId, new Date(resolved.occurredAt));
            },
          },
        },
      ],
    };
  },
};

/** Runs the service as its own process (apps/assessment). */
export const main = () => runDomainService(assessmentService);
