// A text log that ends inside a row, told from one that merely lacks its last line break.
import { describe, expect, it } from 'vitest';
import { cutLastLine, splitLines } from '../../src-main/telemetry/text.ts';

const cut = (text: string) => cutLastLine(text, splitLines(text));

describe('cutLastLine', () => {
  it('finds a last row with fewer fields than the one before, when the file does not end with a line break', () => {
    expect(cut('t,a,b\n0,1,2\n0.1,1')).toEqual({ line: 3, fields: 2, expected: 3 });
    expect(cut('t\ta\tb\r\n0\t1\t2\r\n0.1')).toEqual({ line: 3, fields: 1, expected: 3 });
    expect(cut('sats time lat\n008 1 2\n008 1')).toEqual({ line: 3, fields: 2, expected: 3 });
  });

  it('passes a whole last row, a file ending with a line break, and a closing comment line', () => {
    expect(cut('t,a,b\n0,1,2\n0.1,1,2')).toBeNull();
    expect(cut('t,a,b\n0,1,2\n0.1,1\n')).toBeNull();
    expect(cut('"Time","Lap"\n0,1\n# Session End')).toBeNull();
  });

  it('with ";" between fields and commas for decimals, counts by the separator the rows share', () => {
    expect(cut('1,5;2,5;3,5\n1;2;3')).toBeNull();
    expect(cut('1,5;2,5;3,5\n1,5;2')).toMatchObject({ line: 2 });
  });
});
