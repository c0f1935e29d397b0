// What every command gets: parsed options, output streams, and a lazily opened app core
// (so `race --help` never touches the database).
import { createAppCore, type AppCore } from '../app/core.ts';
import type { ServicesOptions } from '../app/services.ts';
import type { MethodName, MethodResult, MethodArgs } from '../../src-shared/contract/index.ts';
import { unwrapEnvelope } from '../../src-shared/errors.ts';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export class CliContext {
  private core: AppCore | null = null;
  readonly dbPath: string;
  readonly json: boolean;
  readonly io: CliIo;

  constructor(dbPath: string, json: boolean, io: CliIo) {
    this.dbPath = dbPath;
    this.json = json;
    this.io = io;
  }

  /** The app core, opened on first use (`options` apply then: the server asks for V8 jobs). */
  app(options: Omit<ServicesOptions, 'dbPath'> = {}): AppCore {
    this.core ??= createAppCore({ dbPath: this.dbPath, ...options });
    return this.core;
  }

  /**
   * A contract call through the same dispatcher (and validation) as IPC and HTTP. `asAccount`:
   * the operator acting for one account of this server (`--account`), seeing what it sees.
   */
  async call<M extends MethodName>(method: M, args?: MethodArgs<M>, asAccount?: string): Promise<MethodResult<M>> {
    return unwrapEnvelope(await this.app().dispatch(method, args ?? {}, { transport: 'cli', ...(asAccount !== undefined ? { account: asAccount } : {}) })) as MethodResult<M>;
  }

  close(): void {
    this.core?.close();
    this.core = null;
  }
}

/** A usage mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}
