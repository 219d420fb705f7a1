#!/usr/bin/env node
/**
 * `npm start`: build, then run the desktop app — or, where the Electron binary is not
 * installed (it is downloaded from GitHub, unreachable on some machines), run browser
 * mode: the headless host serving the same UI (`branchline serve --open`).
 *
 *   npm start                 desktop app if possible, browser mode otherwise
 *   npm start -- --browser    browser mode even where Electron is installed
 *   npm start -- --skip-build use the existing out/ build
 * Other arguments go to `branchline serve` in browser mode.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const say = (message) => console.log(`[branchline] ${message}`);

/** The Electron executable if node_modules/electron has one (path.txt names a file under dist/), else undefined. */
export function electronBinary(root = ROOT) {
  const dir = join(root, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const relativePath = readFileSync(pathFile, 'utf8').trim();
  if (!relativePath) return undefined;
  const binary = join(dir, 'dist', relativePath);
  return existsSync(binary) ? binary : undefined;
}

/** Is there a better-sqlite3 build for this Electron's major in build-electron/? */
export function electronSqliteReady(root = ROOT) {
  const dir = join(root, 'node_modules', 'better-sqlite3', 'build-electron');
  const versionFile = join(dir, 'electron-version.txt');
  if (!existsSync(join(dir, 'better_sqlite3.node')) || !existsSync(versionFile)) return false;
  try {
    const electron = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
    return readFileSync(versionFile, 'utf8').trim().split('.')[0] === String(electron).split('.')[0];
  } catch {
    return false;
  }
}

/** What `npm start` will do, decided from the facts (exported for tests). */
export function plan({ binaryPresent, sqliteReady, forceBrowser }) {
  if (forceBrowser) return { mode: 'browser', reason: 'browser mode requested (--browser)' };
  if (!binaryPresent) {
    return { mode: 'browser', reason: 'The Electron binary is missing (node_modules/electron/dist; GitHub unreachable?) — starting browser mode instead.' };
  }
  return { mode: 'electron', rebuild: !sqliteReady };
}

/** Runs a child with our stdio; Ctrl+C / SIGTERM go to it; resolves with an exit code to use. */
export function runForwarding(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: ROOT, ...options });
    const running = () => child.exitCode === null && child.signalCode === null;
    // Ctrl+C in a terminal reaches the child too (same process group): give it a moment to
    // stop by itself before forwarding, so it does not see the signal twice.
    const onInt = () => setTimeout(() => running() && child.kill('SIGINT'), 1_000).unref();
    const onTerm = () => running() && child.kill('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const done = (code) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code);
    };
    child.on('error', (error) => {
      console.error(`[branchline] could not start ${command}: ${error.message}`);
      done(1);
    });
    child.on('exit', (code, signal) => {
      if (code !== null) return done(code);
      // Stopped by Ctrl+C (or a signal we forwarded): the conventional 128 + signal number.
      done(signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1);
    });
  });
}

async function main(argv) {
  const require = createRequire(join(ROOT, 'package.json'));
  const forceBrowser = argv.includes('--browser');
  const skipBuild = argv.includes('--skip-build');
  const passThrough = argv.filter((a) => a !== '--browser' && a !== '--skip-build');

  if (!skipBuild) {
    const electronVite = require.resolve('electron-vite/bin/electron-vite.js');
    const build = spawnSync(process.execPath, [electronVite, 'build'], { stdio: 'inherit', cwd: ROOT });
    if (build.status !== 0) {
      console.error('[branchline] electron-vite build failed; see above');
      return build.status ?? 1;
    }
  }

  let decision = plan({ binaryPresent: electronBinary() !== undefined, sqliteReady: electronSqliteReady(), forceBrowser });
  if (decision.mode === 'electron' && decision.rebuild) {
    say('building better-sqlite3 for Electron (once; needs the network)…');
    const rebuilt = spawnSync(process.execPath, [join(ROOT, 'scripts', 'rebuild-electron-sqlite.mjs'), '--if-missing'], { stdio: 'inherit', cwd: ROOT });
    if (rebuilt.status !== 0) {
      decision = { mode: 'browser', reason: 'better-sqlite3 could not be built for Electron (see above) — starting browser mode instead.' };
    }
  }

  if (decision.mode === 'electron') {
    const electronVite = require.resolve('electron-vite/bin/electron-vite.js');
    return runForwarding(process.execPath, [electronVite, 'preview', '--skipBuild']);
  }

  say(decision.reason);
  const cli = join(ROOT, 'scripts', 'branchline.mjs');
  if (!existsSync(cli)) {
    console.error(`[branchline] ${cli} is missing; browser mode cannot start`);
    return 1;
  }
  return runForwarding(process.execPath, [cli, 'serve', '--open', ...passThrough]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error('[branchline] start failed:', error);
      process.exit(1);
    },
  );
}
