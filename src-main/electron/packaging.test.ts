/**
 * Packaging, as far as it can be checked without downloading Electron: electron-builder.yml
 * passes electron-builder's own schema and says what the issue asks (targets, fuses, native
 * module, no file associations), the icons are valid and current, and the pack hooks catch
 * what would make a broken installer. Where the Electron binary is installed, a Playwright
 * `_electron` smoke test starts the app; here it is skipped, and says so.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BINDING_FILE } from './native-binding';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, any>;

let checks: any;
let icons: any;
let start: any;
beforeAll(async () => {
  checks = await import(/* @vite-ignore */ new URL('../../build/pack-checks.mjs', import.meta.url).href);
  icons = await import(/* @vite-ignore */ new URL('../../build/make-icons.mjs', import.meta.url).href);
  start = await import(/* @vite-ignore */ new URL('../../scripts/start.mjs', import.meta.url).href);
});

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'bl-pack-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('electron-builder.yml', () => {
  it("passes electron-builder's own configuration schema", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
    await expect(validateConfiguration(config, { isEnabled: false, add: () => {} })).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, electronFuses: { runAsNod: false } }, { isEnabled: false, add: () => {} })).rejects.toThrow(/Invalid configuration object/);
  });

  it('builds AppImage + deb, NSIS, dmg (+ zip for macOS updates), with an app id, icons and no file associations', () => {
    expect(config.appId).toBe('com.branchline.erp');
    expect(config.productName).toBe('Branchline');
    expect(config.extraMetadata.productName).toBe('Branchline');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg', 'zip']);
    expect(config.fileAssociations).toBeUndefined();
    expect(config.protocols).toBeUndefined();
    for (const icon of [config.linux.icon, config.win.icon, config.mac.icon]) expect(existsSync(join(ROOT, icon)), icon).toBe(true);
    // One artifact name for every target: what `branchline release publish` parses.
    expect(config.artifactName).toBe('${productName}-${version}-${arch}.${ext}');
    expect(config.publish).toEqual([{ provider: 'generic', url: expect.stringMatching(/^https:\/\//), channel: 'latest' }]);
  });

  it('sets the fuses: no run-as-node, no NODE_OPTIONS or inspect flags, app only from an integrity-checked asar', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it('ships the Electron build of better-sqlite3 where native-binding.ts looks for it, and never rebuilds the Node one', () => {
    expect(config.npmRebuild).toBe(false);
    expect(config.extraResources).toContainEqual({ from: 'node_modules/better-sqlite3/build-electron/better_sqlite3.node', to: `native/${BINDING_FILE}` });
    const bindingSource = readFileSync(join(ROOT, 'src-main/electron/native-binding.ts'), 'utf8');
    expect(bindingSource).toContain("join(facts.resourcesPath, 'native', BINDING_FILE)");
  });

  it('excludes no package the main process or the engine imports at run time', () => {
    const excluded = (config.files as string[])
      .filter((p) => p.startsWith('!node_modules/'))
      .flatMap((p) => {
        const m = /^!node_modules\/(\{[^}]+\}|[^/]+(?:\/[^/*]+)?)/.exec(p)![1]!;
        return m.startsWith('{') ? m.slice(1, -1).split(',') : [m.replace(/\/\*\*$/, '')];
      });
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const p = join(dir, n);
        if (statSync(p).isDirectory()) return n === 'cli' ? [] : sources(p);
        return n.endsWith('.ts') && !n.endsWith('.test.ts') ? [p] : [];
      });
    const imported = new Set<string>();
    for (const file of [...sources(join(ROOT, 'src-main')), ...sources(join(ROOT, 'src-shared')), ...sources(join(ROOT, 'migrations'))]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*['"]([^'".][^'"]*)['"]/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:')) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    const clash = excluded.filter((e) => imported.has(e) || [...imported].some((i) => e.endsWith('/**') && i.startsWith(e.slice(0, -3))));
    expect(clash).toEqual([]);
    expect(imported.has('better-sqlite3')).toBe(true);
  });
});

describe('icons', () => {
  it('are a 512×512 PNG and an ICO with a 256 entry, small, and what build/make-icons.mjs draws now', () => {
    const png = readFileSync(join(ROOT, 'build/icon.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
    const ico = readFileSync(join(ROOT, 'build/icon.ico'));
    expect(ico.readUInt16LE(2)).toBe(1);
    const sizes = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico[6 + 16 * i] || 256);
    expect(sizes).toEqual([16, 24, 32, 48, 64, 256]);
    expect(png.length + ico.length).toBeLessThan(64 * 1024);
    const dir = tempDir();
    icons.makeIcons(dir);
    expect(readFileSync(join(dir, 'icon.png')).equals(png)).toBe(true);
    expect(readFileSync(join(dir, 'icon.ico')).equals(ico)).toBe(true);
  });
});

describe('pack hooks', () => {
  it('load as electron-builder loads them', () => {
    expect(typeof require(join(ROOT, 'build/hooks/before-pack.cjs'))).toBe('function');
    expect(typeof require(join(ROOT, 'build/hooks/after-pack.cjs')).afterPack).toBe('function');
    expect(config.beforePack).toBe('./build/hooks/before-pack.cjs');
    expect(config.afterPack).toBe('./build/hooks/after-pack.cjs');
  });

  it('refuse to pack an app that is not built or lacks a migration', () => {
    const root = tempDir();
    mkdirSync(join(root, 'migrations'));
    writeFileSync(join(root, 'migrations/index.ts'), "export const MIGRATIONS = {\n  '0001_platform': m1,\n  '0002_catalog': m2,\n};");
    expect(checks.migrationNames(root)).toEqual(['0001_platform', '0002_catalog']);
    expect(checks.checkBuiltApp(root).join('\n')).toMatch(/out\/main\/index\.js is missing/);
    for (const f of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), '');
    }
    writeFileSync(join(root, 'out/main/engine-worker.js'), "const MIGRATIONS = { '0001_platform': a };");
    expect(checks.checkBuiltApp(root)).toEqual(['out/main does not carry migration(s) 0002_catalog: rebuild with `npx electron-vite build`']);
    mkdirSync(join(root, 'out/main/chunks'));
    writeFileSync(join(root, 'out/main/chunks/m.js'), "'0002_catalog'");
    expect(checks.checkBuiltApp(root)).toEqual([]);
  });

  it('the real build, when there is one, carries every migration', () => {
    if (!existsSync(join(ROOT, 'out/main/engine-worker.js'))) return; // unit tests run before `electron-vite build` in CI
    const stale = statSync(join(ROOT, 'out/main/engine-worker.js')).mtimeMs < statSync(join(ROOT, 'migrations/index.ts')).mtimeMs;
    if (stale) return;
    expect(checks.checkBuiltApp(ROOT)).toEqual([]);
  });

  it('refuse a missing, mismatched or cross-platform native module', () => {
    const root = tempDir();
    const dir = join(root, 'node_modules/better-sqlite3/build-electron');
    const args = { root, electronVersion: '45.5.0', platform: 'linux', arch: 'x64', hostPlatform: 'linux', hostArch: 'x64' };
    expect(checks.checkNativeBinding(args)[0]).toMatch(/better_sqlite3\.node is missing: run `node scripts\/rebuild-electron-sqlite\.mjs`/);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'better_sqlite3.node'), '');
    writeFileSync(join(dir, 'electron-version.txt'), '44.1.0\n');
    expect(checks.checkNativeBinding(args)[0]).toMatch(/built for Electron 44\.1\.0, but this package uses Electron 45\.5\.0/);
    writeFileSync(join(dir, 'electron-version.txt'), '45.5.0\n');
    expect(checks.checkNativeBinding(args)).toEqual([]);
    expect(checks.checkNativeBinding({ ...args, platform: 'win32' })[0]).toMatch(/must be built on win32-x64/);
    expect(checks.checkNativeBinding({ ...args, arch: 'arm64' })[0]).toMatch(/must be built on linux-arm64/);
  });

  it('check the packed resources: native module, app.asar only, app-update.yml', () => {
    const res = tempDir();
    expect(checks.checkPackedApp(res)).toHaveLength(3);
    mkdirSync(join(res, 'native'));
    writeFileSync(join(res, 'native/better_sqlite3.node'), '');
    writeFileSync(join(res, 'app.asar'), '');
    writeFileSync(join(res, 'app-update.yml'), 'provider: generic\n');
    expect(checks.checkPackedApp(res)).toEqual([]);
    mkdirSync(join(res, 'app'));
    expect(checks.checkPackedApp(res)[0]).toMatch(/only app\.asar is loaded/);
  });
});

const electronPath: string | undefined = (() => {
  try {
    const p = join(ROOT, 'node_modules/electron/path.txt');
    const bin = existsSync(p) ? join(ROOT, 'node_modules/electron/dist', readFileSync(p, 'utf8').trim()) : undefined;
    return bin && existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
})();
const builtApp = existsSync(join(ROOT, 'out/main/index.js'));
const SKIP_REASON = !electronPath
  ? 'SKIPPED: the Electron binary is not installed (node_modules/electron/dist is absent: it is downloaded from GitHub, unreachable here)'
  : !builtApp
    ? 'SKIPPED: the app is not built (run `npx electron-vite build`)'
    : null;

describe(`Electron smoke test (Playwright _electron)${SKIP_REASON ? ` — ${SKIP_REASON}` : ''}`, () => {
  it('knows whether the Electron binary is here', () => {
    expect(start.electronBinary(ROOT)).toBe(electronPath);
    if (SKIP_REASON) console.warn(`[packaging.test] Electron smoke test ${SKIP_REASON}`);
  });

  it.skipIf(SKIP_REASON !== null)('starts the app, shows the window from app://, and quits', async () => {
    const { _electron } = await import('@playwright/test');
    const home = tempDir();
    const app = await _electron.launch({ executablePath: electronPath!, args: [join(ROOT, 'out/main/index.js')], cwd: ROOT, env: { ...process.env, BRANCHLINE_HOME: home, XDG_CONFIG_HOME: home, ELECTRON_ENABLE_LOGGING: '1' }, timeout: 60_000 });
    try {
      const window = await app.firstWindow();
      await window.waitForLoadState('domcontentloaded');
      expect(window.url()).toMatch(/^app:\/\/branchline\//);
      expect(await window.title()).toMatch(/Branchline/);
      expect(await app.evaluate(({ app: a }) => a.getName())).toBeTruthy();
    } finally {
      await app.close();
    }
  }, 120_000);
});
