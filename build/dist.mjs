#!/usr/bin/env node
/**
 * `npm run dist [-- electron-builder args]`: the installers for this machine's platform.
 *
 *   1. electron-vite build                          out/ (main with the migrations bundled, preload, renderer)
 *   2. scripts/rebuild-electron-sqlite.mjs          better-sqlite3 for Electron's ABI (build-electron/)
 *   3. electron-builder --config electron-builder.yml --publish never
 *                                                   Linux: AppImage + deb; Windows: NSIS; macOS: dmg + zip
 *
 * Needs the internet: step 2 downloads Electron's headers, step 3 the Electron binary for the
 * target and its packaging tools (AppImage, NSIS, dmg). It cannot run offline (nor on a machine
 * that reaches only a package registry); each platform is built on its own OS (native module).
 * Then publish: `branchline release publish --dir dist --to UPDATE_FOLDER --channel stable`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const say = (m) => console.log(`[dist] ${m}`);

function run(label, command, args, hint) {
  say(`${label}: ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(`[dist] ${label} failed (exit ${r.status ?? r.signal}).${hint ? ` ${hint}` : ''}`);
    process.exit(r.status || 1);
  }
}

const NETWORK = 'It needs the internet (GitHub and electronjs.org downloads); see README "Packaging and updates".';
const bin = (name) => (process.platform === 'win32' ? `${name}.cmd` : name);
run('build the app', bin('npx'), ['electron-vite', 'build']);
run('better-sqlite3 for Electron', process.execPath, ['scripts/rebuild-electron-sqlite.mjs', '--if-missing'], NETWORK);
run('package', bin('npx'), ['electron-builder', '--config', 'electron-builder.yml', '--publish', 'never', ...process.argv.slice(2)], NETWORK);
say('installers are in dist/; publish them with `branchline release publish --dir dist --to UPDATE_FOLDER --channel stable`');
