import type { IncomingMessage } from 'node:http';
import { RaceError } from '../../src-shared/errors.ts';

/** Reads a request body, refusing (413) past the limit instead of buffering without bound. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new RaceError('TOO_LARGE', `request body of ${declared} bytes exceeds the limit of ${limitBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) {
      req.resume();
      throw new RaceError('TOO_LARGE', `request body exceeds the limit of ${limitBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : null;
}
