import { forDisplay } from '@duban/service-defaults';
import { clears } from '@duban/auth';
import { AnyEnvelope, CaseAssigned, CaseView, CreateCaseRequest, EventOf } from '@duban/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { Category } from '../domain/category';
import { KeywordCategory } from '../domain/classification';
import { describeEvent, laterStatus, CaseStatus } from '../domain/case-view';
import { Candidate } from '../domain/duplicates';
import type { Open311Attribute } from '../domain/open311';

/** An open case as the one map draws it. */
export interface MapCase {
  caseId: string;
  lat: number | null;
  lon: number | null;
  category: string;
  tier: string;
  status: string;
  unitId: string | null;
  receivedAt: Date;
}

export interface NewCase extends CreateCaseRequest {
  id: string;
  category: string;
  tier: Category['tier'];
  channel: NonNullable<CreateCaseRequest['channel']>;
  reporterSubject: string;
  reporterUsername: string;
  receivedAt: Date;
  traceId: string | null;
  duplicateOf?: string | null;
}

interface CaseRow {
  id: string;
  title: string;
  description: string;
  category: string;
  tier: CaseView['tier'];
  channel: CaseView['channel'];
  reporter_subject: string;
  confidentiality: CaseView['confidentiality'];
  received_at: Date;
  trace_id: string | null;
  status: CaseStatus;
  duplicate_of: string | null;
  unit_id: string | null;
  unit_name: string | null;
  assignee: string | null;
  deadline: Date | null;
}

export interface StoredCase {
  view: CaseView;
  reporterSubject: string;
}

const CATEGORY_CACHE_MS = 30_000;

/** A category as the lists read it: names, keywords, its class, and the Open311 attributes it asks for. */
export type ListedCategory = KeywordCategory & Category & { classNameEn: string | null; open311Attributes: Open311Attribute[] };

/** Intake's cases and the case view (read model) it keeps from everyone's events. */
export class CaseRepository {
  private categories?: { loadedAt: number; byCode: Map<string, ListedCategory> };

  constructor(private readonly dataSource: DataSource) {}

  /** Categories change rarely and are read on every submission: kept in memory for 30 s. */
  async findCategory(code: string): Promise<Category | undefined> {
    return (await this.allCategories()).get(code);
  }

  async allCategories(): Promise<Map<string, ListedCategory>> {
    if (!this.categories || Date.now() - this.categories.loadedAt > CATEGORY_CACHE_MS) {
      const rows: ListedCategory[] = await this.dataSource.query(
        `SELECT code, name_zh AS "nameZh", name_en AS "nameEn", tier, keywords, class_name_en AS "classNameEn",
                open311_attributes AS "open311Attributes" FROM categories ORDER BY code`,
      );
      this.categories = { loadedAt: Date.now(), byCode: new Map(rows.map((c) => [c.code, c])) };
    }
    return this.categories.byCode;
  }

  /** The case, its view and the first line of its timeline: one statement (the filing's request path). */
  async insert(tx: EntityManager, c: NewCase, summary: string, eventId: string): Promise<void> {
    await tx.query(
      `WITH filed AS (
         INSERT INTO cases (id, title, description, category, tier, channel, reporter_subject, reporter_username, location, received_at, trace_id,
                            caller, source_reference, lat, lon, duplicate_of, confidentiality)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         RETURNING id
       ), viewed AS (
         INSERT INTO case_views (case_id, status) SELECT id, 'received' FROM filed
       )
       INSERT INTO case_timeline (event_id, case_id, type, source, occurred_at, unit_id, summary)
       SELECT $18, id, 'case.received', 'intake', $10, NULL, $19 FROM filed`,
      [
        c.id,
        c.title,
        c.description,
        c.category,
        c.tier,
        c.channel,
        c.reporterSubject,
        c.reporterUsername,
        c.location ? JSON.stringify(c.location) : null,
        c.receivedAt,
        c.traceId,
        c.caller ? JSON.stringify(c.caller) : null,
        c.sourceReference ?? null,
        c.location?.point?.lat ?? null,
        c.location?.point?.lon ?? null,
        c.duplicateOf ?? null,
        c.confidentiality ?? 'public',
        eventId,
        summary,
      ],
    );
  }

  /** A case's confidentiality and its unit's path, for every route that names it (null: no such case; CaseAccessSource). */
  async accessOf(id: string): Promise<{ level: CaseView['confidentiality']; unitPath: string[] } | null> {
    const [row]: { confidentiality: CaseView['confidentiality']; unit_path: string[] | null }[] = await this.dataSource.query(
      'SELECT c.confidentiality, v.unit_path FROM cases c JOIN case_views v ON v.case_id = c.id WHERE c.id = $1',
      [id],
    );
    return row ? { level: row.confidentiality, unitPath: row.unit_path ?? [] } : null;
  }

  /** One of intake's own steps in a case's timeline (reclassified, unlinked, a level changed, a report linked). */
  async noteStep(tx: EntityManager, step: { eventId: string; caseId: string; type: string; occurredAt: Date | string; summary: string }): Promise<void> {
    await tx.query(
      `INSERT INTO case_timeline (event_id, case_id, type, source, occurred_at, unit_id, summary) VALUES ($1, $2, $3, 'intake', $4, NULL, $5)`,
      [step.eventId, step.caseId, step.type, step.occurredAt, step.summary],
    );
  }

  /**
   * Applies other services' events, in order, to the case views and appends them to the
   * timelines — the same as one event after another, with one statement per table for the whole
   * delivery (hand-written multi-row SQL, issue 13: this projection took more statements per case
   * than any other consumer).
   */
  async project(tx: EntityManager, events: AnyEnvelope[]): Promise<void> {
    const caseIds = [...new Set(events.map((e) => e.caseId))];
    // Locked in one order, so two deliveries touching the same cases cannot deadlock.
    const rows: { case_id: string; status: CaseStatus }[] = await tx.query(
      'SELECT case_id, status FROM case_views WHERE case_id = ANY($1::uuid[]) ORDER BY case_id FOR UPDATE',
      [caseIds],
    );
    interface Next {
      status: CaseStatus;
      unit?: { id: string | null; name: string | null; assignee: string | null };
      deadline?: string;
      unitPath?: string[];
    }
    const views = new Map<string, Next>(rows.map((r) => [r.case_id, { status: r.status }]));
    // Rebounds compare with the resolutions on the timeline (before this delivery, plus those in it).
    const described = events.filter((e) => views.has(e.caseId)).map((event) => ({ event, ...describeEvent(event) }));
    const reopening = [...new Set(described.filter((d) => d.change.reopen).map((d) => d.event.caseId))];
    const resolutions = new Map<string, number>();
    if (reopening.length > 0) {
      const counted: { case_id: string; n: number }[] = await tx.query(
        `SELECT case_id, count(*)::int AS n FROM case_timeline WHERE case_id = ANY($1::uuid[]) AND type = 'case.resolved' GROUP BY case_id`,
        [reopening],
      );
      for (const r of counted) resolutions.set(r.case_id, r.n);
    }
    const timeline: { event: AnyEnvelope; summary: string }[] = [];
    for (const { event, change, summary } of described) {
      const view = views.get(event.caseId)!;
      let status = laterStatus(view.status, change.status);
      // Status moves only forward, except a rebound (重办): the reporter reopened the resolution it
      // names — unless a later resolution arrived first (topics are not ordered against each other).
      if (change.reopen && status === 'resolved' && (resolutions.get(event.caseId) ?? 0) <= change.reopen.round) status = 'in-progress';
      view.status = status;
      if (change.unitId !== undefined) view.unit = { id: change.unitId ?? null, name: change.unitName ?? null, assignee: change.assignee ?? null };
      if (change.deadline) view.deadline = change.deadline;
      // The responsible unit's path, for the heads above it (docs/security.md).
      if (event.type === CaseAssigned.type) {
        const data = (event as EventOf<typeof CaseAssigned>).data;
        view.unitPath = data.unitPath ?? [data.unitId];
      }
      if (event.type === 'case.resolved') resolutions.set(event.caseId, (resolutions.get(event.caseId) ?? 0) + 1);
      timeline.push({ event, summary });
    }
    if (timeline.length === 0) return;
    const changed = [...views.entries()];
    await tx.query(
      `UPDATE case_views v SET
         status = n.status,
         unit_id = CASE WHEN n.unit_set THEN n.unit_id ELSE v.unit_id END,
         unit_name = CASE WHEN n.unit_set THEN n.unit_name ELSE v.unit_name END,
         assignee = CASE WHEN n.unit_set THEN n.assignee ELSE v.assignee END,
         deadline = COALESCE(n.deadline, v.deadline),
         unit_path = COALESCE(string_to_array(n.unit_path, chr(31)), v.unit_path),
         updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::bool[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
            AS n(case_id, status, unit_set, unit_id, unit_name, assignee, deadline, unit_path)
       WHERE v.case_id = n.case_id`,
      [
        changed.map(([id]) => id),
        changed.map(([, v]) => v.status),
        changed.map(([, v]) => v.unit !== undefined),
        changed.map(([, v]) => v.unit?.id ?? null),
        changed.map(([, v]) => v.unit?.name ?? null),
        changed.map(([, v]) => v.unit?.assignee ?? null),
        changed.map(([, v]) => v.deadline ?? null),
        // unnest cannot take an array of arrays of different lengths: each path travels joined by
        // the unit separator (a character no unit id contains).
        changed.map(([, v]) => (v.unitPath ? v.unitPath.join('\u001f') : null)),
      ],
    );
    await tx.query(
      `INSERT INTO case_timeline (event_id, case_id, type, source, occurred_at, unit_id, summary)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        timeline.map((t) => t.event.id),
        timeline.map((t) => t.event.caseId),
        timeline.map((t) => t.event.type),
        timeline.map((t) => t.event.source),
        timeline.map((t) => t.event.occurredAt),
        timeline.map((t) => t.event.unitId ?? null),
        timeline.map((t) => t.summary),
      ],
    );
  }

  async find(id: string): Promise<StoredCase | undefined> {
    const row = await this.caseRow(id);
    if (!row) return undefined;
    const timeline = await this.timelineOf(id);
    const view: CaseView = {
      id: row.id,
      // Shown without bidi controls; the case keeps what was sent (display-text.ts).
      title: forDisplay(row.title),
      description: forDisplay(row.description),
      category: row.category,
      tier: row.tier,
      channel: row.channel,
      confidentiality: row.confidentiality,
      status: row.status,
      unitId: row.unit_id,
      unitName: row.unit_name,
      assignee: row.assignee,
      deadline: row.deadline ? row.deadline.toISOString() : null,
      receivedAt: row.received_at.toISOString(),
      traceId: row.trace_id,
      duplicateOf: row.duplicate_of,
      timeline,
    };
    if (row.duplicate_of) {
      // A linked report follows the open case it repeats: its status, unit, deadline and steps —
      // unless that case was made more confidential than the report since.
      const original = await this.caseRow(row.duplicate_of);
      if (original && clears(row.confidentiality, original.confidentiality)) {
        Object.assign(view, {
          status: original.status,
          unitId: original.unit_id,
          unitName: original.unit_name,
          assignee: original.assignee,
          deadline: original.deadline ? original.deadline.toISOString() : null,
        });
        const followed = (await this.timelineOf(original.id)).map((t) => ({ ...t, summary: `Original case: ${t.summary}` }));
        view.timeline = [...timeline, ...followed].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId));
      }
    } else {
      const linked: { id: string }[] = await this.dataSource.query('SELECT id FROM cases WHERE duplicate_of = $1 ORDER BY received_at', [id]);
      if (linked.length > 0) view.duplicates = linked.map((l) => l.id);
    }
    return { reporterSubject: row.reporter_subject, view };
  }

  /**
   * The open cases of a category a new report may repeat. With a point: those
   * within `box` (the text radius, which covers the place radius) and a few
   * recent ones without a point; without a point: the most recent ones. Bounded,
   * so a filing's cost does not grow with the number of open cases.
   */
  async duplicateCandidates(
    tx: EntityManager,
    q: { category: string; windowHours: number; box?: { minLat: number; maxLat: number; minLon: number; maxLon: number }; levels: string[] },
  ): Promise<Candidate[]> {
    // Only cases the new report may follow: no more confidential than it, nor than its filer's clearance ($3).
    const open = `c.duplicate_of IS NULL AND c.category = $1 AND c.received_at > now() - make_interval(hours => $2)
                  AND c.confidentiality = ANY($3::text[]) AND v.status NOT IN ('resolved', 'closed')`;
    const columns = `c.id, c.category, c.lat, c.lon, c.title || ' ' || c.description AS text, c.received_at AS "receivedAt"`;
    const from = 'FROM cases c JOIN case_views v ON v.case_id = c.id';
    if (!q.box) {
      return tx.query(`SELECT ${columns} ${from} WHERE ${open} ORDER BY c.received_at DESC LIMIT 100`, [q.category, q.windowHours, q.levels]);
    }
    return tx.query(
      `(SELECT ${columns} ${from} WHERE ${open} AND c.lat BETWEEN $4 AND $5 AND c.lon BETWEEN $6 AND $7 LIMIT 200)
       UNION ALL
       (SELECT ${columns} ${from} WHERE ${open} AND c.lat IS NULL ORDER BY c.received_at DESC LIMIT 20)`,
      [q.category, q.windowHours, q.levels, q.box.minLat, q.box.maxLat, q.box.minLon, q.box.maxLon],
    );
  }

  /**
   * The open cases for the one map (一张图): where each is, what it is and who holds it — one row per
   * case, newest first, at most `limit` (the caller says when there were more). Cases more
   * confidential than `levels` allow are left out.
   */
  async openForMap(levels: string[], limit: number): Promise<MapCase[]> {
    return this.dataSource.query(
      `SELECT c.id AS "caseId", c.lat, c.lon, c.category, c.tier, v.status, v.unit_id AS "unitId", c.received_at AS "receivedAt"
         FROM cases c JOIN case_views v ON v.case_id = c.id
        WHERE v.status NOT IN ('resolved', 'closed') AND c.duplicate_of IS NULL AND c.confidentiality = ANY($1::text[])
        ORDER BY c.received_at DESC LIMIT $2`,
      [levels, limit],
    );
  }

  private async caseRow(id: string): Promise<CaseRow | undefined> {
    const [row]: CaseRow[] = await this.dataSource.query(
      `SELECT c.id, c.title, c.description, c.category, c.tier, c.channel, c.reporter_subject, c.confidentiality, c.received_at, c.trace_id, c.duplicate_of,
              v.status, v.unit_id, v.unit_name, v.assignee, v.deadline
         FROM cases c JOIN case_views v ON v.case_id = c.id WHERE c.id = $1`,
      [id],
    );
    return row;
  }

  private async timelineOf(id: string): Promise<CaseView['timeline']> {
    const rows: (Omit<CaseView['timeline'][number], 'occurredAt'> & { occurredAt: Date })[] = await this.dataSource.query(
      `SELECT event_id AS "eventId", type, source, occurred_at AS "occurredAt", unit_id AS "unitId", summary
         FROM case_timeline WHERE case_id = $1 ORDER BY occurred_at, event_id`,
      [id],
    );
    return rows.map((t) => ({ ...t, summary: forDisplay(t.summary), occurredAt: t.occurredAt.toISOString() }));
  }
}
