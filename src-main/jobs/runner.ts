// Runs the durable job queue in the background of a long-lived process (the desktop app,
// `race serve`): KPI jobs start as soon as an import queues them (kick) and are otherwise
// polled for, so jobs left by a crash or waiting out a backoff are picked up too. The CLI
// never starts it: its commands run jobs in the foreground when they need results.
import type { KpiWorker } from './kpi-worker.ts';

const IDLE_POLL_MS = 2000;

export class JobRunner {
  private readonly worker: KpiWorker;
  private running = false;
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private idle: Promise<void> = Promise.resolve();

  constructor(worker: KpiWorker) {
    this.worker = worker;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.kick();
  }

  /** Run due jobs now (no-op unless started). */
  kick(): void {
    if (!this.running || this.busy) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.busy = true;
    this.idle = (async () => {
      try {
        await this.worker.runUntilIdle();
      } catch (e) {
        console.error('[race] job runner:', e);
      } finally {
        this.busy = false;
        if (this.running) {
          this.timer = setTimeout(() => this.kick(), IDLE_POLL_MS);
          this.timer.unref();
        }
      }
    })();
  }

  /** Stops polling; resolves once the job in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.idle;
  }
}
