import { ROLES, type Role } from '../../../src-shared/permissions';
import type { Db, Tx } from '../platform/db';
import { preparedQuery } from '../platform/prepared';

/** Sales policies, stored as `setting:sales.` rows of the meta table (per install, like inventory's). */
export interface SalesSettings {
  minMarginBp: number;
  discountLimitBp: Record<Role, number>;
  defaultTaxRateBp: number;
}

export const SALES_DEFAULTS: SalesSettings = {
  // A line priced below cost + 10 % waits for approval.
  minMarginBp: 1000,
  discountLimitBp: { clerk: 1000, warehouse: 0, buyer: 0, finance: 500, admin: 10_000 },
  defaultTaxRateBp: 0,
};

// A key range, not LIKE: the primary key index answers it (SQLite's LIKE is case-insensitive and cannot).
const settingRows = preparedQuery<{ from: string; to: string }, { key: string; value: string }>(['from', 'to'], (db, p) =>
  db.selectFrom('meta').select(['key', 'value']).where('key', '>=', p.from).where('key', '<', p.to),
);

export async function readSalesSettings(db: Db | Tx): Promise<SalesSettings> {
  const rows = await settingRows.rows(db, { from: 'setting:sales.', to: 'setting:sales/' });
  const get = (k: string) => rows.find((r) => r.key === `setting:sales.${k}`)?.value;
  const num = (k: string, fallback: number) => {
    const v = get(k);
    return v === undefined ? fallback : Number(v);
  };
  const discountLimitBp = {} as Record<Role, number>;
  for (const role of ROLES) discountLimitBp[role] = num(`discountLimitBp.${role}`, SALES_DEFAULTS.discountLimitBp[role]);
  return { minMarginBp: num('minMarginBp', SALES_DEFAULTS.minMarginBp), discountLimitBp, defaultTaxRateBp: num('defaultTaxRateBp', SALES_DEFAULTS.defaultTaxRateBp) };
}

export async function writeSalesSettings(db: Tx, patch: { minMarginBp?: number; discountLimitBp?: Partial<Record<Role, number>>; defaultTaxRateBp?: number }): Promise<SalesSettings> {
  const entries: [string, number][] = [];
  if (patch.minMarginBp !== undefined) entries.push(['minMarginBp', patch.minMarginBp]);
  if (patch.defaultTaxRateBp !== undefined) entries.push(['defaultTaxRateBp', patch.defaultTaxRateBp]);
  for (const [role, v] of Object.entries(patch.discountLimitBp ?? {})) if (v !== undefined) entries.push([`discountLimitBp.${role}`, v]);
  for (const [k, v] of entries) {
    await db
      .insertInto('meta')
      .values({ key: `setting:sales.${k}`, value: String(v) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(v) }))
      .execute();
  }
  return readSalesSettings(db);
}

/** The manual discount a user may give without approval: the largest of their roles' limits. */
export function discountLimitOf(settings: SalesSettings, roles: readonly Role[]): number {
  return roles.reduce((m, r) => Math.max(m, settings.discountLimitBp[r] ?? 0), 0);
}
