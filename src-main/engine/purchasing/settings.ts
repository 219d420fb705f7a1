import type { PurchaseSettings } from '../../../src-shared/contract/purchasing';
import type { Db, Tx } from '../platform/db';

/** Purchasing policies, stored as `setting:purchasing.` rows of the meta table (like sales'). */
export const PURCHASE_DEFAULTS: PurchaseSettings = {
  approvalThresholdMinor: 500_000, // 5,000.00
  doubleApprovalThresholdMinor: 5_000_000, // 50,000.00
  overReceiptToleranceBp: 500, // 5 %
  matchToleranceMinor: 500, // 5.00 per line …
  matchToleranceBp: 200, // … and 2 % of the line
  highValueLineMinor: 1_000_000, // 10,000.00
  poorOnTimeBp: 8000, // below 80 % on time
  poorOnTimeMinLines: 5,
};

const KEYS = Object.keys(PURCHASE_DEFAULTS) as (keyof PurchaseSettings)[];

export async function readPurchaseSettings(db: Db | Tx): Promise<PurchaseSettings> {
  // A key range, not LIKE: the primary key index answers it.
  const rows = await db.selectFrom('meta').select(['key', 'value']).where('key', '>=', 'setting:purchasing.').where('key', '<', 'setting:purchasing/').execute();
  const out = { ...PURCHASE_DEFAULTS };
  for (const r of rows) {
    const k = r.key.slice('setting:purchasing.'.length) as keyof PurchaseSettings;
    if (KEYS.includes(k)) out[k] = Number(r.value);
  }
  return out;
}

export async function writePurchaseSettings(db: Tx, patch: Partial<PurchaseSettings>): Promise<PurchaseSettings> {
  for (const k of KEYS) {
    const v = patch[k];
    if (v === undefined) continue;
    await db
      .insertInto('meta')
      .values({ key: `setting:purchasing.${k}`, value: String(v) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(v) }))
      .execute();
  }
  return readPurchaseSettings(db);
}
