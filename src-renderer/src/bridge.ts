// The renderer's one way to the Node side. In the desktop app the preload put the
// contract on window.race (IPC); in browser mode (`race serve --ui`) the same contract
// goes over HTTP to the page's own origin, and its events come as Server-Sent Events.
// Call sites never know which.
import type { RaceBridge } from '../../src-shared/contract/index.ts';
import { createRpcClient } from '../../src-shared/rpc-client.ts';
import { createSseSubscribe } from './events.ts';

export const transport: 'desktop' | 'browser' = window.race ? 'desktop' : 'browser';

export const race: RaceBridge = window.race ?? { ...createRpcClient(window.location.origin), on: createSseSubscribe(window.location.origin) };
