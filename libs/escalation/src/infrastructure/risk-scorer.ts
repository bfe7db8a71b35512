import { PollingLoop } from '@duban/messaging';
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
 * changed a case's unit, category or limit (`nudge`), the changed ones. Between those it sleeps
 * (the shared PollingLoop: a nudge cuts the sleep short).
 */
export class RiskScorer {
  private readonly loop: PollingLoop;

  constructor(
    private readonly board: RiskBoard,
    private readonly options: RiskScorerOptions,
  ) {
    this.loop = new PollingLoop(
      async () => {
        // Let the rest of a burst of changes commit first.
        await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        const { full, scored } = await this.pass();
        if (full) options.logger.debug({ scored }, 'early warning: every open case scored');
        return 0;
      },
      options.intervalMs,
      (error) => options.logger.error({ err: error }, 'early warning: scoring failed'),
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** A case changed: score the changed cases soon. */
  nudge(): void {
    this.loop.wake();
  }

  /** One pass: the full one if it is due and this scorer claims it, else the changed cases. */
  async pass(): Promise<{ full: boolean; scored: number }> {
    const full = await this.board.claimFullPass(this.options.name, this.options.intervalMs);
    return { full, scored: await this.board.rescore(full ? 'all' : 'changed') };
  }
}
