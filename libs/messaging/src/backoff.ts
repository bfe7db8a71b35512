/** Exponential backoff with full jitter, capped. attempt starts at 1. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The pause of a background loop, which `wake()` cuts short (new work arrived, or the loop stops). */
export class WakeableSleep {
  private wakeUp?: () => void;
  /** A wake that came while the loop was busy: its next sleep returns at once, so the work is not left for a whole pause. */
  private pending = false;

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.pending = true;
  }
}

/**
 * A background loop: runs `step` again at once while it finds work (returns > 0), else sleeps
 * `pollMs` (cut short by `wake()`); an error is reported and the loop goes on after the pause.
 * `stop()` finishes the step in hand.
 */
export class PollingLoop {
  private running = false;
  private loop?: Promise<void>;
  private readonly pause = new WakeableSleep();

  constructor(
    private readonly step: () => Promise<number>,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let found = 0;
        try {
          found = await this.step();
        } catch (error) {
          this.onError(error);
        }
        if (this.running && found === 0) await this.pause.sleep(this.pollMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await this.loop;
  }

  wake(): void {
    this.pause.wake();
  }
}
