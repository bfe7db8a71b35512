import { CaseAssigned, EventOf, topicOf } from '@duban/contracts';
import { DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { UnitsController } from './api/units.controller';
import { AssessmentSchema1763900000500 } from './infrastructure/1763900000500-assessment-schema';

export const assessmentService: DomainServiceDefinition = {
  service: 'assessment',
  defaultPort: 8085,
  migrations: [AssessmentSchema1763900000500],
  controllers: [UnitsController],
  compose() {
    return {
      providers: [],
      consumers: [
        {
          topics: [topicOf('dispatch')],
          handlers: {
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
          },
        },
      ],
    };
  },
};

/** Runs the service as its own process (apps/assessment). */
export const main = () => runDomainService(assessmentService);
