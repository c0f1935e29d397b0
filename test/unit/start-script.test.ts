// `npm start` where the Electron binary is missing: one paragraph, pointing to browser mode.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs script without declarations
import { findElectronBinary, missingElectronMessage } from '../../scripts/electron-binary.mjs';
import { tempDir } from '../support/tmp.ts';

const root = join(import.meta.dirname, '../..');
const dir = tempDir();

function fakeElectronPackage(name: string, pathTxt?: string, binary?: string) {
  const pkg = join(dir, name);
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{"name":"electron"}');
  if (pathTxt !== undefined) writeFileSync(join(pkg, 'path.txt'), pathTxt);
  if (binary) writeFileSync(join(pkg, 'dist', binary), '');
  return pkg;
}

describe('Electron binary detection', () => {
  it('finds the binary path.txt names', () => {
    const pkg = fakeElectronPackage('ok', 'electron', 'electron');
    expect(findElectronBinary(pkg, {})).toEqual({ ok: true, path: join(pkg, 'dist/electron') });
  });

  it.each([
    ['never downloaded', () => fakeElectronPackage('none'), /path\.txt is missing/],
    ['path.txt without binary', () => fakeElectronPackage('half', 'electron'), /dist\/electron is missing/],
    ['package absent', () => join(dir, 'absent'), /not installed/],
  ])('reports %s', (_label, make, reason) => {
    const r = findElectronBinary(make(), {});
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(reason);
  });

  it('the message is one paragraph that points to browser mode and the CLI', () => {
    const text = missingElectronMessage('x');
    expect(text).not.toContain('\n');
    expect(text).toContain('npx race serve --ui');
    expect(text).toContain('npx install-electron');
  });

  it('npm start exits with that paragraph and no stack trace when the binary is missing', () => {
    const real = findElectronBinary(join(root, 'node_modules/electron'));
    if (real.ok) return; // on a machine with the binary, npm start opens the app instead
    const r = spawnSync(process.execPath, [join(root, 'scripts/start.mjs')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(missingElectronMessage(real.reason));
    expect(r.stdout).toBe('');
  });
});
