// A plugin's storage inside a run of a job (schema 9): writes, deletes, listing and the quota
// see the stored keys with the run's own changes over them; applying makes them everyone's.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/store/database.ts';
import { JobQueue } from '../../src-main/jobs/queue.ts';
import { PluginStorage, applyStagedStorage } from '../../src-main/store/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const db = openDatabase(join(tempDir('race-storage-'), 'race.db'));
afterAll(() => db.close());

describe('PluginStorage in a run of a job', () => {
  it('overlays the run\'s puts and deletes on the stored keys, counts them against the quota, and applies them once', () => {
    const quota = { maxKeys: 3, maxKeyLength: 32, maxValueBytes: 100, maxTotalBytes: 1000 };
    const stored = new PluginStorage(db, 'local', 'p', quota);
    stored.put('a', '1');
    stored.put('b', '2');
    const run = { jobId: new JobQueue(db).enqueue('t', {}), attempt: 1 };
    const staged = new PluginStorage(db, 'local', 'p', quota, run);
    expect(staged.delete('a')).toBe(true);
    expect(staged.delete('a')).toBe(false); // already gone, for this run
    staged.put('c', '3');
    staged.put('b', '22');
    expect(staged.list('')).toEqual(['b', 'c']);
    expect([staged.get('a'), staged.get('b'), staged.get('c')]).toEqual([null, '22', '3']);
    staged.put('d', '4'); // three keys as the run sees them (a deleted)
    expect(() => staged.put('e', '5')).toThrow('storage quota: at most 3 keys');
    // nobody else sees any of it yet
    expect(stored.list('')).toEqual(['a', 'b']);
    expect(stored.get('b')).toBe('2');
    db.transaction(() => applyStagedStorage(db, run))();
    expect(stored.list('')).toEqual(['b', 'c', 'd']);
    expect([stored.get('a'), stored.get('b')]).toEqual([null, '22']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM plugin_storage_staged').get()).toEqual({ n: 0 });
  });
});
