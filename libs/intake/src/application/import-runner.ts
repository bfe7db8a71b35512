import { FieldError } from '@duban/contracts';
import { WakeableSleep } from '@duban/messaging';
import { HttpProblem, ServiceRuntime, Worker } from '@duban/service-defaults';
import { parse } from 'csv-parse/sync';
import { createHash } from 'node:crypto';
import { CategoryIndex } from '../domain/boston';
import { ImportFormat, rowCase } from '../domain/import-format';
import { CaseIntake } from './case-intake';

/** A CSV file's data rows with their line numbers; rows of the wrong width are kept (and later rejected), not fatal. */
export function csvRows(content: string): { header: string[]; rows: { line: number; values: Record<string, string>; width: number }[] } {
  const records: { record: string[]; info: { lines: number } }[] = parse(content, {
    bom: true,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  });
  const [first, ...rest] = records;
  const header = (first?.record ?? []).map((h) => h.trim());
  return {
    header,
    rows: rest.map(({ record, info }) => ({
      line: info.lines,
      width: record.length,
      values: Object.fromEntries(header.map((h, i) => [h, record[i] ?? ''])),
    })),
  };
}

/** What the source calls a row, also when the row is rejected. */
function referenceOf(format: ImportFormat, values: Record<string, string>): string | undefined {
  const raw = format === 'duban' ? values.reference?.trim() : values.CASE_ENQUIRY_ID?.trim() && `Boston 311 case ${values.CASE_ENQUIRY_ID.trim()}`;
  return raw ? raw.slice(0, 200) : undefined;
}

interface Job {
  id: string;
  format: ImportFormat;
  content: string;
  created_by: string;
  created_subject: string;
}

/**
 * Works through queued imports one row at a time, each row through the same
 * filing path as the API. Every row's outcome is stored; the filing of row n
 * carries the idempotency key `row-n` of the import, so a runner that dies
 * mid-file is taken over (its heartbeat goes stale) and resumes after the last
 * recorded row without filing any row twice.
 */
export class ImportRunner implements Worker {
  private running = false;
  private loop?: Promise<void>;
  private readonly pause = new WakeableSleep();

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly intake: CaseIntake,
    private readonly index: () => Promise<CategoryIndex>,
    private readonly options: { idleMs?: number; staleSeconds?: number; heartbeatRows?: number } = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** A new upload: look now rather than at the next poll. */
  wake(): void {
    this.pause.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.step();
      } catch (error) {
        this.runtime.logger.warn({ err: error }, 'import step failed; will retry');
      }
      if (!worked) await this.pause.sleep(this.options.idleMs ?? 1000);
    }
  }

  /** Claims one import (queued, or running with a stale heartbeat) and works on it; false when there was none. */
  async step(): Promise<boolean> {
    const [claimed]: [Job[], number] = await this.runtime.dataSource.query(
      `UPDATE imports SET status = 'running', started_at = coalesce(started_at, now()), heartbeat_at = now()
        WHERE id = (SELECT id FROM imports
                     WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < now() - make_interval(secs => $1))
                     ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
        RETURNING id, format, content, created_by, created_subject`,
      [this.options.staleSeconds ?? 15],
    );
    const job = claimed[0];
    if (!job) return false;
    try {
      await this.work(job);
    } catch (error) {
      this.runtime.logger.error({ err: error, importId: job.id }, 'import failed');
      await this.runtime.dataSource.query(`UPDATE imports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, [
        job.id,
        (error as Error).message.slice(0, 1000),
      ]);
    }
    return true;
  }

  private async work(job: Job): Promise<void> {
    const db = this.runtime.dataSource;
    const { header, rows } = csvRows(job.content);
    const [{ done }] = await db.query('SELECT coalesce(max(row_number), 0)::int AS done FROM import_rows WHERE import_id = $1', [job.id]);
    const index = await this.index();
    for (let n = done + 1; n <= rows.length; n += 1) {
      if (!this.running) return; // stopped: the next runner resumes after row n - 1
      const row = rows[n - 1];
      const outcome = await this.fileRow(job, n, row, header.length, index);
      await db.query(
        `INSERT INTO import_rows (import_id, row_number, outcome, case_id, reference, errors) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
         ON CONFLICT DO NOTHING`,
        [job.id, n, outcome.outcome, outcome.caseId ?? null, outcome.reference ?? null, outcome.errors ? JSON.stringify(outcome.errors) : null],
      );
      if (n % (this.options.heartbeatRows ?? 25) === 0) await db.query('UPDATE imports SET heartbeat_at = now() WHERE id = $1', [job.id]);
    }
    await db.query(`UPDATE imports SET status = 'done', finished_at = now(), content = '' WHERE id = $1`, [job.id]);
    this.runtime.logger.info({ importId: job.id, rows: rows.length }, 'import done');
  }

  private async fileRow(
    job: Job,
    n: number,
    row: { line: number; values: Record<string, string>; width: number },
    width: number,
    index: CategoryIndex,
  ): Promise<{ outcome: 'accepted' | 'linked' | 'rejected'; caseId?: string; reference?: string; errors?: (FieldError & { line: number })[] }> {
    const withLine = (errors: FieldError[]) => errors.map((e) => ({ ...e, line: row.line }));
    if (row.width !== width) {
      return { outcome: 'rejected', errors: withLine([{ pointer: '', field: 'row', detail: `has ${row.width} fields, the header has ${width}` }]) };
    }
    const made = rowCase(job.format, row.values, index);
    if ('errors' in made) return { outcome: 'rejected', reference: referenceOf(job.format, row.values), errors: withLine(made.errors) };
    const idempotency = {
      subject: `import:${job.id}`,
      key: `row-${n}`,
      requestHash: createHash('sha256').update(JSON.stringify(made.body)).digest('hex'),
    };
    try {
      const view = await this.intake.file({
        body: made.body,
        channel: 'import',
        reporter: { subject: job.created_subject, username: job.created_by },
        idempotency,
        sourceReference: made.reference,
      });
      if (view) return { outcome: view.duplicateOf ? 'linked' : 'accepted', caseId: view.id, reference: made.reference };
      // Filed before a crash: the key knows the case.
      const [filed] = await this.runtime.dataSource.query(
        `SELECT k.case_id, c.duplicate_of FROM idempotency_keys k JOIN cases c ON c.id = k.case_id WHERE k.subject = $1 AND k.key = $2`,
        [idempotency.subject, idempotency.key],
      );
      return { outcome: filed.duplicate_of ? 'linked' : 'accepted', caseId: filed.case_id, reference: made.reference };
    } catch (error) {
      if (error instanceof HttpProblem && error.status === 400) {
        return { outcome: 'rejected', reference: made.reference, errors: withLine(error.errors ?? [{ pointer: '', field: 'row', detail: error.detail ?? error.title }]) };
      }
      throw error;
    }
  }
}
