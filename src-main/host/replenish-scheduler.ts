import type { Engine } from '../engine/engine';

const SYSTEM = { host: 'replenishment scheduler' } as const;

/**
 * Runs the scheduled replenishment runs, the way ReportRefresher keeps the reports fresh: the
 * engine stays timer-free (`purchasing.replenish.due` / `purchasing.replenish.runDue`), this
 * runner in the host (Electron's engine worker, `branchline serve`) asks once a minute and runs
 * what is due; an idle minute writes nothing. Stopped with the engine.
 */
export class ReplenishScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly engine: Engine,
    private readonly options: { intervalMs?: number; log?: (message: string, error?: unknown) => void } = {},
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.engine.background.add(this);
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 60_000);
    this.timer.unref();
    void this.tick();
  }

  /** Runs what is due now (once at a time). */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.runDue().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runDue(): Promise<void> {
    try {
      if ((await this.engine.run('purchasing.replenish.due', {}, SYSTEM)).due === 0) return;
      const { ran } = await this.engine.run('purchasing.replenish.runDue', {}, SYSTEM);
      for (const r of ran) this.options.log?.(`scheduled replenishment ${r.number}: ${r.proposals} proposal(s), ${r.ordersCreated} draft order(s), ${r.inReview} to review`);
    } catch (error) {
      // A read-only install, a database being closed, a refused run: try again at the next tick.
      this.options.log?.('scheduled replenishment failed', error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.engine.background.delete(this);
    await this.running?.catch(() => undefined);
  }
}
