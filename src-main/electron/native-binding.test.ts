import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BINDING_ENV, type NativeBindingFacts, chooseNativeBinding } from './native-binding';

const appPath = join('/home', 'dev', 'branchline');
const devBinding = join(appPath, 'node_modules', 'better-sqlite3', 'build-electron', 'better_sqlite3.node');
const devVersionFile = join(appPath, 'node_modules', 'better-sqlite3', 'build-electron', 'electron-version.txt');
const resources = join('/opt', 'Branchline', 'resources');

function facts(overrides: Partial<NativeBindingFacts> & { files?: Record<string, string> } = {}): NativeBindingFacts {
  const files = overrides.files ?? {};
  return {
    electronVersion: '45.5.0',
    isPackaged: false,
    appPath,
    resourcesPath: resources,
    env: {},
    exists: (p) => p in files,
    readText: (p) => files[p],
    ...overrides,
  };
}

describe('chooseNativeBinding', () => {
  it('leaves plain Node (tests, CLI, headless host) on better-sqlite3’s own build', () => {
    const choice = chooseNativeBinding(facts({ electronVersion: undefined, files: { [devBinding]: '' } }));
    expect(choice).toEqual({ path: undefined, source: 'node-default' });
  });

  it('uses the Electron-ABI build in build-electron/ when running unpackaged in Electron', () => {
    const choice = chooseNativeBinding(facts({ files: { [devBinding]: '', [devVersionFile]: '45.5.0\n' } }));
    expect(choice).toEqual({ path: devBinding, source: 'electron-build' });
  });

  it('accepts a build for another patch/minor of the same Electron major (same ABI)', () => {
    const choice = chooseNativeBinding(facts({ files: { [devBinding]: '', [devVersionFile]: '45.1.0' } }));
    expect(choice.path).toBe(devBinding);
    expect(choice.problem).toBeUndefined();
  });

  it('flags a build made for another Electron major', () => {
    const choice = chooseNativeBinding(facts({ files: { [devBinding]: '', [devVersionFile]: '44.0.0' } }));
    expect(choice.path).toBe(devBinding);
    expect(choice.problem).toMatch(/built for Electron 44\.0\.0.*Electron 45\.5\.0.*rebuild-electron-sqlite/);
  });

  it('explains how to get the Electron build when it is missing, instead of loading the Node build silently', () => {
    const choice = chooseNativeBinding(facts());
    expect(choice.path).toBeUndefined();
    expect(choice.source).toBe('missing');
    expect(choice.problem).toContain('scripts/rebuild-electron-sqlite.mjs');
    expect(choice.problem).toContain('45.5.0');
  });

  it('honours an explicit override, and reports an override that does not exist', () => {
    const custom = join('/tmp', 'custom.node');
    expect(chooseNativeBinding(facts({ env: { [BINDING_ENV]: custom }, files: { [custom]: '', [devBinding]: '' } }))).toEqual({ path: custom, source: 'env-override' });
    const missing = chooseNativeBinding(facts({ env: { [BINDING_ENV]: custom } }));
    expect(missing.path).toBeUndefined();
    expect(missing.problem).toContain(custom);
  });

  it('in a packaged app prefers a binding shipped in resources/native, then app.asar.unpacked', () => {
    const shipped = join(resources, 'native', 'better_sqlite3.node');
    const unpacked = join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build-electron', 'better_sqlite3.node');
    expect(chooseNativeBinding(facts({ isPackaged: true, files: { [shipped]: '', [unpacked]: '' } }))).toEqual({ path: shipped, source: 'packaged-resources' });
    expect(chooseNativeBinding(facts({ isPackaged: true, files: { [unpacked]: '' } }))).toEqual({ path: unpacked, source: 'packaged-resources' });
  });

  it('in a packaged app without a shipped copy trusts the packager’s rebuilt default', () => {
    // Never the developer's build-electron/ from appPath: a package does not look outside itself.
    expect(chooseNativeBinding(facts({ isPackaged: true, files: { [devBinding]: '' } }))).toEqual({ path: undefined, source: 'packaged-default' });
  });
});
