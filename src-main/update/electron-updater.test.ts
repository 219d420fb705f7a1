/**
 * electron-updater's own code (the generic provider, AppUpdater's staging check, the
 * download with sha512 verification) run in plain Node against `branchline update-server`
 * serving a folder written by `branchline release publish`. Electron is replaced only where
 * electron-updater talks to it: the app adapter (a plain object) and the HTTP executor (the
 * same doDownload/DigestTransform code as Electron's, over node:http instead of net.request).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronUpdaterDriver } from '../electron/updater';
import { UpdateController } from './controller';
import { IDLE, inRollout, stagingBucket } from './policy';
import { publishRelease, readMetadata, setRollout } from './release';
import { mergeSettings } from './settings';
import { type UpdateServer, startUpdateServer } from './update-server';

const require = createRequire(import.meta.url);
const electronUpdater = require('electron-updater') as any;
// Resolved the way electron-updater resolves it: the very HttpExecutor it extends.
const runtime = createRequire(require.resolve('electron-updater'))('builder-util-runtime') as any;

/** electron-updater's ElectronHttpExecutor, with node:http in place of Electron's net module. */
class NodeHttpExecutor extends runtime.HttpExecutor {
  async download(url: URL, destination: string, options: any): Promise<string> {
    return options.cancellationToken.createPromise((resolve: (v: string) => void, reject: (e: Error) => void, onCancel: any) => {
      const requestOptions: any = { headers: options.headers || undefined };
      runtime.configureRequestUrl(url, requestOptions);
      runtime.configureRequestOptions(requestOptions);
      (this as any).doDownload(requestOptions, { destination, options, onCancel, callback: (error: Error | null) => (error == null ? resolve(destination) : reject(error)), responseHandler: null }, 0);
    });
  }
  createRequest(options: any, callback: (response: any) => void) {
    return http.request(options, callback);
  }
}

let root: string;
let serverDir: string;
let server: UpdateServer;
const artifacts: Record<string, Buffer> = {};

function uuidInBucket(fraction: number): string {
  const tail = Math.min(0xffffffff, Math.floor(fraction * 0xffffffff))
    .toString(16)
    .padStart(8, '0');
  const head = randomBytes(12).toString('hex');
  return `${head.slice(0, 8)}-${head.slice(8, 12)}-5${head.slice(13, 16)}-8${head.slice(17, 20)}-${head.slice(20, 24)}${tail}`;
}

let installs = 0;
/** A DebUpdater as a packaged Linux .deb install would build it, minus Electron. */
function makeUpdater(options: { version: string; stagingId?: string; channel?: 'latest' | 'beta' }) {
  installs++;
  const userData = join(root, `user-${installs}`);
  mkdirSync(userData, { recursive: true });
  if (options.stagingId) writeFileSync(join(userData, '.updaterId'), options.stagingId);
  const configFile = join(userData, 'app-update.yml');
  writeFileSync(configFile, `provider: generic\nurl: ${server.url}\nupdaterCacheDirName: branchline-updater\n`);
  const app = {
    version: options.version,
    name: 'Branchline',
    isPackaged: true,
    appUpdateConfigPath: configFile,
    userDataPath: userData,
    baseCachePath: join(userData, 'cache'),
    whenReady: () => Promise.resolve(),
    relaunch: () => {},
    quit: () => {},
    onQuit: () => {},
  };
  const updater = new electronUpdater.DebUpdater(null, app);
  updater.httpExecutor = new NodeHttpExecutor();
  updater.logger = null;
  updater.autoDownload = false;
  updater.autoInstallOnAppQuit = false;
  updater._testOnlyOptions = { platform: 'linux', isUseDifferentialDownload: false };
  const driver = electronUpdaterDriver(async () => updater);
  driver.configure({ url: server.url, channel: options.channel === 'beta' ? 'beta' : 'stable' });
  return { updater, driver, cacheDir: join(userData, 'cache', 'branchline-updater') };
}

function writeBuild(dir: string, version: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of [`Branchline-${version}-x64.AppImage`, `Branchline-${version}-x64.deb`, `Branchline-${version}-x64.exe`, `Branchline-${version}-arm64.zip`, `Branchline-${version}-arm64.dmg`]) {
    const bytes = randomBytes(64 * 1024 + Math.floor(Math.random() * 1024));
    artifacts[name] = bytes;
    writeFileSync(join(dir, name), bytes);
  }
}

beforeAll(async () => {
  process.env.TEST_UPDATER_ARCH = 'x64'; // the metadata file names depend on the arch
  root = mkdtempSync(join(tmpdir(), 'bl-eu-'));
  serverDir = join(root, 'server');
  writeBuild(join(root, 'dist-1.1.0'), '1.1.0');
  writeBuild(join(root, 'dist-1.2.0-beta.1'), '1.2.0-beta.1');
  await publishRelease({ distDir: join(root, 'dist-1.1.0'), outDir: serverDir, channel: 'stable', rollout: 30 });
  await publishRelease({ distDir: join(root, 'dist-1.2.0-beta.1'), outDir: serverDir, channel: 'beta' });
  server = await startUpdateServer({ dir: serverDir });
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
  delete process.env.TEST_UPDATER_ARCH;
});

describe('electron-updater against the local update server', () => {
  it('publish wrote the artifacts and each platform’s metadata for both channels', () => {
    expect(readdirSync(serverDir).filter((f) => f.endsWith('.yml')).sort()).toEqual(['beta-linux.yml', 'beta-mac.yml', 'beta.yml', 'latest-linux.yml', 'latest-mac.yml', 'latest.yml']);
    const linux = readMetadata(join(serverDir, 'latest-linux.yml'));
    expect(linux).toMatchObject({ version: '1.1.0', stagingPercentage: 30, path: 'Branchline-1.1.0-x64.AppImage' });
    expect(linux.files.map((f) => f.url)).toEqual(['Branchline-1.1.0-x64.AppImage', 'Branchline-1.1.0-x64.deb']);
    const deb = linux.files[1]!;
    expect(deb.sha512).toBe(createHash('sha512').update(artifacts['Branchline-1.1.0-x64.deb']!).digest('base64'));
    expect(readMetadata(join(serverDir, 'latest-mac.yml')).path).toBe('Branchline-1.1.0-arm64.zip');
  });

  it('a staged rollout reaches exactly the installs whose bucket is below the percentage, and raising or halting it moves the line', async () => {
    const buckets = [0, 0.05, 0.1, 0.2, 0.29, 0.31, 0.45, 0.59, 0.61, 0.8, 0.99, 1];
    const ids = buckets.map(uuidInBucket);
    const offered = async () => {
      const out: boolean[] = [];
      for (const id of ids) {
        const { driver } = makeUpdater({ version: '1.0.0', stagingId: id });
        out.push((await driver.check())?.version === '1.1.0');
      }
      return out;
    };
    try {
      const at30 = await offered();
      expect(at30).toEqual(ids.map((id) => inRollout(id, 30)));
      expect(at30).toEqual(buckets.map((b) => b < 0.3));

      setRollout({ dir: serverDir, channel: 'stable', percent: 60 });
      const at60 = await offered();
      expect(at60).toEqual(buckets.map((b) => b < 0.6));
      // Raising keeps everyone who already had it.
      at30.forEach((had, i) => had && expect(at60[i]).toBe(true));

      setRollout({ dir: serverDir, channel: 'stable', percent: 0 });
      expect(await offered()).toEqual(buckets.map(() => false));

      setRollout({ dir: serverDir, channel: 'stable', percent: 100 });
      expect(readMetadata(join(serverDir, 'latest-linux.yml')).stagingPercentage).toBeUndefined();
      expect(await offered()).toEqual(buckets.map(() => true));
      expect(ids.map(stagingBucket).every((b, i) => Math.abs(b - buckets[i]!) < 1e-6)).toBe(true);
    } finally {
      setRollout({ dir: serverDir, channel: 'stable', percent: 30 });
    }
  });

  it('a channel switch reads the right metadata: latest-linux.yml for stable, beta-linux.yml for beta; never a downgrade', async () => {
    const everyone = uuidInBucket(0.01);
    const stable = makeUpdater({ version: '1.0.0', stagingId: everyone });
    const before = server.requests.length;
    expect(await stable.driver.check()).toMatchObject({ version: '1.1.0', stagingPercentage: 30, force: false });
    expect(server.requests.slice(before).some((r) => /^GET \/latest-linux\.yml\?noCache=\S+ 200$/.test(r))).toBe(true);

    stable.driver.configure({ url: server.url, channel: 'beta' });
    const mark = server.requests.length;
    expect(await stable.driver.check()).toMatchObject({ version: '1.2.0-beta.1' });
    expect(server.requests.slice(mark).some((r) => r.startsWith('GET /beta-linux.yml'))).toBe(true);
    expect(stable.updater.allowDowngrade).toBe(false);

    // An install on the beta moved back to stable is offered nothing: 1.1.0 < 1.2.0-beta.1.
    const beta = makeUpdater({ version: '1.2.0-beta.1', stagingId: everyone, channel: 'beta' });
    expect(await beta.driver.check()).toBeNull();
    beta.driver.configure({ url: server.url, channel: 'stable' });
    expect(await beta.driver.check()).toBeNull();
    expect(beta.updater.allowDowngrade).toBe(false);
  });

  it('downloads through the controller with progress, and the file in the cache is the published one', async () => {
    const { driver, cacheDir } = makeUpdater({ version: '1.0.0', stagingId: uuidInBucket(0.01) });
    const progress: number[] = [];
    const controller = new UpdateController({
      currentVersion: '1.0.0',
      driver,
      settings: () => mergeSettings({ updateUrl: server.url }, undefined),
      assignments: async () => null,
      branchCode: async () => null,
      activity: async () => IDLE,
      log: () => {},
    });
    controller.onStatus((s) => s.progress && progress.push(s.progress.percent));
    // The download starts at once in the background (autoDownload is on by default).
    expect(await controller.checkNow()).toMatchObject({ state: expect.stringMatching(/^(available|downloading)$/), availableVersion: '1.1.0' });
    for (let i = 0; i < 100 && controller.getStatus().state !== 'ready' && controller.getStatus().state !== 'error'; i++) await new Promise((r) => setTimeout(r, 50));
    controller.stop();
    expect(controller.getStatus()).toMatchObject({ state: 'ready', availableVersion: '1.1.0' });
    expect(progress.length).toBeGreaterThan(0);
    const downloaded = join(cacheDir, 'pending', 'Branchline-1.1.0-x64.deb');
    expect(readFileSync(downloaded).equals(artifacts['Branchline-1.1.0-x64.deb']!)).toBe(true);
  });

  it('refuses a download whose sha512 does not match the metadata, and keeps nothing of it', async () => {
    const name = 'Branchline-1.1.0-x64.deb';
    const good = readFileSync(join(serverDir, name));
    const tampered = Buffer.from(good);
    tampered[100] = tampered[100]! ^ 0xff;
    writeFileSync(join(serverDir, name), tampered);
    try {
      const { driver, cacheDir } = makeUpdater({ version: '1.0.0', stagingId: uuidInBucket(0.01) });
      expect(await driver.check()).toMatchObject({ version: '1.1.0' });
      const failure = await driver.download(() => {}).then(
        () => null,
        (e: any) => e,
      );
      expect(failure).not.toBeNull();
      expect(failure.code).toBe('ERR_CHECKSUM_MISMATCH');
      expect(String(failure.message)).toMatch(/sha512 checksum mismatch/);
      const pending = join(cacheDir, 'pending');
      expect(existsSync(join(pending, name))).toBe(false);
      expect(existsSync(pending) ? readdirSync(pending).filter((f) => f.endsWith('.deb')) : []).toEqual([]);
    } finally {
      writeFileSync(join(serverDir, name), good);
    }
  });

  it('a missing artifact fails the download cleanly (HTTP 404), and a missing channel file fails the check', async () => {
    const name = 'Branchline-1.1.0-x64.deb';
    const good = readFileSync(join(serverDir, name));
    rmSync(join(serverDir, name));
    try {
      const { driver } = makeUpdater({ version: '1.0.0', stagingId: uuidInBucket(0.01) });
      expect(await driver.check()).toMatchObject({ version: '1.1.0' });
      const failure = await driver.download(() => {}).then(
        () => null,
        (e: any) => e,
      );
      expect(String(failure?.message)).toMatch(/Cannot download ".*Branchline-1\.1\.0-x64\.deb", status 404/);
    } finally {
      writeFileSync(join(serverDir, name), good);
    }
    const nowhere = makeUpdater({ version: '1.0.0' });
    nowhere.driver.configure({ url: `${server.url}/nothing-here`, channel: 'stable' });
    await expect(nowhere.driver.check()).rejects.toMatchObject({ code: 'ERR_UPDATER_CHANNEL_FILE_NOT_FOUND' });
  });
});
