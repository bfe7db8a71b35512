import { CASE_ACCESS, CaseConfidentiality1763900000992, CaseUnitPath1763900000993, CaseAccessCopy, CaseConfidentialityEvents, CaseFiledLevelEvents, DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { Type } from '@sinclair/typebox';
import { LinkRatingsController, RatingsController } from './api/ratings.controller';
import { UnitsController } from './api/units.controller';
import { KPI_WEIGHTS, KpisController } from './api/kpis.controller';
import { KpiProjector } from './application/kpi-projector';
import { AssessmentEvents } from './api/assessment.events';
import { CaseLedger } from './infrastructure/case-ledger';
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
  events: [CaseFiledLevelEvents, CaseConfidentialityEvents, AssessmentEvents],
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
        { provide: KpiProjector, useValue: kpi },
        { provide: CaseLedger, useValue: new CaseLedger() },
        { provide: UnitDays, useValue: days },
        { provide: Revisits, useValue: revisits },
        { provide: ORGANISATION_NAME, useValue: config.ORGANISATION_NAME as string },
        { provide: KPI_WEIGHTS, useValue: parseWeights(config.KPI_WEIGHTS as string) },
      ],
      workers: [new RatingDefaults(ratings, (error) => runtime.logger.error({ err: error }, 'default ratings sweep failed'))],
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
