import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IDLE, decideInstall, inRollout, isForced, metadataFileName, nextCheckDelay, parseAssignments, resolveChannel, stagingBucket, HOUR } from './policy';
import { changeUserSetting, loadSettings, machinePolicyFile, mergeSettings } from './settings';
import { compareVersions, isNewer } from './version';

describe('versions', () => {
  it('orders releases and pre-releases as semver does', () => {
    const sorted = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.2.0', '1.10.0', '2.0.0'];
    for (let i = 1; i < sorted.length; i++) expect(compareVersions(sorted[i - 1]!, sorted[i]!), `${sorted[i - 1]} < ${sorted[i]}`).toBeLessThan(0);
    expect(compareVersions('1.2.3', 'v1.2.3')).toBe(0);
    expect(() => compareVersions('1.2', '1.2.0')).toThrow(/not a version/);
  });
});

describe('machine policy and user settings', () => {
  it('fixes every top-level key of the machine policy, lets the user change the rest, and says where each value comes from', () => {
    const s = mergeSettings(
      { channel: 'beta', updateUrl: 'https://mine.example/u', checkIntervalHours: 2 },
      { updateUrl: 'https://updates.example.com/branchline/', centralUrl: 'postgres://branch@central.example/erp', defaults: { deviceGroup: 'pilot', checkIntervalHours: 8 } },
    );
    expect(s.values).toEqual({
      updateUrl: 'https://updates.example.com/branchline',
      channel: 'beta',
      deviceGroup: 'pilot',
      centralUrl: 'postgres://branch@central.example/erp',
      checkIntervalHours: 2,
      autoDownload: true,
      releaseDir: null,
    });
    expect(s.fixed.sort()).toEqual(['centralUrl', 'updateUrl']);
    expect(s.source).toMatchObject({ updateUrl: 'machine', channel: 'user', deviceGroup: 'machine-default', checkIntervalHours: 'user', autoDownload: 'default' });
    expect(s.warnings.join('\n')).toMatch(/updateUrl is set by the administrator/);
    expect(() => changeUserSetting({}, s, 'updateUrl', 'https://x.example')).toThrow(/set by your administrator/);
    expect(changeUserSetting({ channel: 'beta' }, s, 'channel', 'stable')).toEqual({ channel: 'stable' });
    expect(() => changeUserSetting({}, s, 'channel', 'nightly')).toThrow(/channel must be one of/);
    // The update folder the Admin screen manages: a full path only.
    expect(changeUserSetting({}, s, 'releaseDir', '/srv/updates')).toEqual({ releaseDir: '/srv/updates' });
    expect(changeUserSetting({}, s, 'releaseDir', 'C:\\Updates')).toEqual({ releaseDir: 'C:\\Updates' });
    expect(() => changeUserSetting({}, s, 'releaseDir', 'updates')).toThrow(/releaseDir must be a full folder path/);
  });

  it('ignores bad values with a warning, refuses plain-http update servers except on this machine, and passwords in the centre URL', () => {
    const s = mergeSettings({ updateUrl: 'http://updates.example.com', channel: 7, colour: 'red' }, { centralUrl: 'postgres://u:secret@h/db' });
    expect(s.values.updateUrl).toBeNull();
    expect(s.values.channel).toBe('stable');
    expect(s.values.centralUrl).toBeNull();
    expect(s.fixed).toEqual([]);
    expect(s.warnings.join('\n')).toMatch(/https/);
    expect(s.warnings.join('\n')).toMatch(/unknown setting "colour"/);
    expect(s.warnings.join('\n')).toMatch(/must not contain a password/);
    expect(mergeSettings({ updateUrl: 'http://127.0.0.1:8080' }, undefined).values.updateUrl).toBe('http://127.0.0.1:8080');
  });

  it('reads the two files, and ignores a policy file others can write', () => {
    const files: Record<string, string> = {
      '/etc/branchline/policy.json': JSON.stringify({ channel: 'stable', updateUrl: 'https://u.example' }),
      '/home/ana/.config/Branchline/settings.json': JSON.stringify({ channel: 'beta' }),
    };
    const probes = (mode: number) => ({ readText: (p: string) => files[p], mode: () => mode });
    const ok = loadSettings({ dataDir: '/home/ana/.config/Branchline', policyFile: '/etc/branchline/policy.json', probes: probes(0o100644) });
    expect(ok.values.channel).toBe('stable');
    expect(ok.fixed).toContain('channel');
    const open = loadSettings({ dataDir: '/home/ana/.config/Branchline', policyFile: '/etc/branchline/policy.json', probes: probes(0o100666) });
    expect(open.values.channel).toBe('beta');
    expect(open.fixed).toEqual([]);
    expect(open.warnings.join('\n')).toMatch(/writable by users other than its owner/);
    expect(loadSettings({ dataDir: '/d', policyFile: '/p', probes: { readText: (p) => (p === '/p' ? '{not json' : undefined) } }).warnings[0]).toMatch(/not valid JSON/);
  });

  it('knows where each platform keeps the machine policy', () => {
    expect(machinePolicyFile('linux')).toBe('/etc/branchline/policy.json');
    expect(machinePolicyFile('win32', { ProgramData: 'D:\\PD' })).toMatch(/^D:\\PD[\\/]Branchline[\\/]policy\.json$/);
    expect(machinePolicyFile('darwin')).toBe('/Library/Application Support/Branchline/policy.json');
  });
});

describe('channel decisions', () => {
  const assignments = parseAssignments({ branches: { B01: 'beta', B02: 'nightly' }, groups: { pilot: 'beta', office: 'stable' } });

  it('drops unknown channels from the assignments', () => {
    expect(assignments).toEqual({ branches: { B01: 'beta' }, groups: { pilot: 'beta', office: 'stable' } });
  });

  it('machine policy > device group > branch > the user > stable', () => {
    const fixedStable = mergeSettings({}, { channel: 'stable', deviceGroup: 'pilot' });
    expect(resolveChannel(fixedStable, assignments, 'B01')).toEqual({ channel: 'stable', why: 'fixed by the machine policy' });
    const office = mergeSettings({ deviceGroup: 'office', channel: 'beta' }, undefined);
    expect(resolveChannel(office, assignments, 'B01')).toEqual({ channel: 'stable', why: 'assigned to the device group' });
    const plain = mergeSettings({}, undefined);
    expect(resolveChannel(plain, assignments, 'B01')).toEqual({ channel: 'beta', why: 'assigned to the branch' });
    expect(resolveChannel(plain, assignments, 'B09')).toEqual({ channel: 'stable', why: 'default' });
    expect(resolveChannel(mergeSettings({ channel: 'beta' }, undefined), null, null)).toEqual({ channel: 'beta', why: 'chosen in settings' });
  });

  it('names the metadata file electron-updater reads for each channel and platform', () => {
    expect(metadataFileName('stable', 'win32')).toBe('latest.yml');
    expect(metadataFileName('stable', 'darwin')).toBe('latest-mac.yml');
    expect(metadataFileName('stable', 'linux')).toBe('latest-linux.yml');
    expect(metadataFileName('beta', 'linux', 'arm64')).toBe('beta-linux-arm64.yml');
    expect(metadataFileName('beta', 'win32')).toBe('beta.yml');
  });
});

describe('staged rollout buckets', () => {
  it('uses the last four bytes of the staging id, like electron-updater', () => {
    expect(stagingBucket('00000000-0000-0000-0000-000000000000')).toBe(0);
    expect(stagingBucket('ffffffff-ffff-ffff-ffff-ffffffffffff')).toBe(1);
    expect(stagingBucket('12345678-1234-5123-8123-123480000000')).toBeCloseTo(0.5, 6);
    expect(() => stagingBucket('nope')).toThrow(/not a UUID/);
  });

  it('a percentage reaches about that share of installs, and a raised one keeps everyone it had', () => {
    const ids = Array.from({ length: 4000 }, () => randomUUID());
    const share = (p: number) => ids.filter((id) => inRollout(id, p)).length / ids.length;
    expect(share(0)).toBe(0);
    expect(share(10)).toBeGreaterThan(0.07);
    expect(share(10)).toBeLessThan(0.13);
    expect(share(100)).toBeGreaterThan(0.999);
    for (const id of ids) if (inRollout(id, 10)) expect(inRollout(id, 50)).toBe(true);
    expect(ids.every((id) => inRollout(id, undefined))).toBe(true);
  });
});

describe('when to check', () => {
  it('checks at once, then every interval, and retries a failed check within 15 minutes', () => {
    expect(nextCheckDelay({ now: 1000, lastCheckAt: null, lastCheckFailed: false, intervalHours: 4 })).toBe(0);
    expect(nextCheckDelay({ now: 1000 + HOUR, lastCheckAt: 1000, lastCheckFailed: false, intervalHours: 4 })).toBe(3 * HOUR);
    expect(nextCheckDelay({ now: 1000, lastCheckAt: 1000, lastCheckFailed: true, intervalHours: 4 })).toBe(15 * 60_000);
    expect(nextCheckDelay({ now: 10 * HOUR, lastCheckAt: 0, lastCheckFailed: false, intervalHours: 4 })).toBe(0);
  });
});

describe('whether to install now', () => {
  it('rolls forward only', () => {
    expect(decideInstall({ currentVersion: '1.2.0', version: '1.1.9', activity: IDLE })).toMatchObject({ install: false, wait: false, reason: expect.stringMatching(/only rolls forward/) });
    expect(decideInstall({ currentVersion: '1.2.0', version: '1.2.0', activity: IDLE })).toMatchObject({ install: false, wait: false });
    expect(decideInstall({ currentVersion: '1.2.0-beta.3', version: '1.2.0', activity: IDLE })).toMatchObject({ install: true });
  });

  it('waits for a period close, an import and unsent changes; a forced update skips only the last', () => {
    const at = (activity: Partial<typeof IDLE>, force = false) => decideInstall({ currentVersion: '1.0.0', version: '1.1.0', activity: { ...IDLE, ...activity }, force });
    expect(at({})).toEqual({ install: true, forced: false, note: null });
    expect(at({ periodClose: true })).toMatchObject({ install: false, wait: true, reason: expect.stringMatching(/period close/) });
    expect(at({ importing: true })).toMatchObject({ install: false, wait: true, reason: expect.stringMatching(/import/) });
    expect(at({ unpushed: 3 })).toMatchObject({ install: false, wait: true, reason: expect.stringMatching(/3 change/) });
    expect(at({ unpushed: 3 }, true)).toMatchObject({ install: true, forced: true, note: expect.stringMatching(/stay in the outbox/) });
    expect(at({ periodClose: true }, true)).toMatchObject({ install: false, wait: true });
    // Below the centre's minimum the outbox cannot be pushed: the update is forced.
    expect(at({ unpushed: 3, minVersion: '1.1.0' })).toMatchObject({ install: true, forced: true });
    expect(isForced('1.1.0', {}, '1.1.0')).toEqual({ forced: false, why: null });
    expect(isNewer('1.1.0', '1.0.0')).toBe(true);
  });
});
