// Which stored channel a plugin's canonical input name resolves to.
import { describe, expect, it } from 'vitest';
import { resolveChannel } from '../../src-shared/channel-aliases.ts';

const ch = (name: string, min: number | null = 0, max: number | null = 1) => ({ name, min, max });

describe('resolveChannel', () => {
  it('takes the exact name, then the name in any case, then the aliases in order', () => {
    expect(resolveChannel('speed', [ch('Ground Speed'), ch('speed')])?.name).toBe('speed');
    expect(resolveChannel('speed', [ch('Ground Speed'), ch('SPEED')])?.name).toBe('SPEED');
    expect(resolveChannel('speed', [ch('GPS_Speed'), ch('Ground Speed')])?.name).toBe('Ground Speed');
    expect(resolveChannel('rpm', [ch('Engine Speed')])?.name).toBe('Engine Speed');
    expect(resolveChannel('speed', [ch('RPM')])).toBeUndefined();
  });

  it('passes over a flat channel for one that varies (MoTeC logs "Speed over Ground" as zeros without GPS)', () => {
    const channels = [ch('Speed over Ground', 0, 0), ch('Ground Speed', 0, 244.6)];
    expect(resolveChannel('speed', channels)?.name).toBe('Ground Speed');
    // a channel with no sample at all is no better
    expect(resolveChannel('speed', [ch('Speed', null, null), ch('Vehicle Speed', 3, 80)])?.name).toBe('Vehicle Speed');
  });

  it('falls back to the first match when every match is flat, and trusts channels whose range it is not told', () => {
    expect(resolveChannel('speed', [ch('Vehicle Speed', 0, 0), ch('Speed over Ground', 0, 0)])?.name).toBe('Speed over Ground');
    expect(resolveChannel('speed', [{ name: 'GPS Speed' }, { name: 'Ground Speed' }])?.name).toBe('Ground Speed');
  });
});
