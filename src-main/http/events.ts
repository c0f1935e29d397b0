// Contract events as Server-Sent Events (GET /api/events): one stream per page, each event
// as `event: <name>` + `data: <codec JSON>`. Self-contained so the server only routes to it.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { encodeJson } from '../../src-shared/codec.ts';
import type { AnyEventListener } from '../app/events.ts';

export interface EventSourceLike {
  subscribe(listener: AnyEventListener): () => void;
}

const KEEPALIVE_MS = 20_000;
const open = new WeakMap<Server, Set<ServerResponse>>();

export function streamEvents(server: Server, req: IncomingMessage, res: ServerResponse, source: EventSourceLike): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-content-type-options': 'nosniff',
  });
  // retry: how soon EventSource reconnects after a drop; the comment line opens the stream at once
  res.write('retry: 2000\n: connected\n\n');
  const unsubscribe = source.subscribe((name, payload) => {
    res.write(`event: ${name}\ndata: ${encodeJson(payload)}\n\n`);
  });
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  let streams = open.get(server);
  if (!streams) open.set(server, (streams = new Set()));
  streams.add(res);
  const done = () => {
    clearInterval(keepalive);
    unsubscribe();
    streams.delete(res);
  };
  req.on('close', done);
  res.on('close', done);
}

/** Ends the event streams of a server that is closing (they never go idle on their own). */
export function endEventStreams(server: Server): void {
  for (const res of open.get(server) ?? []) res.end();
}
