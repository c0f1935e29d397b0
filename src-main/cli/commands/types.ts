import type { ParseArgsConfig } from 'node:util';
import type { CliContext } from '../context.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommandArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Options of this command; the global ones (--db, --json, --help) are added to every command. */
  options: OptionSpec;
  /** Returns the exit code. */
  run(ctx: CliContext, args: ParsedCommandArgs): Promise<number>;
}
