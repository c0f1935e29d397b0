// The contract over HTTP: POST {baseUrl}/api/rpc/{method} with the arguments encoded by
// the binary-safe codec; the reply is an Envelope. Used by the renderer in browser mode
// (same origin, cookie auth) and by Node callers (bearer token). fetch is global in both.
import { buildApi, type MethodName, type RaceApi } from './contract/index.ts';
import { decodeJson, encodeJson } from './codec.ts';
import { RaceError, unwrapEnvelope, type Envelope } from './errors.ts';

export const RPC_PATH = '/api/rpc/';

export interface RpcClientOptions {
  /** Sent as a bearer token; omit in the browser, where the session cookie authenticates. */
  token?: string;
  fetch?: typeof fetch;
}

export function createRpcTransport(baseUrl: string, options: RpcClientOptions = {}) {
  const doFetch = options.fetch ?? fetch;
  const root = baseUrl.replace(/\/+$/, '');
  return async (method: MethodName, args: unknown): Promise<unknown> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let response: Response;
    try {
      response = await doFetch(`${root}${RPC_PATH}${method}`, {
        method: 'POST',
        headers,
        body: encodeJson(args ?? {}),
        credentials: 'same-origin',
      });
    } catch (e) {
      throw new RaceError('NOT_AVAILABLE', `cannot reach ${root}: ${(e as Error).message}`);
    }
    const text = await response.text();
    let envelope: Envelope;
    try {
      envelope = decodeJson(text) as Envelope;
    } catch {
      throw new RaceError('INTERNAL', `${method}: HTTP ${response.status} with a body that is not an envelope`);
    }
    return unwrapEnvelope(envelope);
  };
}

export function createRpcClient(baseUrl: string, options: RpcClientOptions = {}): RaceApi {
  return buildApi(createRpcTransport(baseUrl, options));
}
