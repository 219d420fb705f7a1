import { describe, expect, it, vi } from 'vitest';
import { type AppUpdaterLike, createUpdater, electronUpdater, noopUpdater } from './updater';

function fakeUpdater(result: Awaited<ReturnType<AppUpdaterLike['checkForUpdates']>> | Error): AppUpdaterLike & { checks: number } {
  return {
    autoDownload: true,
    autoInstallOnAppQuit: true,
    checks: 0,
    async checkForUpdates() {
      this.checks++;
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

describe('updater hook', () => {
  it('is a no-op unless packaged, and never loads electron-updater then', async () => {
    const load = vi.fn();
    const updater = createUpdater({ isPackaged: false, currentVersion: '0.1.0', log: () => {}, load });
    await updater.start();
    expect(await updater.checkNow()).toMatchObject({ state: 'disabled' });
    expect(load).not.toHaveBeenCalled();
    expect(await noopUpdater().checkNow()).toMatchObject({ state: 'disabled' });
  });

  it('in a packaged app loads electron-updater lazily, turns off auto download/install, and checks', async () => {
    const u = fakeUpdater({ updateInfo: { version: '0.2.0' }, isUpdateAvailable: true });
    const load = vi.fn(async () => ({ default: { autoUpdater: u } }));
    const logs: string[] = [];
    const updater = createUpdater({ isPackaged: true, currentVersion: '0.1.0', log: (m) => logs.push(m), load });
    expect(load).not.toHaveBeenCalled();
    await updater.start();
    expect(load).toHaveBeenCalledTimes(1);
    expect(u.autoDownload).toBe(false);
    expect(u.autoInstallOnAppQuit).toBe(false);
    expect(logs.join('\n')).toContain('0.2.0');
    expect(await updater.checkNow()).toEqual({ state: 'available', version: '0.2.0' });
    expect(load).toHaveBeenCalledTimes(1);
    expect(u.checks).toBe(2);
  });

  it('reports up to date, and turns failures (offline) into a status instead of throwing', async () => {
    const current = electronUpdater({ currentVersion: '0.1.0', log: () => {}, load: async () => ({ autoUpdater: fakeUpdater({ updateInfo: { version: '0.1.0' } }) }) });
    expect(await current.checkNow()).toEqual({ state: 'up-to-date' });
    const logs: string[] = [];
    const offline = electronUpdater({ currentVersion: '0.1.0', log: (m) => logs.push(m), load: async () => ({ autoUpdater: fakeUpdater(new Error('net::ERR_INTERNET_DISCONNECTED')) }) });
    await expect(offline.start()).resolves.toBeUndefined();
    expect(logs.join('\n')).toContain('ERR_INTERNET_DISCONNECTED');
    const broken = electronUpdater({ currentVersion: '0.1.0', log: () => {}, load: async () => Promise.reject(new Error('Cannot find module')) });
    expect(await broken.checkNow()).toMatchObject({ state: 'error', message: 'Cannot find module' });
  });
});
