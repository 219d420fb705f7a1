import type { Engine } from '../engine/engine';

export interface ReportRefresherOptions {
  /** Look for new work this often even when nothing is committed here (replicated rows arrive by sync). */
  intervalMs?: number;
  /** Wait this long after a commit, so a burst of writes is taken in by one catch-up. */
  debounceMs?: number;
  /** Pause between steps, so the user's own commands get the database between two chunks. */
  gapMs?: number;
  log?: (message: string, error?: unknown) => void;
}

const SYSTEM = { host: 'report refresher' } as const;
/** Its own commits must not wake it again. */
const OWN = new Set(['reports.refresh.step', 'reports.refresh.cancel', 'reports.refresh', 'reports.forecast.run']);

/**
 * Keeps the report tables fresh in the background, the way the host keeps sync running: the
 * engine stays timer-free and exposes `reports.refresh.status` / `reports.refresh.step`; this
 * runner (in the host: Electron's engine worker, `branchline serve`) calls them after commits
 * and on a timer, one short step (one transaction) at a time with a gap between, while the
 * status says something waits and the user has not paused it. The dashboards read what is
 * aggregated meanwhile and show the progress (`reports.refresh` events).
 */
export class ReportRefresher {
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly options: ReportRefresherOptions = {},
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.engine.background.add(this);
    this.unsubscribe = this.engine.onEvent((event) => {
      if (event.type !== 'committed' || OWN.has(event.method)) return;
      if (event.method === 'reports.refresh.resume') this.kick();
      else this.soon();
    });
    this.timer = setInterval(() => this.kick(), this.options.intervalMs ?? 60_000);
    this.timer.unref();
    this.kick();
  }

  /** Runs a catch-up now (or right after the one under way). */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = this.catchUp().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.kick();
      }
    });
    this.running = run;
    return run;
  }

  private soon(): void {
    if (this.stopped || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.kick();
    }, this.options.debounceMs ?? 2_000);
    this.debounce.unref();
  }

  private async catchUp(): Promise<void> {
    try {
      while (!this.stopped) {
        const status = await this.engine.run('reports.refresh.status', {}, SYSTEM);
        if (!status.pending || status.paused) return;
        const step = await this.engine.run('reports.refresh.step', {}, SYSTEM);
        if (!step.more) return;
        await new Promise((resolve) => setTimeout(resolve, this.options.gapMs ?? 25));
      }
    } catch (error) {
      // A read-only install, a database being closed: try again at the next tick.
      this.options.log?.('background refresh of the report tables failed', error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = this.debounce = null;
    this.unsubscribe?.();
    this.engine.background.delete(this);
    await this.running?.catch(() => undefined);
  }
}
