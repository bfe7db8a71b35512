import { AnyEnvelope, newEvent, SlaLightChanged, SupervisionEscalated } from '@duban/contracts';
import { issueCard } from './cards';
import { enqueue, WakeableSleep } from '@duban/messaging';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

interface DueTimer {
  id: string;
  clock_id: string;
  case_id: string;
  unit_id: string;
  stage: string;
  light: 'yellow' | 'orange' | 'red';
  rung: 'handler' | 'unit-head' | 'supervision-office';
  fire_at: Date;
  due_at: Date;
}

export interface SweeperOptions {
  dataSource: DataSource;
  topic: string;
  logger: Logger;
  /** Who this sweeper is (kept on each timer it fires). */
  name: string;
  /** The time source; tests pass a clock they control. */
  now?: () => Date;
  batchSize?: number;
  pollMs?: number;
  /** Stages whose red light makes a department-level case organisation-level (the first stages). */
  escalateStages?: readonly string[];
  /** Called with how late each timer fired (ms), for the metrics. */
  onFired?: (latenessMs: number) => void;
}

/**
 * Fires due light timers. Any number of escalation replicas sweep together:
 * each claims a batch with FOR UPDATE SKIP LOCKED and marks it fired in the
 * same transaction as the events it enqueues, so no timer fires twice and none
 * is lost if a replica dies mid-batch. A sweep reads only due timers (partial
 * index on unfired due times), so its cost follows what is due, not what is open.
 */
export class TimerSweeper {
  private running = false;
  private loop?: Promise<void>;
  private readonly pause = new WakeableSleep();
  private readonly now: () => Date;

  constructor(private readonly options: SweeperOptions) {
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await this.loop;
  }

  /** Fires one batch of due timers; returns how many. */
  async sweep(): Promise<number> {
    const now = this.now();
    return this.options.dataSource.transaction(async (tx) => {
      // `= ANY(ARRAY(subquery))` keeps the planner on the partial due-time index and an index
      // lookup per claimed id whatever the table size (a join to the subquery chose a
      // sequential scan on small tables; docs/benchmarks.md, timers).
      const [claimed]: [DueTimer[], number] = await tx.query(
        `UPDATE clock_timers t SET fired_at = $1, fired_by = $3
           FROM sla_clocks c
          WHERE t.id = ANY(ARRAY(SELECT id FROM clock_timers WHERE fired_at IS NULL AND fire_at <= $1
                                  ORDER BY fire_at LIMIT $2 FOR UPDATE SKIP LOCKED))
            AND c.id = t.clock_id
          RETURNING t.id, t.clock_id, t.case_id, t.unit_id, t.stage, t.light, t.rung, t.fire_at, c.due_at`,
        [now, this.options.batchSize ?? 500, this.options.name],
      );
      // UPDATE … RETURNING has no order: events go out in the order the timers were due.
      const fired = claimed.sort((a, b) => a.fire_at.getTime() - b.fire_at.getTime() || a.id.localeCompare(b.id));
      if (fired.length === 0) return 0;
      const breached = fired.filter((t) => t.light === 'red').map((t) => t.clock_id);
      if (breached.length > 0) {
        await tx.query(`UPDATE sla_clocks SET state = 'breached' WHERE id = ANY($1::uuid[]) AND state = 'running'`, [breached]);
      }
      const escalated: AnyEnvelope[] = [];
      const reds = fired.filter((f) => f.light === 'red');
      // The supervision level of every case turning red, in one read; escalations below add to it.
      const levels: { case_id: string }[] = reds.length
        ? await tx.query(`SELECT case_id FROM case_supervision WHERE case_id = ANY($1::uuid[]) AND level = 'organisation'`, [reds.map((t) => t.case_id)])
        : [];
      const organisationLevel = new Set(levels.map((l) => l.case_id));
      for (const t of reds) {
        // A card for the unit: red when the case was organisation-level already, else yellow.
        const kind = organisationLevel.has(t.case_id) ? 'red' : 'yellow';
        const reason = kind === 'red' ? `organisation-level case past its ${t.stage} limit` : `case past its ${t.stage} limit`;
        escalated.push(...(await issueCard(tx, { caseId: t.case_id, unitId: t.unit_id, clockId: t.clock_id, stage: t.stage, kind, reason }, now)));
        // Open at the limit of a first stage: the case becomes organisation-level, once.
        if (!(this.options.escalateStages ?? []).includes(t.stage)) continue;
        const rows: { case_id: string }[] = await tx.query(
          `INSERT INTO case_supervision (case_id, level, since, clock_id) VALUES ($1, 'organisation', $2, $3)
           ON CONFLICT (case_id) DO UPDATE SET level = 'organisation', since = EXCLUDED.since, clock_id = EXCLUDED.clock_id
           WHERE case_supervision.level = 'department' RETURNING case_id`,
          [t.case_id, now, t.clock_id],
        );
        organisationLevel.add(t.case_id);
        if (rows.length > 0) {
          escalated.push(
            newEvent(SupervisionEscalated, {
              caseId: t.case_id,
              unitId: t.unit_id,
              occurredAt: now,
              data: { level: 'organisation', clockId: t.clock_id, stage: t.stage, dueAt: t.due_at.toISOString() },
            }),
          );
        }
      }
      await enqueue(
        tx,
        this.options.topic,
        fired.map((t) =>
          newEvent(SlaLightChanged, {
            caseId: t.case_id,
            unitId: t.unit_id,
            occurredAt: now,
            data: {
              clockId: t.clock_id,
              stage: t.stage,
              light: t.light,
              rung: t.rung,
              dueAt: t.due_at.toISOString(),
              scheduledAt: t.fire_at.toISOString(),
            },
          }),
        ),
      );
      await enqueue(tx, this.options.topic, escalated);
      for (const t of fired) this.options.onFired?.(now.getTime() - t.fire_at.getTime());
      return fired.length;
    });
  }

  /** When the next unfired timer is due (null: none). */
  async nextDue(): Promise<Date | null> {
    const [row] = await this.options.dataSource.query('SELECT min(fire_at) AS next FROM clock_timers WHERE fired_at IS NULL');
    return row?.next ?? null;
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 1000;
    while (this.running) {
      let wait = pollMs;
      try {
        while (this.running && (await this.sweep()) === (this.options.batchSize ?? 500)) {
          /* a full batch: more may be due */
        }
        const next = await this.nextDue();
        if (next) wait = Math.max(0, Math.min(pollMs, next.getTime() - this.now().getTime()));
      } catch (error) {
        this.options.logger.warn({ err: error }, 'timer sweep failed; will retry');
      }
      await this.pause.sleep(wait);
    }
  }
}
