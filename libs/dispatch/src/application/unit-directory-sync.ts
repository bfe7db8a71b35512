import { PollingLoop } from '@duban/messaging';
import type { DataSource } from 'typeorm';
import { DirectoryGroup, DirectoryUnit, planSync, UnitFacts } from '../domain/unit-sync';

/** The side of the identity provider (KeycloakGroups in production). */
export interface GroupDirectory {
  list(): Promise<DirectoryGroup[]>;
  create(unitId: string, facts: UnitFacts, parentGroupId: string): Promise<string>;
  update(groupId: string, unitId: string, facts: UnitFacts, newParentGroupId?: string): Promise<void>;
}

export interface SyncReport {
  at: string;
  groupsCreated: string[];
  groupsUpdated: string[];
  unitsTaken: string[];
  conflicts: string[];
  skipped: string[];
}

interface UnitRow {
  id: string;
  name_zh: string;
  name_en: string;
  parent_id: string | null;
  kind: string;
  synced: UnitFacts | null;
}

/**
 * Keeps dispatch's unit directory and the identity provider's groups in step (domain/unit-sync):
 * at start, every interval and soon after an administrator changes a unit. One replica at a time
 * (an advisory lock); a failed run changes nothing it did not finish and is retried next time.
 */
export class UnitDirectorySync extends PollingLoop {
  private last?: SyncReport;
  private lastError?: { at: string; message: string };

  constructor(
    private readonly dataSource: DataSource,
    private readonly groups: GroupDirectory,
    intervalMs: number,
    onError: (error: unknown) => void,
  ) {
    super(
      async () => {
        try {
          await this.syncOnce();
          this.lastError = undefined;
        } catch (error) {
          this.lastError = { at: new Date().toISOString(), message: error instanceof Error ? error.message : String(error) };
          throw error;
        }
        return 0;
      },
      intervalMs,
      onError,
    );
  }

  /** The last run's outcome, for administrators. */
  status(): { enabled: true; last: SyncReport | null; lastError: { at: string; message: string } | null } {
    return { enabled: true, last: this.last ?? null, lastError: this.lastError ?? null };
  }

  /** One reconciliation; undefined when another replica holds the lock. */
  async syncOnce(): Promise<SyncReport | undefined> {
    return this.dataSource.transaction(async (tx) => {
      const [{ locked }] = await tx.query(`SELECT pg_try_advisory_xact_lock(hashtext('dispatch:unit-directory-sync')) AS locked`);
      if (!locked) return undefined;
      // Administrators' changes wait for the run (and the run for them): the tree changes one writer at a time.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('dispatch:unit-tree'))`);
      // No row locks while Keycloak is asked: the advisory lock above keeps other tree writers out, and
      // assignments (which only share-lock the unit they name) go on meanwhile.
      const rows: UnitRow[] = await tx.query('SELECT id, name_zh, name_en, parent_id, kind, synced FROM units');
      const units: DirectoryUnit[] = rows.map((r) => ({ unitId: r.id, nameZh: r.name_zh, nameEn: r.name_en, parentUnitId: r.parent_id, kind: r.kind, synced: r.synced }));
      const groups = await this.groups.list();
      const groupIdOf = new Map(groups.map((g) => [g.unitId, g.groupId]));
      const plan = planSync(units, groups);
      const report: SyncReport = { at: new Date().toISOString(), groupsCreated: [], groupsUpdated: [], unitsTaken: [], conflicts: plan.conflicts, skipped: plan.skipped };
      const remember = (unitId: string, facts: UnitFacts) => tx.query('UPDATE units SET synced = $2 WHERE id = $1', [unitId, JSON.stringify(facts)]);
      for (const action of plan.actions) {
        switch (action.kind) {
          case 'create-group': {
            const parentGroupId = action.facts.parentUnitId ? groupIdOf.get(action.facts.parentUnitId) : undefined;
            if (!parentGroupId) {
              report.skipped.push(`${action.unitId}: a top-level unit is not created as a group (create the root group by hand)`);
              break;
            }
            groupIdOf.set(action.unitId, await this.groups.create(action.unitId, action.facts, parentGroupId));
            await remember(action.unitId, action.facts);
            report.groupsCreated.push(action.unitId);
            break;
          }
          case 'update-group': {
            const newParent = action.move && action.facts.parentUnitId ? groupIdOf.get(action.facts.parentUnitId) : undefined;
            await this.groups.update(action.groupId, action.unitId, action.facts, newParent);
            await remember(action.unitId, action.facts);
            report.groupsUpdated.push(action.unitId);
            break;
          }
          case 'pull': {
            const f = action.facts;
            await tx.query(
              `INSERT INTO units (id, name_zh, name_en, parent_id, kind, origin, synced) VALUES ($1, $2, $3, $4, $5, 'keycloak', $6)
               ON CONFLICT (id) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, parent_id = EXCLUDED.parent_id,
                 kind = EXCLUDED.kind, origin = 'keycloak', synced = EXCLUDED.synced`,
              [action.unitId, f.nameZh, f.nameEn, f.parentUnitId, f.kind, JSON.stringify(f)],
            );
            report.unitsTaken.push(action.unitId);
            break;
          }
          case 'agreed':
            await remember(action.unitId, action.facts);
            break;
        }
      }
      this.last = report;
      return report;
    });
  }
}
