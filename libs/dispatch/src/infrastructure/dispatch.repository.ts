import type { DataSource, EntityManager } from 'typeorm';
import { Decision, Post, RoutingRule, Unit } from '../domain/routing';

export interface AssignmentRow {
  id: string;
  caseId: string;
  unitId: string;
  assignee: string | null;
  ruleId: string;
  ruleVersion: number;
  reason: string;
  assignedAt: Date;
}

/** Dispatch's own tables: the unit directory, A/B posts, routing rules, assignments. */
export class DispatchRepository {
  constructor(private readonly dataSource: DataSource) {}

  async units(db: EntityManager | DataSource = this.dataSource): Promise<Map<string, Unit>> {
    const rows: Unit[] = await db.query(
      'SELECT id, name_zh AS "nameZh", name_en AS "nameEn", parent_id AS "parentId" FROM units ORDER BY id',
    );
    return new Map(rows.map((u) => [u.id, u]));
  }

  async rulesFor(tx: EntityManager, category: string): Promise<RoutingRule[]> {
    return tx.query(
      'SELECT id, version, category, unit_id AS "unitId" FROM routing_rules WHERE active AND category = $1',
      [category],
    );
  }

  async posts(tx: EntityManager): Promise<Post[]> {
    return tx.query('SELECT unit_id AS "unitId", username, post, absent FROM unit_posts');
  }

  async hasActiveAssignment(tx: EntityManager, caseId: string): Promise<boolean> {
    const rows = await tx.query('SELECT 1 FROM assignments WHERE case_id = $1 AND active', [caseId]);
    return rows.length > 0;
  }

  async insertAssignment(
    tx: EntityManager,
    a: { id: string; caseId: string; category: string; tier: string; decision: Decision },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO assignments (id, case_id, unit_id, assignee, rule_id, rule_version, reason, category, tier)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        a.id,
        a.caseId,
        a.decision.unit.id,
        a.decision.assignee,
        a.decision.rule.id,
        a.decision.rule.version,
        a.decision.reason,
        a.category,
        a.tier,
      ],
    );
  }

  async assignmentsOf(caseId: string): Promise<AssignmentRow[]> {
    return this.dataSource.query(
      `SELECT id, case_id AS "caseId", unit_id AS "unitId", assignee, rule_id AS "ruleId", rule_version AS "ruleVersion",
              reason, assigned_at AS "assignedAt"
         FROM assignments WHERE case_id = $1 ORDER BY assigned_at`,
      [caseId],
    );
  }
}
