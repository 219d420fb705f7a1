/**
 * Which better_sqlite3.node the engine worker loads. One `npm install` keeps the Node
 * build (node_modules/better-sqlite3/build/Release) for tests, the CLI and the headless
 * host; inside Electron the engine needs a build for Electron's ABI, kept beside it in
 * build-electron/ by scripts/rebuild-electron-sqlite.mjs, or shipped by the packager.
 * Pure: the caller passes in the facts and the file-system probes.
 */
import { join } from 'node:path';

export const ELECTRON_BINDING_DIR = join('node_modules', 'better-sqlite3', 'build-electron');
export const BINDING_FILE = 'better_sqlite3.node';
/** Written by the rebuild script beside the binding: the Electron version it was built for. */
export const BINDING_VERSION_FILE = 'electron-version.txt';
/** Environment override: an explicit path to a better_sqlite3.node to load. */
export const BINDING_ENV = 'BRANCHLINE_SQLITE_BINDING';

export interface NativeBindingFacts {
  /** process.versions.electron; undefined in plain Node. */
  electronVersion: string | undefined;
  /** app.isPackaged */
  isPackaged: boolean;
  /** app.getAppPath(): the project root when unpackaged (where package.json is). */
  appPath: string;
  /** process.resourcesPath inside Electron. */
  resourcesPath: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  exists(path: string): boolean;
  /** The text of a small file, or undefined if it cannot be read. */
  readText(path: string): string | undefined;
}

export interface NativeBindingChoice {
  /** Passed as nativeBinding to better-sqlite3; undefined = its default build/Release. */
  path: string | undefined;
  source: 'node-default' | 'env-override' | 'packaged-resources' | 'packaged-default' | 'electron-build' | 'missing';
  /** Set when the engine will probably fail to load SQLite; tells the user what to do. */
  problem?: string;
}

const REBUILD_HINT = 'run `node scripts/rebuild-electron-sqlite.mjs` on a machine with internet access (it needs Electron headers)';

const major = (version: string) => version.replace(/^v/, '').split('.')[0];

export function chooseNativeBinding(facts: NativeBindingFacts): NativeBindingChoice {
  const electron = facts.electronVersion;
  if (!electron) return { path: undefined, source: 'node-default' };

  const override = facts.env[BINDING_ENV];
  if (override) {
    if (facts.exists(override)) return { path: override, source: 'env-override' };
    return { path: undefined, source: 'missing', problem: `${BINDING_ENV} names ${override}, which does not exist` };
  }

  if (facts.isPackaged) {
    const candidates = facts.resourcesPath
      ? [join(facts.resourcesPath, 'native', BINDING_FILE), join(facts.resourcesPath, 'app.asar.unpacked', ELECTRON_BINDING_DIR, BINDING_FILE)]
      : [];
    const found = candidates.find((p) => facts.exists(p));
    if (found) return { path: found, source: 'packaged-resources' };
    // The packager rebuilt build/Release for Electron's ABI.
    return { path: undefined, source: 'packaged-default' };
  }

  const dir = join(facts.appPath, ELECTRON_BINDING_DIR);
  const binding = join(dir, BINDING_FILE);
  if (!facts.exists(binding)) {
    return {
      path: undefined,
      source: 'missing',
      problem: `There is no better-sqlite3 build for Electron ${electron} at ${binding}; ${REBUILD_HINT}`,
    };
  }
  const builtFor = facts.readText(join(dir, BINDING_VERSION_FILE))?.trim();
  if (builtFor && major(builtFor) !== major(electron)) {
    return {
      path: binding,
      source: 'electron-build',
      problem: `${binding} was built for Electron ${builtFor}, but this is Electron ${electron}; ${REBUILD_HINT}`,
    };
  }
  return { path: binding, source: 'electron-build' };
}
