// Files picked or dropped in the window → sessions.upload, one logger file at a time. A
// MoTeC .ldx travels with the .ld of the same name as its sibling (the beacons that give
// the laps) instead of being imported on its own.
import type { ImportResult } from '../../../src-shared/contract/index.ts';

export interface UploadGroup {
  main: File;
  siblings: File[];
}

const SIBLING_EXT = /\.ldx$/i;
const stem = (name: string) => name.replace(/\.[^.]*$/, '').toLowerCase();

export function groupFiles(files: readonly File[]): { groups: UploadGroup[]; orphans: File[] } {
  const mains = files.filter((f) => !SIBLING_EXT.test(f.name));
  const siblings = files.filter((f) => SIBLING_EXT.test(f.name));
  const groups = mains.map((main) => ({ main, siblings: siblings.filter((s) => stem(s.name) === stem(main.name)) }));
  const used = new Set(groups.flatMap((g) => g.siblings));
  return { groups, orphans: siblings.filter((s) => !used.has(s)) };
}

export async function fileBytes(f: File): Promise<Uint8Array> {
  return new Uint8Array(await f.arrayBuffer());
}

/** One line for the outcome of a file, as the import list shows it. */
export function describeOutcome(r: ImportResult): string {
  if (r.status === 'failed') return r.error?.message ?? 'failed';
  if (r.status === 'duplicate') return 'already imported';
  const timed = r.laps?.filter((l) => l.kind === 'lap').length ?? 0;
  return `${r.format} · ${r.channels} channels · ${timed} laps`;
}
