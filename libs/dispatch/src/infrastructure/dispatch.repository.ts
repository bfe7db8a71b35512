import { Confidentiality, isConfidentiality, Principal } from '@duban/auth';
import type { DataSource, EntityManager } from 'typeorm';
import { clearedCases } from '@duban/service-defaults';
import type { Area } from '@duban/geo';
import { categoryLineage, Decision, District, Post, RoutingRule, StaffState, Unit } from '../domain/routing';

type Db = EntityManager | DataSource;

export interface AssignmentRow {
  id: string;
  caseId: string;
  unitId: string;
  assignee: string | null;
  ruleId: string;
  ruleVersion: number;
  reason: string;
  via: string;
  assignedBy: string | null;
  assignedAt: Date;
  active: boolean;
  endedAt: Date | null;
  endReason: string | null;
  endedBy: string | null;
}

export interface DispatchCase {
  caseId: string;
  category: string;
  tier: string;
  location: { district?: string; point?: { lat: number; lon: number } } | null;
  places: string[];
  receivedAt: Date;
}

export interface RuleRow extends RoutingRule {
  active: boolean;
  note: string | null;
  origin: string;
  createdAt: Date;
  createdBy: string;
  retiredAt: Date | null;
  retiredBy: string | null;
}

export interface DistrictRow extends District {
  nameZh: string;
  nameEn: string;
  area: Area | null;
  updatedAt: Date;
  updatedBy: string;
}

const RULE_COLUMNS = `id, version, category, district_id AS "districtId", unit_id AS "unitId", active, note, origin,
  created_at AS "createdAt", created_by AS "createdBy", retired_at AS "retiredAt", retired_by AS "retiredBy"`;
const ASSIGNMENT_COLUMNS = `id, case_id AS "caseId", unit_id AS "unitId", assignee, rule_id AS "ruleId", rule_version AS "ruleVersion",
  reason, via, assigned_by AS "assignedBy", assigned_at AS "assignedAt", active,
  ended_at AS "endedAt", end_reason AS "endReason", ended_by AS "endedBy"`;

/** Reference data read on every routing decision is kept this long in memory (changes here clear it at once). */
const REFERENCE_CACHE_MS = 30_000;

/** Dispatch's own tables: units, posts, jurisdictions, routing rules, absences, cases, assignments, returns. */
export class DispatchRepository {
  private reference?: { loadedAt: number; units: Map<string, Unit>; districts: Map<string, DistrictRow>; ranks: Map<string, number>; posts: Post[] };

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Units, posts, districts (with their areas) and scheme ranks for routing, from memory: they change
   * rarely, and reading and parsing them for every case cost more than the decision itself.
   * Another replica's change is seen within REFERENCE_CACHE_MS.
   */
  async routingReference(): Promise<{ units: Map<string, Unit>; districts: Map<string, DistrictRow>; ranks: Map<string, number>; posts: Post[] }> {
    if (!this.reference || Date.now() - this.reference.loadedAt > REFERENCE_CACHE_MS) {
      const [units, districts, ranks, posts] = await Promise.all([this.units(), this.districts(), this.schemeRanks(), this.posts(this.dataSource)]);
      this.reference = { loadedAt: Date.now(), units, districts, ranks, posts };
    }
    return this.reference;
  }

  forgetReference(): void {
    this.reference = undefined;
  }

  get db(): DataSource {
    return this.dataSource;
  }

  async units(db: Db = this.dataSource): Promise<Map<string, Unit>> {
    const rows: Unit[] = await db.query(
      'SELECT id, name_zh AS "nameZh", name_en AS "nameEn", parent_id AS "parentId", kind FROM units ORDER BY id',
    );
    return new Map(rows.map((u) => [u.id, u]));
  }

  /** A person's clearance on their post in a unit (`public` when they hold none there). */
  async clearanceOf(db: Db, unitId: string, username: string): Promise<Confidentiality> {
    const [row]: { clearance: string }[] = await db.query('SELECT clearance FROM unit_posts WHERE unit_id = $1 AND username = $2', [unitId, username]);
    return isConfidentiality(row?.clearance) ? row.clearance : 'public';
  }

  async posts(db: Db, unitIds?: string[]): Promise<Post[]> {
    return unitIds
      ? db.query('SELECT unit_id AS "unitId", username, post, clearance FROM unit_posts WHERE unit_id = ANY($1)', [unitIds])
      : db.query('SELECT unit_id AS "unitId", username, post, clearance FROM unit_posts');
  }

  // --- jurisdictions ---------------------------------------------------------------------------

  async schemeRanks(db: Db = this.dataSource): Promise<Map<string, number>> {
    const rows: { scheme: string; specificity: number }[] = await db.query('SELECT scheme, specificity FROM jurisdiction_schemes');
    return new Map(rows.map((r) => [r.scheme, r.specificity]));
  }

  async districts(db: Db = this.dataSource): Promise<Map<string, DistrictRow>> {
    const rows: DistrictRow[] = await db.query(
      `SELECT id, scheme, name_zh AS "nameZh", name_en AS "nameEn", parent_id AS "parentId", area,
              updated_at AS "updatedAt", updated_by AS "updatedBy"
         FROM districts ORDER BY id`,
    );
    return new Map(rows.map((d) => [d.id, d]));
  }

  async upsertDistrict(
    tx: EntityManager,
    d: { id: string; scheme: string; nameZh: string; nameEn: string; parentId: string | null; area: Area | null },
    by: string,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO districts (id, scheme, name_zh, name_en, parent_id, area, origin, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'admin', $7)
       ON CONFLICT (id) DO UPDATE SET scheme = EXCLUDED.scheme, name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
         parent_id = EXCLUDED.parent_id, area = EXCLUDED.area, origin = 'admin', updated_at = now(), updated_by = EXCLUDED.updated_by`,
      [d.id, d.scheme, d.nameZh, d.nameEn, d.parentId, d.area ? JSON.stringify(d.area) : null, by],
    );
    this.forgetReference();
  }

  // --- routing rules ---------------------------------------------------------------------------

  /** The active rules that could decide for a category: its own and its classes'. */
  async rulesFor(db: Db, category: string): Promise<RoutingRule[]> {
    return db.query(
      'SELECT id, version, category, district_id AS "districtId", unit_id AS "unitId" FROM routing_rules WHERE active AND category = ANY($1)',
      [categoryLineage(category)],
    );
  }

  async listRules(filter: { category?: string; districtId?: string; unitId?: string; includeRetired?: boolean }): Promise<RuleRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (!filter.includeRetired) where.push('active');
    if (filter.category) add('category = ?', filter.category);
    if (filter.districtId) add('district_id = ?', filter.districtId);
    if (filter.unitId) add('unit_id = ?', filter.unitId);
    return this.dataSource.query(
      `SELECT ${RULE_COLUMNS} FROM routing_rules ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY category, coalesce(district_id, ''), version`,
      params,
    );
  }

  async ruleVersions(db: Db, id: string): Promise<RuleRow[]> {
    return db.query(`SELECT ${RULE_COLUMNS} FROM routing_rules WHERE id = $1 ORDER BY version`, [id]);
  }

  /** Locks the rule's versions so two editors cannot both write version n + 1. */
  async lockRule(tx: EntityManager, id: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`routing-rule:${id}`]);
  }

  async insertRuleVersion(
    tx: EntityManager,
    r: { id: string; version: number; category: string; districtId: string | null; unitId: string; note: string | null; by: string },
  ): Promise<void> {
    await tx.query(`UPDATE routing_rules SET active = false WHERE id = $1 AND active`, [r.id]);
    await tx.query(
      `INSERT INTO routing_rules (id, version, category, district_id, unit_id, note, origin, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, 'admin', $7)`,
      [r.id, r.version, r.category, r.districtId, r.unitId, r.note, r.by],
    );
  }

  async retireRule(tx: EntityManager, id: string, by: string): Promise<void> {
    await tx.query(`UPDATE routing_rules SET active = false, origin = 'admin', retired_at = now(), retired_by = $2 WHERE id = $1 AND active`, [
      id,
      by,
    ]);
  }

  // --- people ----------------------------------------------------------------------------------

  /** Absences, load and history of the people of some units, as of now. */
  async staffState(db: Db, usernames: string[], category: string): Promise<StaffState> {
    if (usernames.length === 0) return { absent: new Set(), load: new Map(), typicalMinutes: new Map() };
    // One round trip: who is absent now, their open cases, their mean handling time of this category.
    const rows: { username: string; absent: boolean; load: number; minutes: number | null }[] = await db.query(
      `SELECT u.username,
              EXISTS (SELECT 1 FROM absences a WHERE a.username = u.username AND a.starts_at <= now() AND a.ends_at > now()) AS absent,
              (SELECT count(*)::int FROM assignments s WHERE s.active AND s.assignee = u.username) AS load,
              (SELECT avg(extract(epoch FROM h.ended_at - h.assigned_at) / 60)::float8 FROM assignments h
                WHERE h.end_reason = 'completed' AND h.category = $2 AND h.assignee = u.username) AS minutes
         FROM unnest($1::text[]) AS u (username)`,
      [usernames, category],
    );
    const absent = rows.filter((r) => r.absent);
    const load = rows.filter((r) => r.load > 0).map((r) => ({ assignee: r.username, n: r.load }));
    const history = rows.filter((r) => r.minutes !== null).map((r) => ({ assignee: r.username, minutes: r.minutes as number }));
    return {
      absent: new Set(absent.map((a) => a.username)),
      load: new Map(load.map((l) => [l.assignee, l.n])),
      typicalMinutes: new Map(history.map((h) => [h.assignee, h.minutes])),
    };
  }

  async listAbsences(filter: { username?: string; current?: boolean }): Promise<unknown[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.username) {
      params.push(filter.username);
      where.push(`username = $${params.length}`);
    }
    if (filter.current) where.push('ends_at > now()');
    return this.dataSource.query(
      `SELECT id, username, starts_at AS "from", ends_at AS "to", reason, created_by AS "createdBy", created_at AS "createdAt"
         FROM absences ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY starts_at`,
      params,
    );
  }

  async unitOf(username: string): Promise<string | null> {
    const [row] = await this.dataSource.query('SELECT unit_id FROM unit_posts WHERE username = $1 LIMIT 1', [username]);
    return row?.unit_id ?? null;
  }

  // --- cases and assignments -------------------------------------------------------------------

  async rememberCase(tx: EntityManager, c: DispatchCase): Promise<void> {
    await tx.query(
      `INSERT INTO dispatch_cases (case_id, category, tier, location, places, received_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6)
       ON CONFLICT (case_id) DO NOTHING`,
      [c.caseId, c.category, c.tier, c.location ? JSON.stringify(c.location) : null, c.places, c.receivedAt],
    );
  }

  async caseForUpdate(tx: EntityManager, caseId: string): Promise<DispatchCase | undefined> {
    const [row] = await tx.query(
      `SELECT case_id AS "caseId", category, tier, location, places, received_at AS "receivedAt"
         FROM dispatch_cases WHERE case_id = $1 FOR UPDATE`,
      [caseId],
    );
    return row;
  }

  async reclassify(tx: EntityManager, caseId: string, category: string, tier: string): Promise<void> {
    await tx.query('UPDATE dispatch_cases SET category = $2, tier = $3 WHERE case_id = $1', [caseId, category, tier]);
  }

  async activeAssignment(db: Db, caseId: string): Promise<AssignmentRow | undefined> {
    const [row] = await db.query(`SELECT ${ASSIGNMENT_COLUMNS} FROM assignments WHERE case_id = $1 AND active`, [caseId]);
    return row;
  }

  async insertAssignment(
    tx: EntityManager,
    a: { id: string; caseId: string; category: string; tier: string; decision: Decision; by?: string | null },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO assignments (id, case_id, unit_id, assignee, rule_id, rule_version, reason, category, tier, via, assigned_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
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
        a.decision.via,
        a.by ?? null,
      ],
    );
  }

  async endAssignment(tx: EntityManager, id: string, endReason: 'returned' | 'reassigned' | 'designated' | 'completed', by: string | null): Promise<void> {
    await tx.query(`UPDATE assignments SET active = false, ended_at = now(), end_reason = $2, ended_by = $3 WHERE id = $1`, [id, endReason, by]);
  }

  async insertReturn(tx: EntityManager, r: { id: string; caseId: string; assignmentId: string; unitId: string; reason: string; by: string }) {
    await tx.query(
      `INSERT INTO case_returns (id, case_id, assignment_id, unit_id, reason, returned_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [r.id, r.caseId, r.assignmentId, r.unitId, r.reason, r.by],
    );
  }

  async returnsOf(db: Db, caseId: string): Promise<{ unitId: string; reason: string; returnedBy: string; returnedAt: Date }[]> {
    return db.query(
      `SELECT unit_id AS "unitId", reason, returned_by AS "returnedBy", returned_at AS "returnedAt"
         FROM case_returns WHERE case_id = $1 ORDER BY returned_at`,
      [caseId],
    );
  }

  async assignmentsOf(caseId: string): Promise<AssignmentRow[]> {
    return this.dataSource.query(`SELECT ${ASSIGNMENT_COLUMNS} FROM assignments WHERE case_id = $1 ORDER BY assigned_at`, [caseId]);
  }

  /**
   * Who finally handled each case of the last `days`: its latest assignment that
   * is not the coordinator's (after returns, designations and reassignments),
   * with the case's most specific jurisdiction.
   */
  async handledCases(days: number): Promise<{ category: string; districtId: string | null; unitId: string; at: Date }[]> {
    return this.dataSource.query(
      `SELECT DISTINCT ON (a.case_id) d.category, d.places[1] AS "districtId", a.unit_id AS "unitId", d.received_at AS at
         FROM assignments a JOIN dispatch_cases d ON d.case_id = a.case_id
        WHERE d.received_at > now() - make_interval(days => $1) AND a.via <> 'coordinator'
        ORDER BY a.case_id, a.assigned_at DESC`,
      [days],
    );
  }

  /** Cases waiting in the coordinator queue for a lead unit, the most urgent first. */
  async coordinationQueue(principal: Principal): Promise<unknown[]> {
    const params: unknown[] = [];
    const cleared = clearedCases(principal, 'a.case_id', params);
    return this.dataSource.query(
      `SELECT a.case_id AS "caseId", a.category, a.tier, a.reason, a.assigned_at AS "queuedAt",
              (SELECT count(*)::int FROM case_returns r WHERE r.case_id = a.case_id) AS returns
         FROM assignments a WHERE a.active AND a.via = 'coordinator' AND ${cleared} ORDER BY a.assigned_at`,
      params,
    );
  }
}
