/** The centre's side of updates, on PostgreSQL: minimum version and devices by version. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centralDevices, centralMinVersion } from '../cli/release-commands';
import { createSyncWorld, type SyncWorld, type TestBranch } from '../engine/sync/testing';
import { minVersionFromBlockedReason } from './activity';
import { getMinVersion, listDevices, setMinVersion, versionSummary } from './central-admin';
import { decideInstall } from './policy';

let world: SyncWorld;
let b01: TestBranch;

beforeAll(async () => {
  world = await createSyncWorld({ demoSize: 'small' });
  b01 = await world.addBranch('B01');
  await world.addBranch('B02');
  await b01.sync(); // the first pull loads the company
  // The centre records a client's version when it pushes: give B01 something to push.
  const as = { userId: await b01.adminId() };
  const wh = (await b01.engine.run('inventory.warehouse.list', {}, as)).rows[0]!;
  const product = (await b01.engine.run('catalog.product.list', { limit: 1 }, as)).rows[0]!;
  await b01.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines: [{ productId: product.id, quantity: 1, unitCostMinor: 100 }] }, as);
  await b01.sync(); // B01 reports its version (1.0.0); B02 has never pushed
}, 180_000);

afterAll(async () => {
  await world?.dispose();
});

describe('minimum version and devices at the centre', () => {
  it('lists every device with its version and when it was last seen', async () => {
    const devices = await listDevices(world.admin);
    const byBranch = Object.fromEntries(devices.map((d) => [d.branchCode, d]));
    expect(byBranch.B01).toMatchObject({ appVersion: '1.0.0', lastSeenAt: expect.stringMatching(/^\d{4}-/), retired: false, belowMinimum: false });
    expect(byBranch.B02).toMatchObject({ appVersion: null, lastSeenAt: null });
    expect(versionSummary(devices)).toEqual([
      { version: '1.0.0', devices: 1 },
      { version: 'unknown', devices: 1 },
    ]);
  });

  it('sets the minimum (CLI), names the devices left behind, and the push gate then refuses the old client', async () => {
    expect(await getMinVersion(world.admin)).toBeNull();
    const set = await centralMinVersion(world.centralUrl, '1.1.0');
    expect(set).toMatchObject({ minVersion: '1.1.0', previous: null, changed: true });
    expect(set.below.map((d) => d.branchCode).sort()).toEqual(['B01', 'B02']);
    const devices = await centralDevices(world.centralUrl);
    expect(devices.minVersion).toBe('1.1.0');
    expect(devices.devices.every((d) => d.belowMinimum)).toBe(true);

    const refused = await b01.sync().then(
      () => null,
      (e: Error) => e,
    );
    expect(refused?.message).toMatch(/older than the minimum 1\.1\.0/);
    // The updater reads that refusal and forces the update, unsent changes or not.
    const minVersion = minVersionFromBlockedReason(refused!.message);
    expect(minVersion).toBe('1.1.0');
    expect(decideInstall({ currentVersion: '1.0.0', version: '1.1.0', activity: { periodClose: false, importing: false, unpushed: 5, minVersion } })).toMatchObject({ install: true, forced: true });

    await expect(centralMinVersion(world.centralUrl, '1.1')).rejects.toThrow(/not a release version/);
    expect((await setMinVersion(world.admin, null)).minVersion).toBeNull();
    expect(await getMinVersion(world.admin)).toBeNull();
    await expect(b01.sync()).resolves.toBeTruthy();
  });
});
