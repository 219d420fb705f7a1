import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError } from '../platform/errors';
import type { LocationTable, LocationUsage, LocationZone, OperationKind } from '../platform/schema';
import { locationById, virtualOf, zoneOf } from './session';

/** Company-wide virtual locations: where stock comes from and goes to outside the warehouses. */
export const VIRTUAL_LOCATIONS: { usage: LocationUsage; name: string }[] = [
  { usage: 'vendor', name: 'Vendors' },
  { usage: 'customer', name: 'Customers' },
  { usage: 'inventory_loss', name: 'Inventory Loss' },
  { usage: 'scrap', name: 'Scrap' },
  { usage: 'transit', name: 'Transit' },
];

export const WAREHOUSE_ZONES: { zone: LocationZone; name: string }[] = [
  { zone: 'stock', name: 'Stock' },
  { zone: 'input', name: 'Input' },
  { zone: 'quality', name: 'Quality' },
  { zone: 'pack', name: 'Pack' },
  { zone: 'output', name: 'Output' },
  { zone: 'returns', name: 'Returns' },
];

/** Operation types every warehouse has; which ones a flow uses depends on its step settings. */
export const OPERATION_TYPES: { code: string; kind: OperationKind; name: string; from: LocationZone | LocationUsage; to: LocationZone | LocationUsage }[] = [
  { code: 'IN', kind: 'receipt', name: 'Receipts', from: 'vendor', to: 'stock' },
  { code: 'QC', kind: 'quality', name: 'Quality control', from: 'input', to: 'quality' },
  { code: 'PUT', kind: 'internal', name: 'Put-away', from: 'input', to: 'stock' },
  { code: 'PICK', kind: 'pick', name: 'Pick', from: 'stock', to: 'pack' },
  { code: 'PACK', kind: 'pack', name: 'Pack', from: 'pack', to: 'output' },
  { code: 'OUT', kind: 'delivery', name: 'Deliveries', from: 'stock', to: 'customer' },
  { code: 'INT', kind: 'internal', name: 'Internal transfers', from: 'stock', to: 'stock' },
  { code: 'TOUT', kind: 'transit_out', name: 'Ship to warehouse', from: 'stock', to: 'transit' },
  { code: 'TIN', kind: 'transit_in', name: 'Receive from warehouse', from: 'transit', to: 'stock' },
];

/** Locations whose stock the company owns (valued): internal ones and goods in transit. */
export const isOwned = (usage: LocationUsage) => usage === 'internal' || usage === 'transit';

export type LocationInfo = Pick<LocationTable, 'id' | 'warehouse_id' | 'path' | 'usage' | 'zone' | 'name'>;

function meta(ctx: CommandContext) {
  return { id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1 };
}

/** Creates the virtual locations once per company. */
export async function ensureVirtualLocations(ctx: CommandContext): Promise<void> {
  const existing = await ctx.db.selectFrom('location').select('usage').where('warehouse_id', 'is', null).execute();
  const have = new Set(existing.map((e) => e.usage));
  const missing = VIRTUAL_LOCATIONS.filter((v) => !have.has(v.usage));
  if (missing.length === 0) return;
  await ctx.db
    .insertInto('location')
    .values(missing.map((v) => ({ ...meta(ctx), warehouse_id: null, parent_id: null, name: v.name, path: `Virtual/${v.name}`, usage: v.usage, zone: null, active: 1 })))
    .execute();
}

/** Creates a warehouse's location tree (view root + zones) and its operation types. */
export async function createWarehouseStructure(ctx: CommandContext, warehouse: { id: string; code: string }): Promise<void> {
  await ensureVirtualLocations(ctx);
  const root = { ...meta(ctx), warehouse_id: warehouse.id, parent_id: null, name: warehouse.code, path: warehouse.code, usage: 'view' as const, zone: null, active: 1 };
  await ctx.db.insertInto('location').values(root).execute();
  const zones = WAREHOUSE_ZONES.map((z) => ({ ...meta(ctx), warehouse_id: warehouse.id, parent_id: root.id, name: z.name, path: `${warehouse.code}/${z.name}`, usage: 'internal' as const, zone: z.zone, active: 1 }));
  await ctx.db.insertInto('location').values(zones).execute();
  const virtual = await ctx.db.selectFrom('location').select(['id', 'usage']).where('warehouse_id', 'is', null).execute();
  const resolve = (key: LocationZone | LocationUsage) => zones.find((z) => z.zone === key)?.id ?? virtual.find((v) => v.usage === key)!.id;
  await ctx.db
    .insertInto('operation_type')
    .values(
      OPERATION_TYPES.map((op) => ({
        ...meta(ctx),
        warehouse_id: warehouse.id,
        kind: op.kind,
        code: op.code,
        name: op.name,
        default_from_location_id: resolve(op.from),
        default_to_location_id: resolve(op.to),
        reservation_method: 'at_confirm' as const,
        reservation_days: 0,
        active: 1,
      })),
    )
    .execute();
}

export async function getLocation(db: Db | Tx, id: string): Promise<LocationInfo> {
  const row = await locationById.first(db, { id });
  if (!row) throw new DomainError('NOT_FOUND', 'Location was not found');
  return row;
}

export async function zoneLocation(db: Db | Tx, warehouseId: string, zone: LocationZone): Promise<LocationInfo> {
  const row = await zoneOf.first(db, { warehouseId, zone });
  if (!row) throw new DomainError('NOT_FOUND', `The warehouse has no ${zone} location`);
  return row;
}

export async function virtualLocation(db: Db | Tx, usage: LocationUsage): Promise<LocationInfo> {
  const row = await virtualOf.first(db, { usage });
  if (!row) throw new DomainError('NOT_FOUND', `No ${usage} location: create a warehouse first`);
  return row;
}

/** True when `inner` is `outer` or below it in the tree. */
export const isWithin = (inner: { path: string }, outer: { path: string }) => inner.path === outer.path || inner.path.startsWith(`${outer.path}/`);

/** Sorts "no date" after every real date, on both databases (a timestamptz in PostgreSQL). */
export const FAR_FUTURE = '9999-12-31T00:00:00.000Z';
