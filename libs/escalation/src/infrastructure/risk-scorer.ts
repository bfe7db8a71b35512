import { WakeableSleep } from '@duban/messaging';
import type { Logger } from 'pino';
import type { RiskBoard } from './risk-board';

export interface RiskScorerOptions {
  /** How often every open case is scored again (ms); one replica does each full pass. */
  intervalMs: number;
  /** How long after a nudge the changed cases are scored (ms), so one pass takes a whole burst of changes. */
  delayMs: number;
  /** Who this scorer is (kept on the pass it claims). */
  name: string;
  logger: Logger;
}

/**
 * Keeps the early-warning scores of open cases current (RiskBoard.rescore): every `intervalMs`
 * every open case — the score moves as a case uses up its time — and, `delayMs` after a consumer
 * changed a case's unit, category or limit (`nudge`), the changed ones. Between those it sleeps.
 */
export class RiskScorer {
  private running = false;
  private loop?: Promise<void>;
  private readonly pause = new WakeableSleep();

  constructor(
    private readonly board: RiskBoard,
    private readonly options: RiskScorerOptions,
  ) {}

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

  /** A case changed: score the changed cases soon. */
  nudge(): void {
    this.pause.wake();
  }

  /** One pass: the full one if it is due and this scorer claims it, else the changed cases. */
  async pass(): Promise<{ full: boolean; scored: number }> {
    const full = await this.board.claimFullPass(this.options.name, this.options.intervalMs);
    return { full, scored: await this.board.rescore(full ? 'all' : 'changed') };
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const { full, scored } = await this.pass();
        if (full) this.options.logger.debug({ scored }, 'early warning: every open case scored');
      } catch (error) {
        this.options.logger.error({ err: error }, 'early warning: scoring failed');
      }
      if (!this.running) break;
      await this.pause.sleep(this.options.intervalMs);
      // Woken by a change (or the interval): let the rest of its burst commit first.
      if (this.running) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
    }
  }
}
