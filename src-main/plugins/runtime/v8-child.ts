// The V8 plugin process: hosts isolated-vm isolates for its parent (V8ProcessRuntime).
// V8 cannot survive every out-of-memory (a single huge allocation is fatal to the whole
// process — isolated-vm issue #107), so isolates live here and not in the server. If this
// process dies, the parent fails the calls in flight and starts a new one.
//
// Messages (JSON over the IPC channel; buffers as shared-file.ts carries them):
//   parent → child  { type: 'load', req, id, bundle, limits, deadlineMs }
//                   { type: 'invoke', req, id, call, limits, host: HostBridgeDescriptor, region }
//                     (large buffers of the call and of its reply: in the shared file, fd 4 —
//                     see shared-file.ts — at region, which the reply's may reuse)
//                   { type: 'dispose', id }
//                   { type: 'fetchResult', fetchId, ok, status?, headers?, body?, error?, cause? }
//   child → parent  { type: 'reply', req, ok, value? | error: { engine?, message } }
//                   { type: 'fetch', req, fetchId, url, method, headers, body, timeoutMs }
import { openDatabase, type Db } from '../../store/database.ts';
import { PluginStorage } from '../../store/plugins.ts';
import { createHostBridge } from '../host-bridge.ts';
import { packBuffers, unpackBuffers, type Region } from './shared-file.ts';
import { EngineFailure, type HostBridgeDescriptor, type PluginInstance } from './types.ts';
import { V8Runtime } from './v8.ts';

const runtime = new V8Runtime();
const instances = new Map<number, PluginInstance>();
const databases = new Map<string, Db>();
const fetches = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();
let nextFetch = 1;

const send = (msg: unknown) => process.send!(msg);
const sharedAt = process.argv.indexOf('--shared-fd');
const SHARED_FD = sharedAt >= 0 ? Number(process.argv[sharedAt + 1]) : null;

function failure(e: unknown) {
  return e instanceof EngineFailure ? { engine: e.code, message: e.message } : { message: (e as Error)?.message ?? String(e) };
}

function database(path: string): Db {
  let db = databases.get(path);
  if (!db) {
    db = openDatabase(path);
    databases.set(path, db);
  }
  return db;
}

/** fetch performed by the parent, so its allow-list decisions, limits and fetch implementation apply unchanged. */
function remoteFetch(req: number): typeof fetch {
  return ((input: string | URL, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const fetchId = nextFetch++;
      fetches.set(fetchId, { resolve, reject });
      init.signal?.addEventListener('abort', () => {
        fetches.delete(fetchId);
        reject(init.signal!.reason);
      });
      send({ type: 'fetch', req, fetchId, url: String(input), method: init.method, headers: init.headers, body: init.body ?? null });
    })) as typeof fetch;
}

function bridgeFor(req: number, d: HostBridgeDescriptor) {
  if (d.storage && (d.storage.dbPath === '' || d.storage.dbPath === ':memory:')) {
    throw new EngineFailure('ENGINE_ERROR', 'plugin storage in the V8 runtime needs a database file (this service runs on an in-memory database)');
  }
  return createHostBridge({
    capabilities: d.capabilities,
    storage: d.storage ? new PluginStorage(database(d.storage.dbPath), d.storage.accountId, d.storage.pluginId, d.storage.quota, d.storage.run) : null,
    fetchHosts: d.fetchHosts,
    fetchLimits: d.fetchLimits,
    fetchImpl: remoteFetch(req),
  });
}

process.on('message', (msg: any) => {
  switch (msg.type) {
    case 'load':
      runtime.load(msg.bundle, msg.limits, msg.deadlineMs).then(
        (instance) => {
          instances.set(msg.id, instance);
          send({ type: 'reply', req: msg.req, ok: true, value: { exported: instance.exported } });
        },
        (e) => send({ type: 'reply', req: msg.req, ok: false, error: failure(e) }),
      );
      break;
    case 'invoke': {
      const instance = instances.get(msg.id);
      if (!instance) {
        send({ type: 'reply', req: msg.req, ok: false, error: { engine: 'ENGINE_ERROR', message: 'instance not loaded in the V8 process' } });
        break;
      }
      let bridge, call;
      try {
        bridge = bridgeFor(msg.req, msg.host);
        // (read at once: the region is the call's only until it replies)
        const buffers = unpackBuffers(SHARED_FD, msg.call.buffers);
        call = { ...msg.call, buffers, ownsBuffers: true }; // fresh copies: moved into the isolate, not copied again
      } catch (e) {
        send({ type: 'reply', req: msg.req, ok: false, error: failure(e) });
        break;
      }
      const region: Region | null = msg.region ?? null;
      instance.invoke(call, bridge, msg.limits).then(
        (reply) => {
          let wire;
          try {
            wire = { ...reply, buffers: packBuffers(SHARED_FD, region, reply.buffers) };
          } catch (e) {
            send({ type: 'reply', req: msg.req, ok: false, error: failure(e), usable: instance.usable });
            return;
          }
          send({ type: 'reply', req: msg.req, ok: true, value: { reply: wire, usable: instance.usable } });
        },
        (e) => send({ type: 'reply', req: msg.req, ok: false, error: failure(e), usable: instance.usable }),
      );
      break;
    }
    case 'retire':
      instances.get(msg.id)?.retire();
      break;
    case 'dispose':
      instances.get(msg.id)?.dispose();
      instances.delete(msg.id);
      break;
    case 'fetchResult': {
      const f = fetches.get(msg.fetchId);
      if (!f) break;
      fetches.delete(msg.fetchId);
      if (msg.ok) {
        const nullBody = [101, 204, 205, 304].includes(msg.status);
        f.resolve(new Response(nullBody ? null : msg.body, { status: msg.status, headers: msg.headers }));
      } else {
        const e = new Error(msg.error) as Error & { cause?: unknown };
        e.name = msg.name ?? 'Error';
        if (msg.cause) e.cause = new Error(msg.cause);
        f.reject(e);
      }
      break;
    }
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
