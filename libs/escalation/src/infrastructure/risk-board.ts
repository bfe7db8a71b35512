import type { DataSource, EntityManager } from 'typeorm';
import { CaseLedger, explainRisk, RiskCase, riskFeatures, RiskModel, riskScore, stageFor } from '../domain/risk';
import { RESULT_STAGES } from '../domain/sla-policy';

const DAY = 86_400_000;

/** A case's limit: the due time of its latest result-stage clock not cancelled (`d.due_at`); `$stages` is the parameter holding RESULT_STAGES. */
const latestLimit = (stages: string) => `LEFT JOIN LATERAL (SELECT due_at FROM sla_clocks s
                    WHERE s.case_id = r.case_id AND s.stage = ANY(${stages}) AND s.state <> 'cancelled'
                    ORDER BY s.started_at DESC LIMIT 1) d ON true`;

/** What a board row says of the case itself, whether scored now or read back. */
const caseFields = (r: Pick<LedgerRow, 'case_id' | 'unit_id' | 'category' | 'channel' | 'opened_at' | 'due_at'>) => ({
  caseId: r.case_id,
  unitId: r.unit_id,
  category: r.category,
  channel: r.channel,
  openedAt: r.opened_at,
  dueAt: r.due_at as Date,
});

export interface RiskBoardOptions {
  /** The platform's offset from UTC, for the calendar features (China: 480). */
  utcOffsetMinutes: number;
  /** How long a loaded ledger is reused (ms). */
  ledgerTtlMs: number;
  /** How much closed history the ledger holds (days); open cases are always in it. */
  historyDays: number;
  now?: () => Date;
}

export interface RiskRow {
  caseId: string;
  unitId: string;
  category: string;
  channel: string | null;
  openedAt: Date;
  dueAt: Date;
  /** 0–1: the chance that the case is still open when its limit passes. */
  score: number;
  /** The score reached the threshold of the stage the case is in. */
  flagged: boolean;
  /** Which model stage scored it: the share of its allowed time it had used (0, 0.25, 0.5, 0.75). */
  stage: number;
  threshold: number | null;
  elapsedShare: number;
  /** The features that moved the score most (log-odds), largest first. */
  reasons: { feature: string; contribution: number }[];
}

interface LedgerRow {
  case_id: string;
  category: string;
  channel: string | null;
  unit_id: string;
  opened_at: Date;
  closed_at: Date | null;
  due_at: Date | null;
}

/** Where the next page of the board starts: the score and case id of the last row of the page before. */
export interface RiskCursor {
  score: number;
  caseId: string;
}

export interface RiskPage {
  cases: (RiskRow & { scoredAt: Date })[];
  /** The cursor of the next page; null on the last. */
  next: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The opaque cursor of `next` (base64url of the last row's score and case id). */
export const riskCursorText = (c: RiskCursor) => Buffer.from(JSON.stringify([c.score, c.caseId])).toString('base64url');

/** The cursor a client sent back, or undefined if it is not one this service wrote. */
export function parseRiskCursor(text: string): RiskCursor | undefined {
  if (text.length > 200 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [score, caseId] = value as unknown[];
    if (typeof score !== 'number' || !(score >= 0 && score <= 1) || typeof caseId !== 'string' || !UUID.test(caseId)) return undefined;
    return { score, caseId };
  } catch {
    return undefined;
  }
}

interface ScoredRow extends LedgerRow {
  score: number;
  flagged: boolean;
  stage: number;
  threshold: number | null;
  elapsed_share: number;
  reasons: RiskRow['reasons'];
  scored_at: Date;
}

/**
 * Early warning (预警) in the running product: every open case with a limit scored by the risk
 * model from what escalation's own clocks know — the case's category, channel and unit, its
 * result-stage limit, and the history and load of the other cases (`case_risk` + `sla_clocks`).
 *
 * Scores are kept with each case (`case_risk.score`, migration 1763900000430): `rescore` writes
 * them — the cases changed since they were last scored, or every open case — and the board reads
 * one page of them by score from an index, so what one call costs follows its page, not the number
 * of open cases (issue 19, item 5). `forCase` scores one case as it is now. The ledger the model
 * reads history and load from is loaded at most once per `ledgerTtlMs`.
 */
export class RiskBoard {
  private cached?: { at: number; rows: LedgerRow[]; ledger: CaseLedger };
  private loading?: Promise<{ rows: LedgerRow[]; ledger: CaseLedger }>;
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly model: RiskModel,
    private readonly options: RiskBoardOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * One page of open, scored cases with a limit, highest risk first (the case id breaks ties);
   * `unitId` narrows to one unit (with `subtree`, and the units below it), `flagged` to the flagged
   * ones, `after` continues from a page's cursor; `hidden`: cases the reader is not cleared for.
   */
  async board(filter: { unitId?: string | null; subtree?: boolean; flagged?: boolean; limit?: number; hidden?: ReadonlySet<string>; after?: RiskCursor } = {}): Promise<RiskPage> {
    const limit = filter.limit ?? 200;
    const inUnit = filter.subtree
      ? '($1::text IS NULL OR r.unit_id = $1 OR EXISTS (SELECT 1 FROM case_confidentiality cc WHERE cc.case_id = r.case_id AND $1 = ANY (cc.unit_path)))'
      : '($1::text IS NULL OR r.unit_id = $1)';
    const rows: ScoredRow[] = await this.dataSource.query(
      `SELECT r.case_id, r.category, r.channel, r.unit_id, r.opened_at, r.closed_at, r.due_at,
              r.score, r.flagged, r.stage, r.threshold, r.elapsed_share, r.reasons, r.scored_at
         FROM case_risk r
        WHERE r.closed_at IS NULL AND r.score IS NOT NULL AND ${inUnit}
          AND ($2::boolean IS FALSE OR r.flagged)
          AND ($3::double precision IS NULL OR (r.score, r.case_id) < ($3, $4::uuid))
          AND NOT (r.case_id = ANY ($5::uuid[]))
        ORDER BY r.score DESC, r.case_id DESC
        LIMIT $6`,
      [filter.unitId ?? null, filter.flagged === true, filter.after?.score ?? null, filter.after?.caseId ?? null, [...(filter.hidden ?? [])], limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      cases: page.map((r) => ({
        ...caseFields(r),
        score: r.score,
        flagged: r.flagged,
        stage: r.stage,
        threshold: r.threshold,
        elapsedShare: r.elapsed_share,
        reasons: r.reasons,
        scoredAt: r.scored_at,
      })),
      next: rows.length > limit && last ? riskCursorText({ score: last.score, caseId: last.case_id }) : null,
    };
  }

  /** One case's score now (undefined: not known to escalation, closed, or without a limit). */
  async forCase(caseId: string): Promise<RiskRow | undefined> {
    const now = this.now().getTime();
    const { ledger } = await this.ledger(now);
    // The case as it is now, scored against the ledger (which may be up to a TTL old).
    const [row] = await this.read(this.dataSource, now, { caseId });
    if (!row || row.closed_at !== null || row.due_at === null) return undefined;
    return this.score(ledger, row, now);
  }

  /**
   * Scores open cases and keeps the scores with them: `changed`, those not scored since their
   * unit, category or limit changed (`scored_at` NULL); `all`, every open case. Cases go in
   * batches of `batch`; a row changed by a consumer while it was being scored keeps its NULL
   * (the write checks the row version it read), so the next pass scores it again. Returns how
   * many cases were scored.
   */
  async rescore(which: 'changed' | 'all' = 'all', batch = 500): Promise<number> {
    let scored = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const now = this.now().getTime();
      const { ledger } = await this.ledger(now);
      const rows: (LedgerRow & { version: string })[] = await this.dataSource.query(
        `SELECT r.case_id, r.category, r.channel, r.unit_id, r.opened_at, r.closed_at, d.due_at, r.xmin::text AS version
           FROM case_risk r
           ${latestLimit('$3')}
          WHERE r.closed_at IS NULL AND r.case_id > $1 ${which === 'changed' ? 'AND r.scored_at IS NULL' : ''}
          ORDER BY r.case_id LIMIT $2`,
        [after, batch, RESULT_STAGES],
      );
      if (rows.length === 0) return scored;
      after = rows[rows.length - 1].case_id;
      const at = new Date(now);
      // Cases without a unit, a start or a limit yet are marked scored with no score (off the board) until they change.
      const values = rows.map((r) => ({ r, s: r.category !== null && r.unit_id !== null && r.opened_at !== null && r.due_at !== null ? this.score(ledger, r, now) : undefined }));
      await this.dataSource.query(
        `UPDATE case_risk r
            SET due_at = u.due_at, score = u.score, flagged = u.flagged, stage = u.stage, threshold = u.threshold,
                elapsed_share = u.elapsed_share, reasons = u.reasons, scored_at = $1
           FROM jsonb_to_recordset($2::jsonb) AS u(case_id uuid, version text, due_at timestamptz, score double precision, flagged boolean,
                                                   stage double precision, threshold double precision, elapsed_share double precision, reasons jsonb)
          WHERE r.case_id = u.case_id AND r.xmin::text = u.version
            -- A row a consumer's batch holds is left for the next pass (it changes, so the version
            -- check would refuse it anyway): the scorer never waits on a batch, nor a batch long on it.
            AND r.case_id IN (SELECT l.case_id FROM case_risk l WHERE l.case_id = ANY($3::uuid[]) FOR UPDATE SKIP LOCKED)
            -- A score that has not moved (at the stored precision) is not written again: a full pass over
            -- many open cases rewrites only the rows whose score, flag, stage, share, reasons or limit changed.
            AND (r.scored_at IS NULL OR r.score IS DISTINCT FROM u.score OR r.flagged IS DISTINCT FROM u.flagged
                 OR r.due_at IS DISTINCT FROM u.due_at OR r.stage IS DISTINCT FROM u.stage OR r.threshold IS DISTINCT FROM u.threshold
                 OR r.elapsed_share IS DISTINCT FROM u.elapsed_share OR r.reasons IS DISTINCT FROM u.reasons)`,
        [
          at,
          JSON.stringify(
            values.map(({ r, s }) => ({
              case_id: r.case_id,
              version: r.version,
              due_at: r.due_at,
              score: stored(s?.score),
              flagged: s?.flagged ?? null,
              stage: s?.stage ?? null,
              threshold: stored(s?.threshold),
              elapsed_share: stored(s?.elapsedShare),
              reasons: s?.reasons.map((reason) => ({ ...reason, contribution: stored(reason.contribution) })) ?? null,
            })),
          ),
          values.map(({ r }) => r.case_id),
        ],
      );
      scored += values.filter((v) => v.s).length;
      if (rows.length < batch) return scored;
    }
  }

  /** Claims the next full pass for `by` if it is due (one replica runs it); the one after is due `intervalMs` later. */
  async claimFullPass(by: string, intervalMs: number): Promise<boolean> {
    const now = this.now();
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE risk_scoring SET next_at = $1::timestamptz + $2 * interval '1 millisecond', by = $3 WHERE id = 1 AND next_at <= $1 RETURNING id`,
      [now, intervalMs, by],
    );
    return rows.length === 1;
  }

  private score(ledger: CaseLedger, r: LedgerRow, now: number): RiskRow {
    const c = toRiskCase(r);
    const features = riskFeatures(ledger, c, Math.max(now, c.openedAt), { ...this.model.featureOptions, utcOffsetMinutes: this.options.utcOffsetMinutes });
    const stage = stageFor(this.model, features.elapsedShare);
    const score = riskScore(this.model, features);
    return {
      ...caseFields(r),
      score: Math.round(score * 1000) / 1000,
      flagged: stage.threshold !== undefined && score >= stage.threshold,
      stage: stage.fromShare,
      threshold: stage.threshold ?? null,
      elapsedShare: Math.round(features.elapsedShare * 1000) / 1000,
      reasons: explainRisk(this.model, features)
        .filter((p) => p.feature !== 'bias')
        .slice(0, 3)
        .map((p) => ({ feature: p.feature, contribution: Math.round(p.contribution * 1000) / 1000 })),
    };
  }

  private async ledger(now: number): Promise<{ rows: LedgerRow[]; ledger: CaseLedger }> {
    if (this.cached && now - this.cached.at < this.options.ledgerTtlMs) return this.cached;
    this.loading ??= this.read(this.dataSource, now)
      .then((rows) => {
        this.cached = { at: now, rows, ledger: new CaseLedger(rows.map(toRiskCase)) };
        return this.cached;
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** The cases of the ledger (open ones and those taken on within the history window), or one case; the limit is the latest result-stage clock's. */
  private read(db: DataSource | EntityManager, now: number, only: { caseId?: string } = {}): Promise<LedgerRow[]> {
    const where = only.caseId
      ? { sql: 'r.case_id = $1::uuid', param: only.caseId as unknown }
      : { sql: '(r.closed_at IS NULL OR r.opened_at > $1)', param: new Date(now - this.options.historyDays * DAY) as unknown };
    return db.query(
      `SELECT r.case_id, r.category, r.channel, r.unit_id, r.opened_at, r.closed_at, d.due_at
         FROM case_risk r
         ${latestLimit('$2')}
        WHERE r.category IS NOT NULL AND r.unit_id IS NOT NULL AND r.opened_at IS NOT NULL AND ${where.sql}`,
      [where.param, RESULT_STAGES],
    );
  }
}

export function toRiskCase(r: Pick<LedgerRow, 'category' | 'unit_id' | 'channel' | 'opened_at' | 'due_at' | 'closed_at'>): RiskCase {
  return {
    type: r.category,
    unit: r.unit_id,
    channel: r.channel ?? undefined,
    openedAt: r.opened_at.getTime(),
    dueAt: r.due_at ? r.due_at.getTime() : null,
    closedAt: r.closed_at ? r.closed_at.getTime() : null,
  };
}

/**
 * Kept scores, shares and contributions are stored to 0.1 % — what the board shows — so a pass
 * finds most of them unchanged (a 5-day limit's share moves 0.1 % in 7 minutes) and leaves them.
 */
function stored(x: number | null | undefined): number | null {
  return x === undefined || x === null ? null : Math.round(x * 1_000) / 1_000;
}
