// In-page timings for the UI benchmark (`race bench --only ui`), as performance marks and
// measures the benchmark reads back: cheap enough to leave in, and what they time is the
// real app, not a copy of it.

/** Runs fn after the next frame has been painted (rAF, then a task after it). */
export function afterPaint(fn: () => void): void {
  requestAnimationFrame(() => setTimeout(fn, 0));
}

export function mark(name: string): void {
  performance.mark(name);
}

/** A measure from a mark (if it exists) to now; the mark is used up. */
export function measureFrom(name: string, startMark: string, detail?: unknown): void {
  if (performance.getEntriesByName(startMark, 'mark').length === 0) return;
  performance.measure(name, { start: startMark, detail });
  performance.clearMarks(startMark);
}
