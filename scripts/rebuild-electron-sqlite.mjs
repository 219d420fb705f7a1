#!/usr/bin/env node
/**
 * Builds better-sqlite3 for Electron's ABI into node_modules/better-sqlite3/build-electron/
 * and leaves the Node build (build/Release, used by tests, the CLI and the headless host)
 * alone. The Electron main process loads it through better-sqlite3's `nativeBinding`
 * option (src-main/electron/native-binding.ts).
 *
 * Needs a network (Electron's headers come from https://electronjs.org/headers) and a C++
 * toolchain. Never run from postinstall. Not @electron/rebuild: run through npm it
 * honours npm's `nodedir` and silently produces a Node-ABI binary (see TOOLCHAIN.md); this
 * script clears that setting and then checks the ABI of what it built.
 *
 *   node scripts/rebuild-electron-sqlite.mjs               build for node_modules/electron's version
 *   node scripts/rebuild-electron-sqlite.mjs --if-missing  only if there is no build for this Electron major
 *   node scripts/rebuild-electron-sqlite.mjs --target=45.5.0
 *   node scripts/rebuild-electron-sqlite.mjs --verify=FILE  only check FILE's ABI
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HEADERS_URL = 'https://electronjs.org/headers';
const BINDING = 'better_sqlite3.node';
const say = (message) => console.log(`[rebuild-electron-sqlite] ${message}`);

export class RebuildError extends Error {}

/** The facts about the installed Electron and better-sqlite3. */
export function locate(root = ROOT) {
  const require = createRequire(join(root, 'package.json'));
  let electronDir;
  try {
    electronDir = dirname(require.resolve('electron/package.json'));
  } catch {
    electronDir = undefined;
  }
  const electronVersion = electronDir ? JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version : undefined;
  const abiFile = electronDir ? join(electronDir, 'abi_version') : undefined;
  const electronAbi = abiFile && existsSync(abiFile) ? readFileSync(abiFile, 'utf8').trim() : undefined;
  let sqliteDir;
  try {
    sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
  } catch {
    throw new RebuildError('better-sqlite3 is not installed; run npm install first');
  }
  return { electronVersion, electronAbi, sqliteDir, outDir: join(sqliteDir, 'build-electron') };
}

/** Is there already a build for this Electron major in outDir? */
export function hasBuildFor(outDir, electronVersion) {
  if (!existsSync(join(outDir, BINDING))) return false;
  const versionFile = join(outDir, 'electron-version.txt');
  if (!existsSync(versionFile)) return false;
  const builtFor = readFileSync(versionFile, 'utf8').trim();
  return builtFor.split('.')[0] === String(electronVersion).split('.')[0];
}

/**
 * Which ABI a .node file was built for, found by loading it into a throw-away plain Node
 * process: Node refuses a module of another ABI and names its NODE_MODULE_VERSION.
 * Returns { abi: 'node' } when Node loads it (a Node build), { abi: 'NNN' }, or { abi: undefined }.
 */
export function probeAbi(file) {
  const probe = spawnSync(process.execPath, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(file)})`], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status === 0) return { abi: 'node', detail: `loads in Node ${process.version} (NODE_MODULE_VERSION ${process.versions.modules})` };
  const match = /compiled against a different Node\.js version using\s+NODE_MODULE_VERSION (\d+)/.exec(`${probe.stderr}`);
  if (match) return { abi: match[1], detail: `NODE_MODULE_VERSION ${match[1]}` };
  return { abi: undefined, detail: (probe.stderr || `exit ${probe.status ?? probe.signal}`).trim().split('\n').slice(0, 3).join(' ') };
}

/** Throws unless file is a build for the expected Electron ABI. */
export function verifyElectronBuild(file, expectedAbi) {
  const { abi, detail } = probeAbi(file);
  if (abi === 'node') {
    throw new RebuildError(
      `${file} is a Node-ABI build (${detail}), not an Electron one. Is npm's nodedir set (npm config get nodedir)? ` +
        'This script clears npm_config_nodedir; check ~/.npmrc and the environment.',
    );
  }
  if (abi && expectedAbi && abi !== expectedAbi) {
    throw new RebuildError(`${file} has NODE_MODULE_VERSION ${abi}, but this Electron needs ${expectedAbi}`);
  }
  if (!abi) say(`warning: could not read the ABI of ${file} (${detail}); trusting node-gyp's --runtime=electron build`);
  return abi;
}

function findNodeGyp(root) {
  const require = createRequire(join(root, 'package.json'));
  const candidates = [];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    /* not a local dependency */
  }
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new RebuildError('node-gyp was not found (neither in node_modules nor bundled with npm); install it with npm i -D node-gyp');
  return found;
}

/** The environment for node-gyp: npm's nodedir/target/runtime settings removed, so the flags below decide. */
export function cleanGypEnv(env) {
  const out = { ...env };
  for (const key of Object.keys(out)) {
    if (/^npm_config_(nodedir|target|target_arch|arch|runtime|disturl|dist_url|devdir|build_from_source)$/i.test(key)) delete out[key];
  }
  return out;
}

export function rebuild({ root = ROOT, target, ifMissing = false } = {}) {
  const found = locate(root);
  const electronVersion = target ?? found.electronVersion;
  if (!electronVersion) throw new RebuildError('electron is not installed and no --target=<version> was given');
  // abi_version describes the installed Electron; with another --target we cannot know the ABI.
  const expectedAbi = !target || target === found.electronVersion ? found.electronAbi : undefined;

  if (ifMissing && hasBuildFor(found.outDir, electronVersion)) {
    say(`${join(found.outDir, BINDING)} is already built for Electron ${electronVersion.split('.')[0]}.x`);
    return join(found.outDir, BINDING);
  }

  const nodeGyp = findNodeGyp(root);
  const work = mkdtempSync(join(tmpdir(), 'branchline-sqlite-electron-'));
  const pkg = join(work, 'better-sqlite3');
  try {
    say(`building better-sqlite3 for Electron ${electronVersion} (${process.platform}-${process.arch}) in ${pkg}`);
    cpSync(found.sqliteDir, pkg, {
      recursive: true,
      filter: (src) => {
        const top = relative(found.sqliteDir, src).split(sep)[0];
        return top !== 'build' && top !== 'build-electron';
      },
    });
    const args = [
      nodeGyp,
      'rebuild',
      '--release',
      `--target=${electronVersion}`,
      `--arch=${process.arch}`,
      `--dist-url=${HEADERS_URL}`,
      '--runtime=electron',
      `--devdir=${join(homedir(), '.electron-gyp')}`,
      '--jobs=max',
    ];
    const result = spawnSync(process.execPath, args, { cwd: pkg, stdio: 'inherit', env: cleanGypEnv(process.env), timeout: 30 * 60_000 });
    const built = join(pkg, 'build', 'Release', BINDING);
    if (result.status !== 0 || !existsSync(built)) {
      throw new RebuildError(
        `node-gyp failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}). It needs Electron ${electronVersion}'s headers from ` +
          `${HEADERS_URL} (is this machine online?) and a C++ toolchain (python3, make, g++). ` +
          `Build on a machine that has both, then copy ${relative(root, found.outDir)}/ here.`,
      );
    }
    const abi = verifyElectronBuild(built, expectedAbi);
    mkdirSync(found.outDir, { recursive: true });
    copyFileSync(built, join(found.outDir, BINDING));
    writeFileSync(join(found.outDir, 'electron-version.txt'), `${electronVersion}\n`);
    writeFileSync(join(found.outDir, 'abi.txt'), `${abi ?? 'unknown'}\n`);
    say(`done: ${join(found.outDir, BINDING)} (Electron ${electronVersion}${abi ? `, NODE_MODULE_VERSION ${abi}` : ''})`);
    return join(found.outDir, BINDING);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main(argv) {
  const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
    return 0;
  }
  try {
    const verify = option('verify');
    if (verify) {
      const abi = verifyElectronBuild(verify, option('abi') ?? locate().electronAbi);
      say(`${verify}: Electron build${abi ? ` (NODE_MODULE_VERSION ${abi})` : ''}`);
      return 0;
    }
    rebuild({ target: option('target'), ifMissing: argv.includes('--if-missing') });
    return 0;
  } catch (error) {
    console.error(`[rebuild-electron-sqlite] FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(main(process.argv.slice(2)));
