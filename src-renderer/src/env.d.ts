/// <reference types="vite/client" />
import type { RaceBridge } from '../../src-shared/contract/index.ts';

declare global {
  interface Window {
    /** Set by the preload in the desktop app; absent in browser mode. */
    race?: RaceBridge;
  }
}
export {};
