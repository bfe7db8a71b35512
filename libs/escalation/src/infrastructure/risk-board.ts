import type { DataSource, EntityManager } from 'typeorm';
import { CaseLedger, explainRisk, RiskCase, riskFeatures, RiskModel, riskScore, stageFor } from '../domain/risk';
import { RESULT_STAGES } from '../domain/sla-policy';

const DAY = 86_400_000;

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

/**
 * Early warning (预警) in the running product: every open case with a limit scored by the risk
 * model from what escalation's own clocks know — the case's category, channel and unit, its
 * result-stage limit, and the history and load of the other cases (`case_risk` + `sla_clocks`).
 * The ledger is read at most once per `ledgerTtlMs`; scoring is pure and per request.
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

  /** Open cases with a limit, highest risk first; `unitId` narrows to one unit, `flagged` to the flagged ones. */
  /** `hidden`: cases the reader is not cleared for (left out before the limit). */
  async board(filter: { unitId?: string | null; subtree?: boolean; flagged?: boolean; limit?: number; hidden?: ReadonlySet<string> } = {}): Promise<RiskRow[]> {
    const now = this.now().getTime();
    const { ledger } = await this.ledger(now);
    // Which cases are open is read now (the ledger's history and load may be up to a TTL old).
    const open = await this.read(this.dataSource, now, { openIn: filter.unitId ?? null, subtree: filter.subtree });
    const scored = open
      .filter((r) => r.closed_at === null && r.due_at !== null && !filter.hidden?.has(r.case_id))
      .map((r) => this.score(ledger, r, now))
      .filter((r) => !filter.flagged || r.flagged)
      .sort((a, b) => b.score - a.score);
    return scored.slice(0, filter.limit ?? 200);
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

  private score(ledger: CaseLedger, r: LedgerRow, now: number): RiskRow {
    const c = toRiskCase(r);
    const features = riskFeatures(ledger, c, Math.max(now, c.openedAt), { ...this.model.featureOptions, utcOffsetMinutes: this.options.utcOffsetMinutes });
    const stage = stageFor(this.model, features.elapsedShare);
    const score = riskScore(this.model, features);
    return {
      caseId: r.case_id,
      unitId: r.unit_id,
      category: r.category,
      channel: r.channel,
      openedAt: r.opened_at,
      dueAt: r.due_at as Date,
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

  /** The cases of the ledger: open ones and those taken on within the history window; the limit is the latest result-stage clock's. */
  private read(db: DataSource | EntityManager, now: number, only: { caseId?: string; openIn?: string | null; subtree?: boolean } = {}): Promise<LedgerRow[]> {
    // A unit's cases; with `subtree`, also those of the units below it (the path each case's copy keeps).
    const inUnit = only.subtree
      ? '($1::text IS NULL OR r.unit_id = $1 OR EXISTS (SELECT 1 FROM case_confidentiality cc WHERE cc.case_id = r.case_id AND $1 = ANY (cc.unit_path)))'
      : '($1::text IS NULL OR r.unit_id = $1)';
    const where = only.caseId
      ? { sql: 'r.case_id = $1::uuid', param: only.caseId as unknown }
      : 'openIn' in only
        ? { sql: `r.closed_at IS NULL AND ${inUnit}`, param: only.openIn as unknown }
        : { sql: '(r.closed_at IS NULL OR r.opened_at > $1)', param: new Date(now - this.options.historyDays * DAY) as unknown };
    return db.query(
      `SELECT r.case_id, r.category, r.channel, r.unit_id, r.opened_at, r.closed_at, d.due_at
         FROM case_risk r
         LEFT JOIN LATERAL (SELECT due_at FROM sla_clocks s
                             WHERE s.case_id = r.case_id AND s.stage = ANY($2) AND s.state <> 'cancelled'
                             ORDER BY s.started_at DESC LIMIT 1) d ON true
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
