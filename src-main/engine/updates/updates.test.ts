/**
 * The Admin "Updates" methods through the real bus: settings (and what the machine policy
 * fixes), releases in a real update folder, staged rollout 20 % → 100 %, channel per branch or
 * group, admin-only access, and the centre's minimum version and devices on PostgreSQL (the
 * engine at the centre, and a branch reaching the centre through the centralUrl setting).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputOf, MethodName } from '../../../src-shared/contract/index';
import { Engine } from '../engine';
import { migrateToLatest } from '../platform/migrate';
import { createSyncWorld, type SyncWorld, type TestBranch } from '../sync/testing';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../testing/databases';
import { fileUpdatesHost } from './host';
import { publishRelease, readMetadata } from './release';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'bl-updates-'));
  dirs.push(d);
  return d;
};

interface Install {
  test: TestDatabase;
  engine: Engine;
  admin: { userId: string };
  clerk: { userId: string };
  dataDir: string;
  policyFile: string;
  writeSettings(values: Record<string, unknown>): void;
  writePolicy(values: Record<string, unknown>): void;
}

async function install(dialect: 'sqlite' | 'postgres'): Promise<Install> {
  const test = await createTestDatabase(dialect);
  await migrateToLatest(test.database);
  const dataDir = tempDir();
  const policyFile = join(tempDir(), 'policy.json');
  const engine = await Engine.open({ database: test.database, validateOutput: true, appVersion: '1.3.0', updates: fileUpdatesHost({ dataDir, policyFile }) });
  await engine.run(
    'system.setup',
    { companyName: 'Test Co', branchCode: 'B01', branchName: 'Test Branch', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'correct horse' },
    { anonymous: true },
  );
  const adminId = (await test.database.db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()).id;
  const clerk = await engine.run('users.create', { username: 'cleo', displayName: 'Cleo', password: 'clerk-password', roles: ['clerk'] }, { userId: adminId });
  return {
    test,
    engine,
    admin: { userId: adminId },
    clerk: { userId: clerk.id },
    dataDir,
    policyFile,
    writeSettings: (values) => writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(values)),
    writePolicy: (values) => writeFileSync(policyFile, JSON.stringify(values), { mode: 0o644 }),
  };
}

async function publish(dir: string, version: string, channel: 'stable' | 'beta', rollout: number) {
  const dist = join(tempDir(), 'dist');
  mkdirSync(dist, { recursive: true });
  for (const name of [`Branchline-${version}-x64.AppImage`, `Branchline-${version}-x64.exe`]) writeFileSync(join(dist, name), randomBytes(4096));
  return publishRelease({ distDir: dist, outDir: dir, channel, rollout });
}

async function refusal(engine: Engine, method: MethodName, input: unknown, caller: { userId: string }) {
  const envelope = await engine.call(method, input, caller);
  if (envelope.ok) throw new Error(`${method} was expected to fail`);
  return envelope.error;
}

async function audit(t: Install) {
  return (await t.test.database.db.selectFrom('audit_log').select(['method', 'summary']).where('method', 'like', 'updates.%').orderBy('mutation_id').execute()).map((r) => `${r.method}: ${r.summary}`);
}

afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.each(DIALECTS)('Updates admin on %s', (dialect) => {
  let t: Install;
  beforeAll(async () => {
    t = await install(dialect);
  }, 60_000);
  afterAll(async () => {
    await t?.engine.close();
    await t?.test.dispose();
  });

  it('says what is missing before anything is set up, and shows which settings the machine policy fixes', async () => {
    const empty = await t.engine.run('updates.overview', {}, t.admin);
    expect(empty.appVersion).toBe('1.3.0');
    expect(empty.folder).toMatchObject({ dir: null, releases: [], problem: expect.stringMatching(/No update folder is set: put "releaseDir"/) });
    if (dialect === 'sqlite') expect(empty.centre).toMatchObject({ source: 'none', problem: expect.stringMatching(/set "centralUrl"/) });
    else expect(empty.centre).toMatchObject({ source: 'this database', minVersion: null, problem: null });
    expect(empty.settings.find((s) => s.key === 'channel')).toEqual({ key: 'channel', value: 'stable', fixed: false, source: 'default' });

    const updates = join(tempDir(), 'updates');
    t.writeSettings({ channel: 'beta', releaseDir: updates });
    t.writePolicy({ channel: 'stable', updateUrl: 'https://updates.example.com/branchline', defaults: { deviceGroup: 'pilot' } });
    const set = await t.engine.run('updates.overview', {}, t.admin);
    const byKey = Object.fromEntries(set.settings.map((s) => [s.key, s]));
    expect(byKey.channel).toEqual({ key: 'channel', value: 'stable', fixed: true, source: 'machine' });
    expect(byKey.updateUrl).toMatchObject({ fixed: true, source: 'machine' });
    expect(byKey.deviceGroup).toEqual({ key: 'deviceGroup', value: 'pilot', fixed: false, source: 'machine-default' });
    expect(byKey.releaseDir).toEqual({ key: 'releaseDir', value: updates, fixed: false, source: 'user' });
    expect(set.policyFile).toBe(t.policyFile);
    expect(set.warnings).toContain("channel is set by the administrator; the user's value is not used");
    // The folder is named but not there yet.
    expect(set.folder.problem).toMatch(/does not exist/);
  });

  it('shows a published release, rolls it out to 20 % then 100 %, halts it, and audits each step', async () => {
    const dir = (await t.engine.run('updates.overview', {}, t.admin)).folder.dir!;
    await publish(dir, '1.4.0', 'stable', 10);
    const seen = await t.engine.run('updates.overview', {}, t.admin);
    expect(seen.folder.problem).toBeNull();
    expect(seen.folder.releases.map((r) => `${r.channel} ${r.file} ${r.version} ${r.rollout}%`)).toEqual(['stable latest-linux.yml 1.4.0 10%', 'stable latest.yml 1.4.0 10%']);

    const twenty = await t.engine.run('updates.rollout.set', { channel: 'stable', percent: 20 }, t.admin);
    expect(twenty).toMatchObject({ version: '1.4.0', percent: 20 });
    expect(twenty.releases.every((r) => r.rollout === 20)).toBe(true);
    expect(readMetadata(join(dir, 'latest-linux.yml')).stagingPercentage).toBe(20);

    await t.engine.run('updates.rollout.set', { channel: 'stable', percent: 100 }, t.admin);
    expect(readMetadata(join(dir, 'latest.yml')).stagingPercentage).toBeUndefined();
    expect((await t.engine.run('updates.overview', {}, t.admin)).folder.releases.every((r) => r.rollout === 100)).toBe(true);

    await t.engine.run('updates.rollout.set', { channel: 'stable', percent: 0, required: true }, t.admin);
    expect(readMetadata(join(dir, 'latest.yml'))).toMatchObject({ stagingPercentage: 0, branchlineRequired: true });
    expect(await audit(t)).toEqual([
      'updates.rollout.set: Update 1.4.0 on stable offered to 20 % of installs',
      'updates.rollout.set: Update 1.4.0 on stable offered to every install',
      'updates.rollout.set: Update 1.4.0 on stable halted, required',
    ]);
  });

  it('refuses bad input with a clear message and writes nothing', async () => {
    const dir = (await t.engine.run('updates.overview', {}, t.admin)).folder.dir!;
    const before = readFileSync(join(dir, 'latest.yml'), 'utf8');
    const auditBefore = await audit(t);
    const tooMuch = await refusal(t.engine, 'updates.rollout.set', { channel: 'stable', percent: 150 }, t.admin);
    expect(tooMuch).toMatchObject({ code: 'VALIDATION', details: { fields: [{ path: 'percent', message: 'Rollout is at most 100' }] } });
    const fraction = await refusal(t.engine, 'updates.rollout.set', { channel: 'stable', percent: 12.5 }, t.admin);
    expect(fraction.details?.fields?.[0]).toEqual({ path: 'percent', message: 'Rollout must be a whole percentage' });
    expect(await refusal(t.engine, 'updates.rollout.set', { channel: 'nightly', percent: 5 }, t.admin)).toMatchObject({ code: 'VALIDATION', message: 'channel: Channel must be stable or beta' });
    expect(await refusal(t.engine, 'updates.rollout.set', { channel: 'beta', percent: 5 }, t.admin)).toMatchObject({ code: 'BUSINESS_RULE', message: expect.stringMatching(/has no beta release \(no beta\*\.yml\)/) });
    const badGroup = await refusal(t.engine, 'updates.channel.assign', { kind: 'group', key: 'pilot group!', channel: 'beta' }, t.admin);
    expect(badGroup).toMatchObject({ code: 'VALIDATION', details: { fields: [{ path: 'key', message: expect.stringMatching(/device group is 1–40 letters/) }] } });
    const badVersion = await refusal(t.engine, 'updates.minVersion.set', { version: '1.4' }, t.admin);
    expect(badVersion).toMatchObject({ code: 'VALIDATION', details: { fields: [{ path: 'version', message: 'A version is three numbers like 1.4.0' }] } });
    expect(readFileSync(join(dir, 'latest.yml'), 'utf8')).toBe(before);
    expect(await audit(t)).toEqual(auditBefore);
  });

  it('publishes a build from the screen: installers, then metadata; refuses a relative folder, an empty one and a downgrade', async () => {
    const dir = (await t.engine.run('updates.overview', {}, t.admin)).folder.dir!;
    const dist = join(tempDir(), 'dist');
    mkdirSync(dist, { recursive: true });
    for (const name of ['Branchline-1.5.0-beta.1-x64.AppImage']) writeFileSync(join(dist, name), randomBytes(4096));
    const report = await t.engine.run('updates.release.publish', { distDir: dist, channel: 'beta', rollout: 30 }, t.admin);
    expect(report).toEqual({ version: '1.5.0-beta.1', channel: 'beta', rollout: 30, artifacts: [{ name: 'Branchline-1.5.0-beta.1-x64.AppImage', state: 'copied' }], metadata: ['beta-linux.yml'] });
    expect(readMetadata(join(dir, 'beta-linux.yml'))).toMatchObject({ version: '1.5.0-beta.1', stagingPercentage: 30 });
    expect((await t.engine.run('updates.overview', {}, t.admin)).folder.releases.filter((r) => r.channel === 'beta').map((r) => `${r.version} ${r.rollout}`)).toEqual(['1.5.0-beta.1 30']);
    expect((await audit(t)).at(-1)).toBe('updates.release.publish: Published 1.5.0-beta.1 to beta for 30 % of installs');

    const relative = await refusal(t.engine, 'updates.release.publish', { distDir: 'dist', channel: 'beta', rollout: 30 }, t.admin);
    expect(relative).toMatchObject({ code: 'VALIDATION', details: { fields: [{ path: 'distDir', message: expect.stringMatching(/full path/) }] } });
    const empty = join(tempDir(), 'empty');
    mkdirSync(empty);
    expect(await refusal(t.engine, 'updates.release.publish', { distDir: empty, channel: 'beta', rollout: 30 }, t.admin)).toMatchObject({ code: 'BUSINESS_RULE', message: expect.stringMatching(/holds no installers/) });
    const older = join(tempDir(), 'older');
    mkdirSync(older);
    writeFileSync(join(older, 'Branchline-1.3.9-x64.AppImage'), randomBytes(1024));
    expect(await refusal(t.engine, 'updates.release.publish', { distDir: older, channel: 'stable', rollout: 100 }, t.admin)).toMatchObject({ code: 'BUSINESS_RULE', message: expect.stringMatching(/already offers 1\.4\.0, newer than 1\.3\.9; clients never downgrade/) });
    expect(readMetadata(join(dir, 'latest-linux.yml')).version).toBe('1.4.0');
  });

  it('puts a branch and a device group on a channel, and back', async () => {
    await t.engine.run('updates.channel.assign', { kind: 'branch', key: 'b02', channel: 'beta' }, t.admin);
    const both = await t.engine.run('updates.channel.assign', { kind: 'group', key: 'pilot', channel: 'beta' }, t.admin);
    expect(both.assignments).toEqual([
      { kind: 'branch', key: 'B02', channel: 'beta' },
      { kind: 'group', key: 'pilot', channel: 'beta' },
    ]);
    const dir = (await t.engine.run('updates.overview', {}, t.admin)).folder.dir!;
    expect(JSON.parse(readFileSync(join(dir, 'channels.json'), 'utf8'))).toEqual({ branches: { B02: 'beta' }, groups: { pilot: 'beta' } });
    const back = await t.engine.run('updates.channel.assign', { kind: 'branch', key: 'B02', channel: null }, t.admin);
    expect(back.assignments).toEqual([{ kind: 'group', key: 'pilot', channel: 'beta' }]);
    expect((await t.engine.run('updates.overview', {}, t.admin)).folder.assignments).toEqual(back.assignments);
    expect((await audit(t)).slice(-3)).toEqual([
      'updates.channel.assign: Branch B02 follows the beta update channel',
      'updates.channel.assign: Device group pilot follows the beta update channel',
      'updates.channel.assign: Branch B02 back to each install’s own update channel',
    ]);
  });

  it('is for admins only: a clerk is refused every Updates method and nothing changes', async () => {
    const dir = (await t.engine.run('updates.overview', {}, t.admin)).folder.dir!;
    const before = readFileSync(join(dir, 'latest.yml'), 'utf8');
    const calls: [MethodName, unknown][] = [
      ['updates.overview', {}],
      ['updates.devices', {}],
      ['updates.rollout.set', { channel: 'stable', percent: 100 } satisfies InputOf<'updates.rollout.set'>],
      ['updates.channel.assign', { kind: 'group', key: 'pilot', channel: null }],
      ['updates.minVersion.set', { version: '9.0.0' }],
      ['updates.release.publish', { distDir: '/tmp', channel: 'beta', rollout: 10 }],
    ];
    for (const [method, input] of calls) expect((await refusal(t.engine, method, input, t.clerk)).code).toBe('FORBIDDEN');
    expect(readFileSync(join(dir, 'latest.yml'), 'utf8')).toBe(before);
  });
});

describe('the centre’s device registry and minimum version (PostgreSQL)', () => {
  let world: SyncWorld;
  let b01: TestBranch;
  let office: Install;

  beforeAll(async () => {
    world = await createSyncWorld({ demoSize: 'small' });
    b01 = await world.addBranch('B01');
    await world.addBranch('B02');
    await b01.sync();
    const as = { userId: await b01.adminId() };
    const wh = (await b01.engine.run('inventory.warehouse.list', {}, as)).rows[0]!;
    const product = (await b01.engine.run('catalog.product.list', { limit: 1 }, as)).rows[0]!;
    await b01.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines: [{ productId: product.id, quantity: 1, unitCostMinor: 100 }] }, as);
    await b01.sync(); // B01 reports 1.0.0; B02 never pushed
    // An admin's desktop (SQLite) that reaches the centre through its centralUrl setting.
    office = await install('sqlite');
    office.writeSettings({ centralUrl: world.centralUrl });
  }, 240_000);

  afterAll(async () => {
    await office?.engine.close();
    await office?.test.dispose();
    await world?.dispose();
  });

  it('at the centre: devices by version, raising the minimum names who is left behind, and the push gate enforces it', async () => {
    const as = { userId: world.adminUserId };
    const devices = await world.centralEngine.run('updates.devices', {}, as);
    expect(devices.minVersion).toBeNull();
    expect(devices.byVersion).toEqual([
      { version: '1.0.0', devices: 1 },
      { version: 'unknown', devices: 1 },
    ]);
    expect(devices.devices.map((d) => `${d.branchCode} ${d.appVersion ?? 'unknown'}`)).toEqual(['B01 1.0.0', 'B02 unknown']);
    expect((await world.centralEngine.run('updates.devices', { version: 'unknown' }, as)).devices.map((d) => d.branchCode)).toEqual(['B02']);

    const raised = await world.centralEngine.run('updates.minVersion.set', { version: '1.1.0' }, as);
    expect(raised).toMatchObject({ minVersion: '1.1.0', previous: null });
    expect(raised.below.map((d) => d.branchCode).sort()).toEqual(['B01', 'B02']);
    await expect(b01.sync()).rejects.toThrow(/older than the minimum 1\.1\.0/);
    const audit = await world.admin.db.selectFrom('audit_log').select('summary').where('method', '=', 'updates.minVersion.set').execute();
    expect(audit.map((a) => a.summary)).toEqual(['Minimum supported version raised to 1.1.0 (was none)']);

    await world.centralEngine.run('updates.minVersion.set', { version: null }, as);
    await expect(b01.sync()).resolves.toBeTruthy();
  });

  it('from a branch desktop through centralUrl: the same registry, and the minimum it sets is the centre’s', async () => {
    const overview = await office.engine.run('updates.overview', {}, office.admin);
    expect(overview.centre).toMatchObject({ source: 'centralUrl setting', minVersion: null, problem: null });
    const devices = await office.engine.run('updates.devices', {}, office.admin);
    expect(devices.byVersion).toEqual([
      { version: '1.0.0', devices: 1 },
      { version: 'unknown', devices: 1 },
    ]);
    const raised = await office.engine.run('updates.minVersion.set', { version: '1.2.0' }, office.admin);
    expect(raised.previous).toBeNull();
    const stored = await world.admin.db.selectFrom('sync_setting').select('value').where('key', '=', 'min_client_version').executeTakeFirst();
    expect(stored?.value).toBe('1.2.0');
    expect((await office.engine.run('updates.overview', {}, office.admin)).centre.minVersion).toBe('1.2.0');
    expect((await office.engine.run('updates.devices', {}, office.admin)).devices.every((d) => d.belowMinimum)).toBe(true);
    await office.engine.run('updates.minVersion.set', { version: null }, office.admin);

    // A centre that does not answer: a clear refusal, not a hang or an internal error.
    office.writeSettings({ centralUrl: 'postgres://nobody@127.0.0.1:1/nothing' });
    const down = await refusal(office.engine, 'updates.devices', {}, office.admin);
    expect(down).toMatchObject({ code: 'BUSINESS_RULE', message: expect.stringMatching(/^The centre at postgres:\/\/nobody@127\.0\.0\.1:1\/nothing did not answer/) });
    expect((await office.engine.run('updates.overview', {}, office.admin)).centre.problem).toMatch(/did not answer/);
  });
});
