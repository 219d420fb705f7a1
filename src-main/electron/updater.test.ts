import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDLE } from '../update/policy';
import { type AppUpdaterLike, type UpdaterUi, createUpdater, electronUpdater, noopUpdater, shortStatus } from './updater';

function fakeUpdater(result: { version: string; [k: string]: unknown } | null | Error): AppUpdaterLike & { checks: number; feeds: unknown[]; installs: number } {
  return {
    autoDownload: true,
    autoInstallOnAppQuit: true,
    allowDowngrade: true,
    checks: 0,
    installs: 0,
    feeds: [],
    setFeedURL(options) {
      this.feeds.push(options);
    },
    async checkForUpdates() {
      this.checks++;
      if (result instanceof Error) throw result;
      return result ? { updateInfo: result, isUpdateAvailable: true } : { updateInfo: { version: '0.1.0' }, isUpdateAvailable: false };
    },
    async downloadUpdate() {
      return ['/tmp/x'];
    },
    quitAndInstall() {
      this.installs++;
    },
  };
}

const dirs: string[] = [];
function dataDir(settings?: object): string {
  const d = mkdtempSync(join(tmpdir(), 'bl-updater-'));
  dirs.push(d);
  if (settings) writeFileSync(join(d, 'settings.json'), JSON.stringify(settings));
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const quietUi = (answers: boolean[] = []): UpdaterUi & { offers: string[]; notices: string[]; bars: (number | null)[] } => ({
  offers: [],
  notices: [],
  bars: [],
  progress(f) {
    this.bars.push(f);
  },
  async offerRestart(version) {
    this.offers.push(version);
    return answers.shift() ?? false;
  },
  notice(m) {
    this.notices.push(m);
  },
});

describe('updater hook', () => {
  it('is a no-op unless packaged, and never loads electron-updater then', async () => {
    const load = vi.fn();
    const updater = createUpdater({ isPackaged: false, currentVersion: '0.1.0', log: () => {}, load });
    await updater.start();
    expect(await updater.checkNow()).toMatchObject({ state: 'disabled' });
    expect(load).not.toHaveBeenCalled();
    expect(await noopUpdater().checkNow()).toMatchObject({ state: 'disabled' });
  });

  it('in a packaged app without an update server it stays off and does not load electron-updater', async () => {
    const load = vi.fn();
    const updater = createUpdater({ isPackaged: true, currentVersion: '0.1.0', log: () => {}, load, dataDir: dataDir(), policyFile: '/nonexistent/policy.json', activity: async () => IDLE, ui: quietUi() });
    await updater.start();
    expect(await updater.checkNow()).toMatchObject({ state: 'disabled', reason: expect.stringMatching(/No update server/) });
    expect(load).not.toHaveBeenCalled();
  });

  it('loads electron-updater lazily, turns off its own download/install and downgrades, points it at the feed and channel', async () => {
    const u = fakeUpdater({ version: '0.2.0' });
    const load = vi.fn(async () => ({ default: { autoUpdater: u } }));
    const ui = quietUi([false]);
    const logs: string[] = [];
    const updater = electronUpdater({
      currentVersion: '0.1.0',
      log: (m) => logs.push(m),
      load,
      dataDir: dataDir({ updateUrl: 'https://updates.example.com/bl', channel: 'beta', autoDownload: true }),
      policyFile: '/nonexistent/policy.json',
      activity: async () => IDLE,
      assignments: async () => null,
      ui,
    });
    expect(load).not.toHaveBeenCalled();
    await updater.start();
    await new Promise((r) => setTimeout(r, 20));
    updater.stop();
    expect(load).toHaveBeenCalledTimes(1);
    expect(u).toMatchObject({ autoDownload: false, autoInstallOnAppQuit: false, allowDowngrade: false });
    expect(u.feeds.at(-1)).toEqual({ provider: 'generic', url: 'https://updates.example.com/bl', channel: 'beta' });
    expect(updater.status()).toMatchObject({ state: 'ready', availableVersion: '0.2.0', channel: 'beta' });
    expect(ui.offers).toEqual(['0.2.0']); // "Later": nothing installed
    expect(u.installs).toBe(0);
    expect(logs.join('\n')).toContain('update: ready 0.2.0');
    expect(await updater.restartToUpdate()).toMatchObject({ state: 'installing' });
    expect(u.installs).toBe(1);
  });

  it('says why "restart to update" waits', async () => {
    const u = fakeUpdater({ version: '0.2.0' });
    const ui = quietUi([true]);
    const updater = electronUpdater({
      currentVersion: '0.1.0',
      log: () => {},
      load: async () => ({ autoUpdater: u }),
      dataDir: dataDir({ updateUrl: 'https://updates.example.com/bl' }),
      policyFile: '/nonexistent/policy.json',
      activity: async () => ({ ...IDLE, unpushed: 2 }),
      assignments: async () => null,
      ui,
    });
    await updater.start();
    await new Promise((r) => setTimeout(r, 20));
    updater.stop();
    expect(u.installs).toBe(0);
    expect(ui.notices.join('\n')).toMatch(/2 change\(s\) have not reached the centre/);
  });

  it('turns failures (offline, a broken module) into a status instead of throwing', async () => {
    const base = { currentVersion: '0.1.0', dataDir: dataDir({ updateUrl: 'https://updates.example.com/bl' }), policyFile: '/nonexistent/policy.json', activity: async () => IDLE, assignments: async () => null, ui: quietUi() };
    const logs: string[] = [];
    const offline = electronUpdater({ ...base, log: (m, e) => logs.push(`${m} ${String(e)}`), load: async () => ({ autoUpdater: fakeUpdater(new Error('net::ERR_INTERNET_DISCONNECTED')) }) });
    await expect(offline.start()).resolves.toBeUndefined();
    offline.stop();
    expect(logs.join('\n')).toContain('ERR_INTERNET_DISCONNECTED');
    const broken = electronUpdater({ ...base, log: () => {}, load: async () => Promise.reject(new Error('Cannot find module')) });
    expect(await broken.checkNow()).toMatchObject({ state: 'error', message: expect.stringMatching(/Cannot find module/) });
    broken.stop();
    const current = electronUpdater({ ...base, log: () => {}, load: async () => ({ autoUpdater: fakeUpdater(null) }) });
    expect(await current.checkNow()).toEqual({ state: 'up-to-date' });
    current.stop();
  });

  it('maps the full status to the short one the main-process wiring knows', () => {
    const s = { currentVersion: '1.0.0', channel: 'stable' as const, channelWhy: 'default', updateUrl: null, fixed: [], availableVersion: '1.1.0', forced: false, forcedWhy: null, progress: null, message: null, lastCheckAt: null, nextCheckAt: null, installAt: null };
    expect(shortStatus({ ...s, state: 'downloading' })).toEqual({ state: 'available', version: '1.1.0' });
    expect(shortStatus({ ...s, state: 'checking' })).toEqual({ state: 'up-to-date' });
  });
});
