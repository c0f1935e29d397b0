// The durable job queue on its own clock: retries with backoff, leases that run out, a job
// whose worker keeps dying, a job queued again while a run of it is under way.
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/store/database.ts';
import { JobQueue, LEASE_MS } from '../../src-main/jobs/queue.ts';
import { tempDir } from '../support/tmp.ts';

const db = openDatabase(join(tempDir('race-jobs-'), 'jobs.db'));
afterAll(() => db.close());
let now = 1_000_000;
const queue = new JobQueue(db, () => now);
beforeEach(() => {
  db.exec('DELETE FROM jobs');
});

describe('JobQueue', () => {
  it('retries a failed attempt after 0.5 s, then 1 s (doubling), then fails it for good with its last error', () => {
    const id = queue.enqueue('t', { n: 1 }, { maxAttempts: 3 });
    let job = queue.claim(['t'])!;
    expect(job).toMatchObject({ id, attempts: 1, status: 'running' });
    queue.fail(id, job.attempts, 'first');
    expect(queue.claim(['t'])).toBeNull(); // not before its backoff
    now += 499;
    expect(queue.claim(['t'])).toBeNull();
    now += 1;
    job = queue.claim(['t'])!;
    expect(job.attempts).toBe(2);
    queue.fail(id, job.attempts, 'second');
    now += 999;
    expect(queue.claim(['t'])).toBeNull();
    now += 1;
    job = queue.claim(['t'])!;
    queue.fail(id, job.attempts, 'third');
    expect(queue.get(id)).toMatchObject({ status: 'failed', attempts: 3, lastError: 'third' });
    now += 60_000;
    expect(queue.claim(['t'])).toBeNull();
  });

  it('takes a job back when its lease runs out, and fails it once every attempt ended that way', () => {
    const id = queue.enqueue('t', {}, { maxAttempts: 2 });
    expect(queue.claim(['t'])!.attempts).toBe(1);
    now += LEASE_MS - 1;
    expect(queue.claim(['t'])).toBeNull(); // still leased
    now += 2;
    expect(queue.claim(['t'])).toMatchObject({ id, attempts: 2 });
    now += LEASE_MS + 1;
    expect(queue.claim(['t'])).toBeNull();
    const job = queue.get(id)!;
    expect(job.status).toBe('failed');
    expect(job.lastError).toMatch(/its worker stopped during its last attempt \(2 of 2\)/);
    expect(job.finishedAt).not.toBeNull();
  });

  it('progress renews the lease of the run that holds the job, and of no other', () => {
    const id = queue.enqueue('t', {});
    const job = queue.claim(['t'])!;
    queue.progress(id, job.attempts + 1, 0.9); // not this job's run
    expect(queue.get(id)!.progress).toBeNull();
    now += LEASE_MS - 10;
    queue.progress(id, job.attempts, 0.5);
    now += 20;
    expect(queue.claim(['t'])).toBeNull();
    expect(queue.get(id)).toMatchObject({ status: 'running', progress: 0.5 });
  });

  it('adds a job once per dedupe key; with rerun, queues that job again whatever its state', () => {
    const id = queue.enqueue('t', {}, { dedupeKey: 'k' });
    const job = queue.claim(['t'])!;
    expect(queue.complete(id, job.attempts, () => {})).toBe(true);
    expect(queue.enqueue('t', {}, { dedupeKey: 'k' })).toBe(id);
    expect(queue.get(id)!.status).toBe('done');
    expect(queue.enqueue('t', {}, { dedupeKey: 'k', rerun: true })).toBe(id);
    expect(queue.get(id)).toMatchObject({ status: 'queued', attempts: 1, maxAttempts: 6, finishedAt: null, progress: null });
    const second = queue.claim(['t'])!;
    expect(second).toMatchObject({ id, attempts: 2 }); // its whole budget of 5 again
    queue.complete(id, second.attempts, () => {});
    queue.enqueue('t', {}, { dedupeKey: 'k', rerun: true });
    expect(queue.get(id)).toMatchObject({ attempts: 2, maxAttempts: 7 }); // 5 again, not more
  });

  it('a run whose job was queued again meanwhile stores nothing, and its failure changes nothing', () => {
    db.exec('CREATE TABLE IF NOT EXISTS results (v INTEGER)');
    db.exec('DELETE FROM results');
    const id = queue.enqueue('t', {}, { dedupeKey: 'stale' });
    const stale = queue.claim(['t'])!;
    queue.enqueue('t', {}, { dedupeKey: 'stale', rerun: true });
    queue.fail(id, stale.attempts, 'stale failure');
    expect(queue.get(id)).toMatchObject({ status: 'queued', lastError: null });
    // the new run takes the job, by the same worker; the old run then ends: it stores nothing
    const fresh = queue.claim(['t'])!;
    expect(fresh.attempts).toBe(2);
    expect(queue.complete(id, stale.attempts, () => db.prepare('INSERT INTO results VALUES (1)').run())).toBe(false);
    expect(db.prepare('SELECT COUNT(*) AS n FROM results').get()).toEqual({ n: 0 });
    expect(queue.get(id)!.status).toBe('running');
    expect(queue.complete(id, fresh.attempts, () => db.prepare('INSERT INTO results VALUES (2)').run())).toBe(true);
    expect(db.prepare('SELECT v FROM results').all()).toEqual([{ v: 2 }]);
  });
});
