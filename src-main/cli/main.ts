// `npx race …`: every action of the app, headless. Human tables by default, --json for
// scripts. Exit codes: 0 done, 1 failed, 2 usage mistake.
import { parseArgs } from 'node:util';
import pkg from '../../package.json' with { type: 'json' };
import { RaceError } from '../../src-shared/errors.ts';
import { defaultDbPath, resolveDbPath } from '../platform/paths.ts';
import { commands } from './commands/index.ts';
import type { Command, OptionSpec } from './commands/types.ts';
import { CliContext, UsageError, type CliIo } from './context.ts';

const GLOBAL_OPTIONS: OptionSpec = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `race ${pkg.version} — trackside telemetry analysis with sandboxed plugins`,
    '',
    'Usage: race <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    '  --db <path>   SQLite database (env RACE_DB; default: the desktop app\'s, see below)',
    '  --json        machine-readable output',
    '  -h, --help    help, also per command: race <command> --help',
    '  -V, --version',
    '',
    `Default database: ${defaultDbPath()}`,
  ].join('\n');
}

function commandHelp(c: Command): string {
  return `${c.summary}\n\nUsage: ${c.usage}\n\nGlobal options: --db <path>, --json, --help`;
}

export async function runCli(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // First pass: find the command name without knowing its options.
  const first = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const name = first.positionals[0];
  if (!name) {
    if (first.values.version) {
      io.out(pkg.version);
      return 0;
    }
    io.out(helpText());
    return first.values.help ? 0 : 2;
  }
  if (name === 'help') {
    io.out(helpText());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`race: unknown command "${name}". Run \`race --help\` for the list.`);
    return 2;
  }

  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...command.options }, strict: true, allowPositionals: true });
  } catch (e) {
    io.err(`race ${name}: ${(e as Error).message}\nUsage: ${command.usage}`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(commandHelp(command));
    return 0;
  }

  const ctx = new CliContext(resolveDbPath(parsed.values.db as string | undefined, env), Boolean(parsed.values.json), io);
  try {
    return await command.run(ctx, { values: parsed.values, positionals: parsed.positionals.slice(1) });
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`race ${name}: ${e.message}\nUsage: ${command.usage}`);
      return 2;
    }
    if (ctx.json && e instanceof RaceError) {
      io.out(JSON.stringify({ error: e.toBody() }));
    } else {
      io.err(`race ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!(e instanceof RaceError)) io.err((e as Error)?.stack ?? '');
    return 1;
  } finally {
    ctx.close();
  }
}

// Run when executed (bin/race.mjs imports this file), not when a test imports it.
if (process.env.RACE_CLI_MAIN === '1') {
  const code = await runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
  });
  process.exitCode = code;
}
