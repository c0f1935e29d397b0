// Runs queued jobs in the background of a long-lived process (the server): one job at a
// time, then the next; when the queue is empty it sleeps until woken (an upload queued
// work) or until the poll interval passes (a job waiting out its retry backoff is due).
import type { KpiWorker } from './kpi-worker.ts';

export interface JobRunnerOptions {
  pollMs?: number;
  onError?: (e: unknown) => void;
}

export class JobRunner {
  private readonly worker: KpiWorker;
  private readonly pollMs: number;
  private readonly onError: (e: unknown) => void;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  /** A wake() that came while a job ran (nobody asleep to hear it): look again before sleeping. */
  private woken = false;

  constructor(worker: KpiWorker, options: JobRunnerOptions = {}) {
    this.worker = worker;
    this.pollMs = options.pollMs ?? 1000;
    this.onError = options.onError ?? ((e) => console.error('[race] job runner:', e));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New work was queued: look at once instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Stops claiming jobs and waits for the one in hand, at most `graceMs`. A job still
   * running after that stays claimed by this process; once it has exited, the next
   * worker reclaims it at once (its claimant is a dead pid) and runs it again.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let didWork = false;
      this.woken = false;
      try {
        didWork = await this.worker.runOne();
      } catch (e) {
        this.onError(e);
      }
      if (didWork || this.woken || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wakeUp = done;
      });
      this.wakeUp = null;
    }
  }
}
