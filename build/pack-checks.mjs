/**
 * What electron-builder's hooks check (build/hooks/*.cjs call these), kept apart so tests can
 * run them without packaging:
 *  - before packing: the app is built (out/), every migration is bundled into it, and the
 *    better-sqlite3 build for Electron's ABI exists for this Electron, platform and arch;
 *  - after packing: resources/native/better_sqlite3.node (what src-main/electron/native-binding.ts
 *    loads in a packaged app), app.asar (the only app the fuses let Electron load) and
 *    app-update.yml (electron-updater's cache settings) are in place.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ARCH_NAMES = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' };
const PLATFORMS = { linux: 'linux', win32: 'win32', darwin: 'darwin', mas: 'darwin' };

function jsFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return jsFiles(p);
    return name.endsWith('.js') || name.endsWith('.mjs') || name.endsWith('.cjs') ? [p] : [];
  });
}

/** The migration names the app must carry, from migrations/index.ts. */
export function migrationNames(root) {
  const text = readFileSync(join(root, 'migrations', 'index.ts'), 'utf8');
  return [...text.matchAll(/'(\d{4}_[a-z0-9_]+)'\s*:/g)].map((m) => m[1]);
}

/** Problems with the built app in out/ (empty when ready to pack). */
export function checkBuiltApp(root) {
  const problems = [];
  for (const f of ['out/main/index.js', 'out/main/engine-worker.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
    if (!existsSync(join(root, f))) problems.push(`${f} is missing: run \`npx electron-vite build\` first (npm run dist does)`);
  }
  if (problems.length) return problems;
  const bundle = jsFiles(join(root, 'out', 'main'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const missing = migrationNames(root).filter((name) => !bundle.includes(name));
  if (missing.length) problems.push(`out/main does not carry migration(s) ${missing.join(', ')}: rebuild with \`npx electron-vite build\``);
  return problems;
}

/** Problems with the better-sqlite3 build for Electron that extraResources will copy. */
export function checkNativeBinding({ root, electronVersion, platform, arch, hostPlatform = process.platform, hostArch = process.arch }) {
  const dir = join(root, 'node_modules', 'better-sqlite3', 'build-electron');
  const binding = join(dir, 'better_sqlite3.node');
  const target = PLATFORMS[platform] ?? platform;
  if (target !== hostPlatform || (arch !== hostArch && arch !== 'universal')) {
    return [`better-sqlite3 is native: installers for ${target}-${arch} must be built on ${target}-${arch} (this is ${hostPlatform}-${hostArch}); build each platform on its own machine or CI runner`];
  }
  if (!existsSync(binding)) return [`${binding} is missing: run \`node scripts/rebuild-electron-sqlite.mjs\` (needs Electron's headers from the internet; npm run dist does it)`];
  const builtFor = existsSync(join(dir, 'electron-version.txt')) ? readFileSync(join(dir, 'electron-version.txt'), 'utf8').trim() : null;
  if (!builtFor) return [`${dir}/electron-version.txt is missing: rebuild with \`node scripts/rebuild-electron-sqlite.mjs\``];
  if (builtFor.split('.')[0] !== String(electronVersion).split('.')[0]) {
    return [`${binding} was built for Electron ${builtFor}, but this package uses Electron ${electronVersion}: run \`node scripts/rebuild-electron-sqlite.mjs\``];
  }
  return [];
}

/** Problems with a packed app's resources folder. */
export function checkPackedApp(resourcesDir) {
  const problems = [];
  if (!existsSync(join(resourcesDir, 'native', 'better_sqlite3.node'))) problems.push(`${resourcesDir}/native/better_sqlite3.node is missing (extraResources)`);
  if (!existsSync(join(resourcesDir, 'app.asar'))) problems.push(`${resourcesDir}/app.asar is missing: the onlyLoadAppFromAsar fuse would leave nothing to load`);
  if (existsSync(join(resourcesDir, 'app'))) problems.push(`${resourcesDir}/app exists beside app.asar; only app.asar is loaded`);
  if (!existsSync(join(resourcesDir, 'app-update.yml'))) problems.push(`${resourcesDir}/app-update.yml is missing: keep a generic "publish" entry so electron-updater has its cache settings`);
  return problems;
}

function electronVersionOf(context) {
  return context.packager?.info?.framework?.version ?? context.packager?.config?.electronVersion ?? JSON.parse(readFileSync(join(context.packager.projectDir, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
}

function fail(stage, problems) {
  if (problems.length) throw new Error(`[branchline ${stage}] cannot package:\n  - ${problems.join('\n  - ')}`);
}

export async function beforePack(context) {
  const root = context.packager.projectDir;
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  const electronVersion = electronVersionOf(context);
  fail('beforePack', [...checkBuiltApp(root), ...checkNativeBinding({ root, electronVersion, platform: context.electronPlatformName, arch })]);
  // The binary must really be of Electron's ABI (see TOOLCHAIN.md: some rebuild tools silently make a Node build).
  const { verifyElectronBuild } = await import('../scripts/rebuild-electron-sqlite.mjs');
  const abiFile = join(root, 'node_modules', 'electron', 'abi_version');
  verifyElectronBuild(join(root, 'node_modules', 'better-sqlite3', 'build-electron', 'better_sqlite3.node'), existsSync(abiFile) ? readFileSync(abiFile, 'utf8').trim() : undefined);
}

export async function afterPack(context) {
  const resources = context.packager.getResourcesDir(context.appOutDir);
  fail('afterPack', checkPackedApp(resources));
}
