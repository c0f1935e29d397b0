// Text-format helpers shared by the CSV-like importers: decoding (UTF-8 or Latin-1),
// line splitting with line numbers, and a CSV field splitter that handles quotes.

/** UTF-8 when the bytes are valid UTF-8, else Latin-1 (RS2 AiM exports, VBO from VBOX Tools: "°" = 0xB0, "¬" = 0xAC). */
export function decodeText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('latin1').decode(bytes);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Lines without their terminators (CRLF, LF or CR). Line k of the file is index k-1. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The line a file was cut inside of, when that shows: the text does not end with a line break
 * and its last line has fewer fields than the line before it, by every separator that line
 * uses (a decimal-comma file separates by ";" and has commas too), and is no comment ("#
 * Session End"). A file cut just after a line break looks complete — and every row it has is
 * whole.
 */
export function cutLastLine(text: string, lines: readonly string[]): { line: number; fields: number; expected: number } | null {
  const end = text.charCodeAt(text.length - 1);
  if (lines.length < 2 || end === 10 || end === 13) return null;
  const last = lines[lines.length - 1]!;
  const before = lines[lines.length - 2]!;
  if (last.trimStart().startsWith('#')) return null;
  const counts = [',', '\t', ';'].filter((c) => before.includes(c)).map((sep) => [last.split(sep).length, before.split(sep).length] as const);
  if (counts.length === 0) counts.push([last.trim().split(/\s+/).length, before.trim().split(/\s+/).length]);
  if (!counts.every(([got, expected]) => got < expected)) return null;
  const [fields, expected] = counts[0]!;
  return { line: lines.length, fields, expected };
}

/**
 * One CSV record's fields. Quotes may wrap a field ("a,b"), a doubled quote is a literal
 * quote. `separator` is ',' or ';' (AiM on some locales). Unterminated quotes throw.
 */
export function splitCsvLine(line: string, separator = ','): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field');
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
      // tolerate spaces after the closing quote
      while (i < n && line[i] === ' ') i++;
    } else {
      const sep = line.indexOf(separator, i);
      const end = sep < 0 ? n : sep;
      field = line.slice(i, end);
      i = end;
    }
    out.push(field);
    if (i >= n) break;
    if (line[i] !== separator) throw new Error(`unexpected character after a quoted field at column ${i + 1}`);
    i++;
    if (i === n) {
      out.push('');
      break;
    }
  }
  return out;
}

/** A number cell; '' and non-numbers are NaN (a missing sample, never 0). */
export function parseNumberCell(cell: string | undefined): number {
  if (cell === undefined) return NaN;
  const t = cell.trim();
  if (t === '') return NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}
