import { AnyEnvelope, CaseView, CreateCaseRequest } from '@duban/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { Category } from '../domain/category';
import { KeywordCategory } from '../domain/classification';
import { describeEvent, laterStatus, CaseStatus } from '../domain/case-view';

export interface NewCase extends CreateCaseRequest {
  id: string;
  category: string;
  tier: Category['tier'];
  channel: NonNullable<CreateCaseRequest['channel']>;
  reporterSubject: string;
  reporterUsername: string;
  receivedAt: Date;
  traceId: string | null;
}

interface CaseRow {
  id: string;
  title: string;
  description: string;
  category: string;
  tier: CaseView['tier'];
  channel: CaseView['channel'];
  reporter_subject: string;
  received_at: Date;
  trace_id: string | null;
  status: CaseStatus;
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

/** Intake's cases and the case view (read model) it keeps from everyone's events. */
export class CaseRepository {
  private categories?: { loadedAt: number; byCode: Map<string, KeywordCategory & Category & { classNameEn: string | null }> };

  constructor(private readonly dataSource: DataSource) {}

  /** Categories change rarely and are read on every submission: kept in memory for 30 s. */
  async findCategory(code: string): Promise<Category | undefined> {
    return (await this.allCategories()).get(code);
  }

  async allCategories(): Promise<Map<string, KeywordCategory & Category & { classNameEn: string | null }>> {
    if (!this.categories || Date.now() - this.categories.loadedAt > CATEGORY_CACHE_MS) {
      const rows: (KeywordCategory & Category & { classNameEn: string | null })[] = await this.dataSource.query(
        'SELECT code, name_zh AS "nameZh", name_en AS "nameEn", tier, keywords, class_name_en AS "classNameEn" FROM categories ORDER BY code',
      );
      this.categories = { loadedAt: Date.now(), byCode: new Map(rows.map((c) => [c.code, c])) };
    }
    return this.categories.byCode;
  }

  async insert(tx: EntityManager, c: NewCase, summary: string, eventId: string): Promise<void> {
    await tx.query(
      `INSERT INTO cases (id, title, description, category, tier, channel, reporter_subject, reporter_username, location, received_at, trace_id,
                          caller, source_reference)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
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
      ],
    );
    await tx.query(`INSERT INTO case_views (case_id, status) VALUES ($1, 'received')`, [c.id]);
    await tx.query(
      `INSERT INTO case_timeline (event_id, case_id, type, source, occurred_at, unit_id, summary)
       VALUES ($1, $2, 'case.received', 'intake', $3, NULL, $4)`,
      [eventId, c.id, c.receivedAt, summary],
    );
  }

  /** Applies another service's event to the case view and appends it to the timeline. */
  async project(tx: EntityManager, event: AnyEnvelope): Promise<void> {
    const [current] = await tx.query('SELECT status FROM case_views WHERE case_id = $1 FOR UPDATE', [event.caseId]);
    if (!current) return;
    const { change, summary } = describeEvent(event);
    const status = laterStatus(current.status, change.status);
    await tx.query(
      `UPDATE case_views SET
         status = $2,
         unit_id = CASE WHEN $3 THEN $4 ELSE unit_id END,
         unit_name = CASE WHEN $3 THEN $5 ELSE unit_name END,
         assignee = CASE WHEN $3 THEN $6 ELSE assignee END,
         deadline = COALESCE($7, deadline),
         updated_at = now()
       WHERE case_id = $1`,
      [
        event.caseId,
        status,
        change.unitId !== undefined,
        change.unitId ?? null,
        change.unitName ?? null,
        change.assignee ?? null,
        change.deadline ?? null,
      ],
    );
    await tx.query(
      `INSERT INTO case_timeline (event_id, case_id, type, source, occurred_at, unit_id, summary)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING`,
      [event.id, event.caseId, event.type, event.source, event.occurredAt, event.unitId, summary],
    );
  }

  async find(id: string): Promise<StoredCase | undefined> {
    const [row]: CaseRow[] = await this.dataSource.query(
      `SELECT c.id, c.title, c.description, c.category, c.tier, c.channel, c.reporter_subject, c.received_at, c.trace_id,
              v.status, v.unit_id, v.unit_name, v.assignee, v.deadline
         FROM cases c JOIN case_views v ON v.case_id = c.id WHERE c.id = $1`,
      [id],
    );
    if (!row) return undefined;
    const timeline = await this.dataSource.query(
      `SELECT event_id AS "eventId", type, source, occurred_at AS "occurredAt", unit_id AS "unitId", summary
         FROM case_timeline WHERE case_id = $1 ORDER BY occurred_at, event_id`,
      [id],
    );
    return {
      reporterSubject: row.reporter_subject,
      view: {
        id: row.id,
        title: row.title,
        description: row.description,
        category: row.category,
        tier: row.tier,
        channel: row.channel,
        status: row.status,
        unitId: row.unit_id,
        unitName: row.unit_name,
        assignee: row.assignee,
        deadline: row.deadline ? row.deadline.toISOString() : null,
        receivedAt: row.received_at.toISOString(),
        traceId: row.trace_id,
        timeline: timeline.map((t: { occurredAt: Date }) => ({ ...t, occurredAt: t.occurredAt.toISOString() })),
      },
    };
  }
}
