import type { Db, Tx } from '../platform/db';

/** Inventory policies, stored as `setting:` rows of the meta table. */
export interface InventorySettings {
  preemptLowerPriority: boolean;
  countApprovalValueMinor: number;
  countApprovalPercent: number;
}

export const INVENTORY_DEFAULTS: InventorySettings = { preemptLowerPriority: true, countApprovalValueMinor: 500_00, countApprovalPercent: 5 };

export async function readInventorySettings(db: Db | Tx): Promise<InventorySettings> {
  const rows = await db.selectFrom('meta').select(['key', 'value']).where('key', 'like', 'setting:inventory.%').execute();
  const get = (k: string) => rows.find((r) => r.key === `setting:inventory.${k}`)?.value;
  return {
    preemptLowerPriority: (get('preemptLowerPriority') ?? String(INVENTORY_DEFAULTS.preemptLowerPriority)) === 'true',
    countApprovalValueMinor: Number(get('countApprovalValueMinor') ?? INVENTORY_DEFAULTS.countApprovalValueMinor),
    countApprovalPercent: Number(get('countApprovalPercent') ?? INVENTORY_DEFAULTS.countApprovalPercent),
  };
}

export async function writeInventorySettings(db: Tx, patch: Partial<InventorySettings>): Promise<InventorySettings> {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    await db
      .insertInto('meta')
      .values({ key: `setting:inventory.${k}`, value: String(v) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(v) }))
      .execute();
  }
  return readInventorySettings(db);
}
