/** scripts/start.mjs and scripts/rebuild-electron-sqlite.mjs: their decisions, without network or Electron. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Imported by computed path: plain .mjs scripts without type declarations.
const startUrl = new URL('../../scripts/start.mjs', import.meta.url).href;
const rebuildUrl = new URL('../../scripts/rebuild-electron-sqlite.mjs', import.meta.url).href;

let start: any;
let rebuild: any;
const dirs: string[] = [];
const tempRoot = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bl-scripts-'));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  start = await import(/* @vite-ignore */ startUrl);
  rebuild = await import(/* @vite-ignore */ rebuildUrl);
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('start.mjs', () => {
  it('finds the Electron binary only when path.txt names a file that exists under dist/', () => {
    const root = tempRoot();
    const electron = join(root, 'node_modules', 'electron');
    mkdirSync(electron, { recursive: true });
    expect(start.electronBinary(root)).toBeUndefined();
    writeFileSync(join(electron, 'path.txt'), 'electron');
    expect(start.electronBinary(root)).toBeUndefined(); // named, not downloaded
    mkdirSync(join(electron, 'dist'));
    writeFileSync(join(electron, 'dist', 'electron'), '');
    expect(start.electronBinary(root)).toBe(join(electron, 'dist', 'electron'));
  });

  it('knows whether better-sqlite3 has a build for this Electron major', () => {
    const root = tempRoot();
    mkdirSync(join(root, 'node_modules', 'electron'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'electron', 'package.json'), JSON.stringify({ version: '45.5.0' }));
    const out = join(root, 'node_modules', 'better-sqlite3', 'build-electron');
    expect(start.electronSqliteReady(root)).toBe(false);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'better_sqlite3.node'), '');
    expect(start.electronSqliteReady(root)).toBe(false); // no version stamp: unknown ABI
    writeFileSync(join(out, 'electron-version.txt'), '44.1.0\n');
    expect(start.electronSqliteReady(root)).toBe(false);
    writeFileSync(join(out, 'electron-version.txt'), '45.0.1\n');
    expect(start.electronSqliteReady(root)).toBe(true);
  });

  it('falls back to browser mode with one clear line when the binary is missing', () => {
    const decision = start.plan({ binaryPresent: false, sqliteReady: false, forceBrowser: false });
    expect(decision.mode).toBe('browser');
    expect(decision.reason).toMatch(/Electron binary is missing.*browser mode/);
    expect(decision.reason).not.toContain('\n');
    expect(start.plan({ binaryPresent: true, sqliteReady: false, forceBrowser: false })).toEqual({ mode: 'electron', rebuild: true });
    expect(start.plan({ binaryPresent: true, sqliteReady: true, forceBrowser: false })).toEqual({ mode: 'electron', rebuild: false });
    expect(start.plan({ binaryPresent: true, sqliteReady: true, forceBrowser: true }).mode).toBe('browser');
  });

  it('forwards the child’s exit code', async () => {
    expect(await start.runForwarding(process.execPath, ['-e', 'process.exit(7)'], { stdio: 'ignore' })).toBe(7);
    expect(await start.runForwarding(process.execPath, ['-e', 'process.kill(process.pid, "SIGTERM")'], { stdio: 'ignore' })).toBe(143);
  });
});

describe('rebuild-electron-sqlite.mjs', () => {
  it('clears npm settings that would make node-gyp build for Node instead of Electron', () => {
    const env = rebuild.cleanGypEnv({ npm_config_nodedir: '/usr', NPM_CONFIG_NODEDIR: '/usr', npm_config_target: '20.0.0', npm_config_runtime: 'node', npm_config_disturl: 'x', PATH: '/bin', npm_config_cache: '/c' });
    expect(env).toEqual({ PATH: '/bin', npm_config_cache: '/c' });
  });

  it('recognises the Node-ABI build for what it is and refuses it as an Electron build', () => {
    const require = createRequire(join(ROOT, 'package.json'));
    const nodeBuild = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
    expect(rebuild.probeAbi(nodeBuild).abi).toBe('node');
    expect(() => rebuild.verifyElectronBuild(nodeBuild, '150')).toThrow(/Node-ABI build/);
  });

  it('only skips the build when a stamped build for the same Electron major exists', () => {
    const out = tempRoot();
    expect(rebuild.hasBuildFor(out, '45.5.0')).toBe(false);
    writeFileSync(join(out, 'better_sqlite3.node'), '');
    writeFileSync(join(out, 'electron-version.txt'), '45.2.0\n');
    expect(rebuild.hasBuildFor(out, '45.5.0')).toBe(true);
    expect(rebuild.hasBuildFor(out, '46.0.0')).toBe(false);
  });
});
