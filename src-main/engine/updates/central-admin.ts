/**
 * What administrators manage at the centre for updates: the minimum supported client version
 * (sync_setting min_client_version, enforced by the push gate) and which device runs which
 * version (sync_client.app_version, last_seen_at).
 */
import { sql } from 'kysely';
import type { CentralDatabase } from '../platform/db';
import { checkMinVersion } from './settings';
import { compareVersions, isVersion } from './version';

export const MIN_VERSION_KEY = 'min_client_version';

export async function getMinVersion(central: Pick<CentralDatabase, 'db'>): Promise<string | null> {
  const row = await central.db.selectFrom('sync_setting').select('value').where('key', '=', MIN_VERSION_KEY).executeTakeFirst();
  return row?.value ?? null;
}

/** Sets (or with null clears) the minimum version. Returns the devices it leaves behind. */
export async function setMinVersion(central: Pick<CentralDatabase, 'db'>, version: string | null): Promise<{ minVersion: string | null; previous: string | null; below: Device[] }> {
  const previous = await getMinVersion(central);
  if (version === null) {
    await central.db.deleteFrom('sync_setting').where('key', '=', MIN_VERSION_KEY).execute();
  } else {
    const value = checkMinVersion(version);
    await central.db
      .insertInto('sync_setting')
      .values({ key: MIN_VERSION_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
  const devices = await listDevices(central);
  return { minVersion: version, previous, below: devices.filter((d) => d.belowMinimum && !d.retired) };
}

export interface Device {
  clientId: string;
  branchCode: string | null;
  branchName: string | null;
  appVersion: string | null;
  lastSeenAt: string | null;
  registeredAt: string;
  retired: boolean;
  /** Below the centre's minimum: its changes wait until it updates. */
  belowMinimum: boolean;
}

export async function listDevices(central: Pick<CentralDatabase, 'db'>): Promise<Device[]> {
  const min = await getMinVersion(central);
  const rows = await sql<{
    client_id: string;
    code: string | null;
    name: string | null;
    app_version: string | null;
    last_seen_at: string | null;
    registered_at: string;
    retired: number;
  }>`SELECT c.client_id, b.code, b.name, c.app_version, c.last_seen_at, c.registered_at, c.retired
     FROM sync_client c LEFT JOIN branch b ON b.id = c.branch_id
     ORDER BY b.code NULLS LAST, c.last_seen_at DESC NULLS LAST, c.client_id`.execute(central.db);
  const iso = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));
  return rows.rows.map((r) => ({
    clientId: r.client_id,
    branchCode: r.code,
    branchName: r.name,
    appVersion: r.app_version,
    lastSeenAt: iso(r.last_seen_at),
    registeredAt: iso(r.registered_at)!,
    retired: Number(r.retired) === 1,
    belowMinimum: min !== null && (r.app_version === null || !isVersion(r.app_version) || compareVersions(r.app_version.replace(/-.*$/, ''), min) < 0),
  }));
}

/** Devices per version, newest first: the rollout at a glance. */
export function versionSummary(devices: Device[]): { version: string; devices: number }[] {
  const counts = new Map<string, number>();
  for (const d of devices) if (!d.retired) counts.set(d.appVersion ?? 'unknown', (counts.get(d.appVersion ?? 'unknown') ?? 0) + 1);
  return [...counts.entries()]
    .map(([version, devices]) => ({ version, devices }))
    .sort((a, b) => (isVersion(a.version) && isVersion(b.version) ? compareVersions(b.version, a.version) : a.version === 'unknown' ? 1 : -1));
}
