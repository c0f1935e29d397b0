/// <reference types="vite/client" />
import type { RaceApi } from '../../src-shared/contract/index.ts';

declare global {
  interface Window {
    /** Set by the preload in the desktop app; absent in browser mode. */
    race?: RaceApi;
  }
}
export {};
