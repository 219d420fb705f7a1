/**
 * The header's update indicator in the desktop app, end to end below the window: the real
 * engine (SQLite) checks the caller, then the update controller (with a stand-in updater)
 * answers; "Restart to update" installs only when the update policy allows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineService } from '../host/engine-service';
import { createTestEngine, type TestEngine } from '../engine/testing/databases';
import { type DownloadProgress, type RemoteRelease, type UpdateDriver, UpdateController } from '../update/controller';
import { type Activity, IDLE } from '../update/policy';
import { mergeSettings } from '../update/settings';
import { withClientUpdates } from './update-rpc';

class StandInDriver implements UpdateDriver {
  offer: RemoteRelease | null = null;
  installs = 0;
  configure() {}
  async check() {
    return this.offer;
  }
  async download(onProgress: (p: DownloadProgress) => void) {
    for (const percent of [30, 100]) onProgress({ percent, transferred: percent * 10, total: 1000, bytesPerSecond: 100 });
  }
  install() {
    this.installs++;
  }
}

let t: TestEngine;
let sessionKey: string;
beforeAll(async () => {
  t = await createTestEngine('sqlite');
  sessionKey = 'clerk-session-key-0123456789';
  await t.engine.run('users.create', { username: 'cleo', displayName: 'Cleo', password: 'clerk-password', roles: ['clerk'] }, { userId: t.adminId });
  await t.engine.call('auth.login', { username: 'cleo', password: 'clerk-password' }, { sessionKey });
}, 60_000);
afterAll(async () => {
  await t?.engine.close();
  await t?.dispose();
});

function wire(release: RemoteRelease, machine?: object) {
  const driver = new StandInDriver();
  driver.offer = release;
  let activity: Activity = { ...IDLE };
  const controller = new UpdateController({
    currentVersion: '1.3.0',
    driver,
    settings: () => mergeSettings({ updateUrl: 'https://updates.example.com/bl', autoDownload: false }, machine),
    assignments: async () => null,
    branchCode: async () => null,
    activity: async () => activity,
    log: () => {},
    timers: { set: () => 0, clear: () => {} },
  });
  const engineService: EngineService = { call: (m, i, c) => t.engine.call(m, i, c), endSession: () => {}, onEvent: () => () => {}, close: async () => {} };
  const service = withClientUpdates(engineService, { status: () => controller.getStatus(), download: () => controller.download(), restartToUpdate: () => controller.restartToUpdate() });
  const ask = async (method: string) => {
    const env = await service.call(method, {}, { sessionKey });
    if (!env.ok) throw new Error(env.error.message);
    return env.value as { state: string; message: string | null; progress: DownloadProgress | null; availableVersion: string | null; fixed: string[]; forced: boolean };
  };
  return { driver, controller, service, ask, setActivity: (a: Partial<Activity>) => (activity = { ...IDLE, ...a }) };
}

describe('update indicator through the RPC path', () => {
  it('the engine refuses an anonymous caller before the updater does anything', async () => {
    const { controller, driver, service } = wire({ version: '1.4.0' });
    await controller.checkNow();
    const env = await service.call('updates.client.restart', {}, { anonymous: true });
    expect(env).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(controller.getStatus().state).toBe('available');
    expect(driver.installs).toBe(0);
    // Bad input is the engine's refusal too.
    expect(await service.call('updates.client.status', { now: true }, { sessionKey })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('available → download with progress → restart waits for a period close, an import and unsent changes, then installs', async () => {
    const { controller, driver, ask, setActivity } = wire({ version: '1.4.0' }, { channel: 'stable' });
    await controller.checkNow();
    expect(await ask('updates.client.status')).toMatchObject({ state: 'available', availableVersion: '1.4.0', fixed: ['channel'] });
    const progress: number[] = [];
    controller.onStatus((s) => s.progress && progress.push(s.progress.percent));
    expect(await ask('updates.client.download')).toMatchObject({ state: 'ready' });
    expect(progress).toEqual([0, 30, 100]);

    setActivity({ periodClose: true });
    expect(await ask('updates.client.restart')).toMatchObject({ state: 'waiting', message: expect.stringMatching(/period close/) });
    setActivity({ importing: true });
    expect(await ask('updates.client.restart')).toMatchObject({ state: 'waiting', message: expect.stringMatching(/import is running/) });
    setActivity({ unpushed: 4 });
    expect(await ask('updates.client.restart')).toMatchObject({ state: 'waiting', message: expect.stringMatching(/4 change\(s\) have not reached the centre/) });
    expect(driver.installs).toBe(0);

    setActivity({});
    expect(await ask('updates.client.restart')).toMatchObject({ state: 'installing' });
    expect(driver.installs).toBe(1);
  });

  it('a required release installs with unsent changes (they stay in the outbox), but still not during an import', async () => {
    const { controller, driver, ask, setActivity } = wire({ version: '1.4.0', force: true });
    await controller.checkNow();
    await ask('updates.client.download');
    setActivity({ importing: true, unpushed: 3 });
    expect(await ask('updates.client.restart')).toMatchObject({ state: 'waiting', forced: true });
    setActivity({ unpushed: 3 });
    expect(await ask('updates.client.restart')).toMatchObject({ state: 'installing', message: expect.stringMatching(/3 unsent change\(s\) stay in the outbox/) });
    expect(driver.installs).toBe(1);
  });

  it('without a desktop updater (browser mode, the CLI) the engine says this install does not update itself', async () => {
    const plain = withClientUpdates({ call: (m, i, c) => t.engine.call(m, i, c), endSession: () => {}, onEvent: () => () => {}, close: async () => {} }, null);
    expect(await plain.call('updates.client.status', {}, { sessionKey })).toMatchObject({ ok: true, value: { state: 'unmanaged', currentVersion: 'test' } });
  });
});
