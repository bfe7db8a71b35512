import { Type } from '@sinclair/typebox';
import { CASE_ACCESS, DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { CasesController } from './api/cases.controller';
import { CaseViewEvents } from './api/case-view.events';
import { Open311ClientsController } from './api/open311-clients.controller';
import { OPEN311_CONFIG, Open311Controller } from './api/open311.controller';
import { Open311DiscoveryController } from './api/open311-discovery.controller';
import { Open311Repository } from './infrastructure/open311.repository';
import { Open311Clients1763900000150 } from './infrastructure/migrations/1763900000150-open311';
import { Duplicates1763900000160 } from './infrastructure/migrations/1763900000160-duplicates';
import { DuplicateIndexes1763900000165 } from './infrastructure/migrations/1763900000165-duplicate-indexes';
import { Imports1763900000170 } from './infrastructure/migrations/1763900000170-imports';
import { Confidentiality1763900000180 } from './infrastructure/migrations/1763900000180-confidentiality';
import { CaseUnitPath1763900000185 } from './infrastructure/migrations/1763900000185-case-unit-path';
import { Open311TokensAttributes1763900000190 } from './infrastructure/migrations/1763900000190-open311-tokens-attributes';
import { ImportsController } from './api/imports.controller';
import { ImportRunner } from './application/import-runner';
import { categoryIndex } from './domain/boston';
import categories from './seed/categories.json';
import { CaseIntake } from './application/case-intake';
import { CaseRepository } from './infrastructure/case.repository';
import { IntakeSchema1763900000100 } from './infrastructure/migrations/1763900000100-intake-schema';
import { CategoryTaxonomy1763900000110 } from './infrastructure/migrations/1763900000110-category-taxonomy';
import { categorySeed } from './infrastructure/category-seed';
import { IdempotencyKeys1763900000120 } from './infrastructure/migrations/1763900000120-idempotency-keys';
import { Reclassifications1763900000130 } from './infrastructure/migrations/1763900000130-reclassifications';
import { CallerAndSource1763900000140 } from './infrastructure/migrations/1763900000140-caller-and-source';

export * from './domain/boston';

export const intakeService: DomainServiceDefinition = {
  service: 'intake',
  defaultPort: 8081,
  migrations: [IntakeSchema1763900000100, CategoryTaxonomy1763900000110, IdempotencyKeys1763900000120, Reclassifications1763900000130, CallerAndSource1763900000140, Open311Clients1763900000150, Duplicates1763900000160, DuplicateIndexes1763900000165, Imports1763900000170, Confidentiality1763900000180, CaseUnitPath1763900000185, Open311TokensAttributes1763900000190],
  seeds: [categorySeed],
  controllers: [CasesController, Open311Controller, Open311DiscoveryController, Open311ClientsController, ImportsController],
  events: [CaseViewEvents],
  config: {
    /** The jurisdiction_id this Open311 endpoint answers for (GeoReport v2). */
    OPEN311_JURISDICTION_ID: Type.String({ minLength: 1, maxLength: 100, default: 'minghu' }),
    /** Open311 discovery: whom a client's developer asks for help (any text: a team, an address, a telephone number). */
    OPEN311_CONTACT: Type.String({ minLength: 1, maxLength: 500, default: 'The operators of this Duban installation; see /docs for the API.' }),
    /** Open311 discovery: how a client gets an api_key. */
    OPEN311_KEY_SERVICE: Type.String({
      minLength: 1,
      maxLength: 500,
      default: 'Ask an administrator of this installation: keys are issued with POST /api/v1/open311-clients (docs/open311.md).',
    }),
    /** Open311 discovery: `production`, or `test` for a demo or staging installation. */
    OPEN311_ENDPOINT_TYPE: Type.Union([Type.Literal('production'), Type.Literal('test')], { default: 'production' }),
    /** The public base URL Open311 clients use (discovery names the endpoint under it); unset: where they reached the gateway. */
    OPEN311_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 300 })),
    /** A report of the same category within this distance of an open case repeats it (0: off). */
    DUPLICATE_RADIUS_METERS: Type.Integer({ minimum: 0, maximum: 5000, default: 50 }),
    /** How far back open cases are compared with a new report. */
    DUPLICATE_WINDOW_HOURS: Type.Integer({ minimum: 1, maximum: 2160, default: 72 }),
    /** Text at least this similar (character bigrams, 0–1) repeats an open case of its category (above 1: off). */
    DUPLICATE_TEXT_SIMILARITY: Type.Number({ minimum: 0.5, maximum: 1.01, default: 0.9 }),
    /** Largest CSV file one bulk import takes (the gateway's limit for POST /api/v1/imports must allow it too). */
    IMPORT_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 104_857_600, default: 16_777_216 }),
  },
  configureHttp(app, config) {
    // CSV uploads (bulk import) arrive as text with their own size limit.
    app
      .getHttpAdapter()
      .getInstance()
      .addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: config.IMPORT_MAX_BYTES as number }, (_request, body, done) => done(null, body));
  },
  compose(runtime, config) {
    const cases = new CaseRepository(runtime.dataSource);
    const intake = new CaseIntake(runtime, cases, {
      radiusMeters: config.DUPLICATE_RADIUS_METERS as number,
      windowHours: config.DUPLICATE_WINDOW_HOURS as number,
      textSimilarity: config.DUPLICATE_TEXT_SIMILARITY as number,
    });
    const bostonIndex = categoryIndex(categories);
    const imports = new ImportRunner(runtime, intake, async () => bostonIndex);
    return {
      workers: [imports],
      providers: [
        { provide: ImportRunner, useValue: imports },
        { provide: CaseRepository, useValue: cases },
        { provide: CASE_ACCESS, useValue: cases },
        { provide: CaseIntake, useValue: intake },
        { provide: Open311Repository, useValue: new Open311Repository(runtime.dataSource, runtime.topic) },
        {
          provide: OPEN311_CONFIG,
          useValue: {
            jurisdictionId: config.OPEN311_JURISDICTION_ID as string,
            contact: config.OPEN311_CONTACT as string,
            keyService: config.OPEN311_KEY_SERVICE as string,
            endpointType: config.OPEN311_ENDPOINT_TYPE as 'production' | 'test',
            publicUrl: config.OPEN311_PUBLIC_URL as string | undefined,
          },
        },
      ],
    };
  },
};

/** Runs the service as its own process (apps/intake). */
export const main = () => runDomainService(intakeService);
