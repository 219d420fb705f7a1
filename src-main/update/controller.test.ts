/** The update cycle with a stand-in updater, fake timers and a fake engine activity. */
import { describe, expect, it } from 'vitest';
import { type DownloadProgress, type RemoteRelease, type UpdateDriver, UpdateController, type UpdateSnapshot } from './controller';
import { type Activity, type ChannelAssignments, HOUR, IDLE } from './policy';
import { type Channel, mergeSettings } from './settings';

class StandInDriver implements UpdateDriver {
  feeds: { url: string; channel: Channel }[] = [];
  offers: Partial<Record<Channel, RemoteRelease | null>> = {};
  checks = 0;
  downloads = 0;
  installs = 0;
  failCheck: Error | null = null;
  failDownload: Error | null = null;
  configure(feed: { url: string; channel: Channel }) {
    this.feeds.push(feed);
  }
  async check() {
    this.checks++;
    if (this.failCheck) throw this.failCheck;
    return this.offers[this.feeds.at(-1)!.channel] ?? null;
  }
  async download(onProgress: (p: DownloadProgress) => void) {
    this.downloads++;
    for (const percent of [25, 50, 100]) onProgress({ percent, transferred: percent * 10, total: 1000, bytesPerSecond: 500 });
    if (this.failDownload) throw this.failDownload;
  }
  install() {
    this.installs++;
  }
}

class FakeClock {
  now = Date.parse('2030-01-01T08:00:00Z');
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  readonly timerApi = {
    set: (fn: () => void, ms: number) => {
      const id = this.nextId++;
      this.timers.push({ at: this.now + ms, fn, id });
      return id;
    },
    clear: (id: unknown) => {
      this.timers = this.timers.filter((t) => t.id !== id);
    },
  };
  pending() {
    return this.timers.length;
  }
  async advance(ms: number) {
    const until = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
      await settle();
    }
    this.now = until;
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
};

function setup(options: { user?: object; machine?: object; assignments?: ChannelAssignments | null; branch?: string | null; currentVersion?: string } = {}) {
  const driver = new StandInDriver();
  const clock = new FakeClock();
  let activity: Activity = { ...IDLE };
  const logs: string[] = [];
  const states: UpdateSnapshot[] = [];
  const controller = new UpdateController({
    currentVersion: options.currentVersion ?? '1.0.0',
    driver,
    settings: () => mergeSettings({ updateUrl: 'https://updates.example.com/bl', ...options.user }, options.machine),
    assignments: async () => options.assignments ?? null,
    branchCode: async () => options.branch ?? null,
    activity: async () => activity,
    log: (m, e) => logs.push(`${m}${e ? `: ${String(e)}` : ''}`),
    now: () => clock.now,
    timers: clock.timerApi,
    recheckActivityMs: 60_000,
    forcedGraceMs: 5 * 60_000,
  });
  controller.onStatus((s) => states.push(s));
  return { driver, clock, controller, logs, states, setActivity: (a: Partial<Activity>) => (activity = { ...IDLE, ...a }) };
}

describe('update controller', () => {
  it('is off without an update server, and says so', async () => {
    const { controller, driver } = setup({ user: { updateUrl: null } });
    expect(await controller.start()).toMatchObject({ state: 'disabled', message: expect.stringMatching(/No update server/) });
    expect(driver.checks).toBe(0);
  });

  it('checks at start and then every interval, not before', async () => {
    const { controller, driver, clock } = setup({ user: { checkIntervalHours: 4 } });
    expect(await controller.start()).toMatchObject({ state: 'up-to-date', channel: 'stable' });
    expect(driver.checks).toBe(1);
    await clock.advance(4 * HOUR - 1000);
    expect(driver.checks).toBe(1);
    await clock.advance(1000);
    expect(driver.checks).toBe(2);
    await clock.advance(8 * HOUR);
    expect(driver.checks).toBe(4);
    controller.stop();
    await clock.advance(8 * HOUR);
    expect(driver.checks).toBe(4);
  });

  it('retries a failed check after 15 minutes and keeps the failure as a status, never a throw', async () => {
    const { controller, driver, clock } = setup();
    driver.failCheck = new Error('getaddrinfo ENOTFOUND updates.example.com');
    expect(await controller.start()).toMatchObject({ state: 'error', message: expect.stringMatching(/ENOTFOUND/) });
    driver.failCheck = null;
    await clock.advance(15 * 60_000);
    expect(driver.checks).toBe(2);
    expect(controller.getStatus().state).toBe('up-to-date');
  });

  it('downloads in the background with progress, offers a restart, and installs when idle', async () => {
    const { controller, driver, states } = setup();
    driver.offers.stable = { version: '1.1.0' };
    await controller.start();
    await settle();
    expect(states.map((s) => s.state)).toEqual(expect.arrayContaining(['checking', 'available', 'downloading', 'ready']));
    expect(states.filter((s) => s.state === 'downloading').map((s) => s.progress?.percent)).toEqual([0, 25, 50, 100]);
    expect(controller.getStatus()).toMatchObject({ state: 'ready', availableVersion: '1.1.0', message: expect.stringMatching(/restart to update/) });
    expect(driver.installs).toBe(0); // never without the user (or a forced release)
    expect(await controller.restartToUpdate()).toMatchObject({ state: 'installing' });
    expect(driver.installs).toBe(1);
  });

  it('with autoDownload off it only announces the update until asked to download', async () => {
    const { controller, driver } = setup({ user: { autoDownload: false } });
    driver.offers.stable = { version: '1.1.0' };
    expect(await controller.start()).toMatchObject({ state: 'available', availableVersion: '1.1.0' });
    await settle();
    expect(driver.downloads).toBe(0);
    expect(await controller.download()).toMatchObject({ state: 'ready' });
  });

  it('waits with unsent changes and installs by itself once they are sent', async () => {
    const { controller, driver, clock, setActivity } = setup();
    driver.offers.stable = { version: '1.1.0' };
    await controller.start();
    await settle();
    setActivity({ unpushed: 4 });
    expect(await controller.restartToUpdate()).toMatchObject({ state: 'waiting', message: expect.stringMatching(/4 change\(s\) have not reached the centre/) });
    await clock.advance(60_000);
    expect(driver.installs).toBe(0);
    setActivity({ importing: true });
    await clock.advance(60_000);
    expect(controller.getStatus().message).toMatch(/import/);
    setActivity({});
    await clock.advance(60_000);
    expect(driver.installs).toBe(1);
    expect(controller.getStatus().state).toBe('installing');
  });

  it('a release the administrator requires installs by itself after the grace period, even with unsent changes', async () => {
    const { controller, driver, clock, setActivity } = setup({ user: { autoDownload: false } });
    driver.offers.stable = { version: '1.1.0', force: true };
    setActivity({ unpushed: 2 });
    await controller.start();
    await settle();
    expect(driver.downloads).toBe(1); // forced: downloaded whatever autoDownload says
    expect(controller.getStatus()).toMatchObject({ state: 'ready', forced: true, installAt: expect.any(String) });
    await clock.advance(5 * 60_000);
    expect(driver.installs).toBe(1);
    expect(controller.getStatus().message).toMatch(/stay in the outbox/);
  });

  it('being below the centre’s minimum version forces the update', async () => {
    const { controller, driver, clock, setActivity } = setup({ user: { autoDownload: false } });
    driver.offers.stable = { version: '1.3.0' };
    setActivity({ unpushed: 7, minVersion: '1.2.0' });
    await controller.start();
    await settle();
    expect(controller.getStatus()).toMatchObject({ forced: true, forcedWhy: expect.stringMatching(/at least 1\.2\.0/) });
    await clock.advance(5 * 60_000);
    expect(driver.installs).toBe(1);
  });

  it('never installs during a period close, forced or not', async () => {
    const { controller, driver, clock, setActivity } = setup();
    driver.offers.stable = { version: '1.1.0', force: true };
    setActivity({ periodClose: true });
    await controller.start();
    await settle();
    await clock.advance(30 * 60_000);
    expect(driver.installs).toBe(0);
    expect(controller.getStatus()).toMatchObject({ state: 'waiting', message: expect.stringMatching(/period close/) });
    setActivity({});
    await clock.advance(60_000);
    expect(driver.installs).toBe(1);
  });

  it('follows the channel the administrator assigned and never downgrades after a channel switch', async () => {
    const { controller, driver } = setup({ currentVersion: '1.2.0-beta.1', assignments: { branches: { B01: 'stable' }, groups: {} }, branch: 'B01', user: { channel: 'beta' } });
    driver.offers.stable = { version: '1.1.0' };
    driver.offers.beta = { version: '1.2.0-beta.2' };
    expect(await controller.start()).toMatchObject({ state: 'up-to-date', channel: 'stable', channelWhy: 'assigned to the branch', message: expect.stringMatching(/not newer/) });
    expect(driver.feeds.at(-1)).toEqual({ url: 'https://updates.example.com/bl', channel: 'stable' });
    expect(driver.downloads).toBe(0);
  });

  it('a failed download (e.g. a checksum mismatch) becomes an error and the next check retries', async () => {
    const { controller, driver, clock } = setup();
    driver.offers.stable = { version: '1.1.0' };
    driver.failDownload = Object.assign(new Error('sha512 checksum mismatch'), { code: 'ERR_CHECKSUM_MISMATCH' });
    await controller.start();
    await settle();
    expect(controller.getStatus()).toMatchObject({ state: 'error', message: expect.stringMatching(/checksum mismatch/) });
    expect(await controller.restartToUpdate()).toMatchObject({ state: 'error' });
    expect(driver.installs).toBe(0);
    driver.failDownload = null;
    await clock.advance(15 * 60_000);
    await settle();
    expect(controller.getStatus().state).toBe('ready');
  });
});
