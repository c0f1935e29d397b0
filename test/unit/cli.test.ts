// The CLI as a user runs it: the real bin script in a child process, on a real database.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main.ts';
import { tempDir } from '../support/tmp.ts';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/race.mjs');
const dir = tempDir();

function race(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, RACE_DB: '', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function inProcess(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, {});
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('race CLI', () => {
  it('--help lists every command the product will have', () => {
    const r = race(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['import', 'sessions', 'laps', 'kpis', 'channels', 'plugins', 'invoke', 'grants', 'serve', 'parity', 'bench']) {
      expect(r.out).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    }
    expect(r.out).toContain('--db <path>');
    expect(r.out).toContain('RACE_DB');
  });

  it('prints its version', () => {
    const version = race(['--version']);
    expect(version.code).toBe(0);
    expect(version.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('re-runs itself on the project Node when started by an older Node', () => {
    const systemNode = '/usr/bin/node';
    if (!existsSync(systemNode)) return; // nothing older to start it with on this machine
    const v = execFileSync(systemNode, ['--version'], { encoding: 'utf8' }).trim();
    if (Number(v.slice(1).split('.')[0]) >= 24) return;
    const out = execFileSync(systemNode, [bin, 'sessions', '--json', '--db', join(dir, 'old-node.db')], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([]);
  });

  it('--db picks the SQLite file, and creates it', () => {
    const db = join(dir, 'flag.db');
    const r = race(['sessions', '--json', '--db', db]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual([]);
    expect(existsSync(db)).toBe(true);
  });

  it('RACE_DB picks the SQLite file when --db is absent', () => {
    const db = join(dir, 'env.db');
    const r = race(['sessions'], { RACE_DB: db });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`No sessions in ${db}`);
    expect(existsSync(db)).toBe(true);
  });

  it('says clearly when --db is not a database, with exit code 1', () => {
    const r = race(['sessions', '--db', join(root, 'package.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/race sessions: cannot (use|open) .*package\.json.*not a database/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace for a user mistake
  });

  it('usage mistakes exit 2 with the command usage', async () => {
    const unknownOption = await inProcess(['sessions', '--bogus']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.err).toMatch(/Unknown option '--bogus'[\s\S]*Usage: race sessions/);
    const unknownCommand = await inProcess(['drive']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.err).toContain('unknown command "drive"');
    const port = await inProcess(['serve', '--port', 'fast', '--db', join(dir, 'p.db')]);
    expect(port.code).toBe(2);
    expect(port.err).toContain('--port must be 0–65535');
  });

  it('per-command help', async () => {
    const r = await inProcess(['sessions', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: race sessions [--json]');
  });
});
