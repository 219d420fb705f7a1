import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { preparedSelectIn } from '../platform/batch';
import type { LocationUsage, LocationZone } from '../platform/schema';
import type { LocationInfo } from './locations';

/**
 * Per-command caches of the master data an inventory command reads again and again: a
 * 100-line receipt used to look up each product three times and each location six times.
 * Products, locations and warehouses do not change inside an inventory command (locations
 * never change after creation), so one read per command is enough. One session per
 * CommandContext; it dies with the command.
 */

/** What inventory needs of a product: planning (unit, active) and the ledger (tracking, costing). */
export interface ProductInfo {
  id: string;
  sku: string;
  name: string;
  barcode: string | null;
  /** The code of the product's stock unit. */
  uomCode: string;
  uomId: string;
  active: boolean;
  tracking: string;
  costMinor: number;
  costing: 'avco' | 'fifo';
}

export interface WarehouseRow {
  id: string;
  code: string;
  active: number;
  reception_steps: number;
  delivery_steps: number;
  allow_negative: number;
}

type ProductRow = { id: string; sku: string; name: string; barcode: string | null; uom_id: string; uom_code: string | null; active: number; tracking: string; cost_minor: number; costing_method: string | null };

function selectProducts(db: Db | Tx) {
  return db
    .selectFrom('product as p')
    .leftJoin('uom as u', 'u.id', 'p.uom_id')
    .leftJoin('category as c', 'c.id', 'p.category_id')
    .select(['p.id', 'p.sku', 'p.name', 'p.barcode', 'p.uom_id', 'u.code as uom_code', 'p.active', 'p.tracking', 'p.cost_minor', 'c.costing_method']);
}

const productById = preparedQuery<{ id: string }, ProductRow>(['id'], (db, p) => selectProducts(db).where('p.id', '=', p.id));
const productsByIds = preparedSelectIn<ProductRow>((db, ids) => selectProducts(db).where('p.id', 'in', ids as string[]));

const LOCATION_COLUMNS = ['id', 'warehouse_id', 'path', 'usage', 'zone', 'name'] as const;

export const locationById = preparedQuery<{ id: string }, LocationInfo>(['id'], (db, p) => db.selectFrom('location').select(LOCATION_COLUMNS).where('id', '=', p.id));

/** A zone of a warehouse is the child of its view root with that zone (bins below share the zone). */
export const zoneOf = preparedQuery<{ warehouseId: string; zone: LocationZone }, LocationInfo>(['warehouseId', 'zone'], (db, p) =>
  db
    .selectFrom('location')
    .select(LOCATION_COLUMNS)
    .where('warehouse_id', '=', p.warehouseId)
    .where('zone', '=', p.zone)
    .where('parent_id', 'in', (eb) => eb.selectFrom('location as r').select('r.id').where('r.warehouse_id', '=', p.warehouseId).where('r.usage', '=', 'view')),
);

export const virtualOf = preparedQuery<{ usage: LocationUsage }, LocationInfo>(['usage'], (db, p) =>
  db.selectFrom('location').select(LOCATION_COLUMNS).where('warehouse_id', 'is', null).where('usage', '=', p.usage),
);

const warehouseById = preparedQuery<{ id: string }, WarehouseRow>(['id'], (db, p) =>
  db.selectFrom('warehouse').select(['id', 'code', 'active', 'reception_steps', 'delivery_steps', 'allow_negative']).where('id', '=', p.id),
);

const toProduct = (row: ProductRow): ProductInfo => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  barcode: row.barcode,
  uomCode: row.uom_code ?? '',
  uomId: row.uom_id,
  active: row.active === 1,
  tracking: row.tracking,
  costMinor: Number(row.cost_minor),
  costing: (row.costing_method as 'avco' | 'fifo' | null) ?? 'avco',
});

class InventorySession {
  /** > 0 while ledger and level writes are batched (ledger.ts batchLedgerWrites). */
  batchDepth = 0;
  private readonly products = new Map<string, ProductInfo>();
  private readonly locations = new Map<string, LocationInfo>();
  private readonly named = new Map<string, LocationInfo>();
  private readonly warehouses = new Map<string, WarehouseRow>();
  constructor(private readonly ctx: CommandContext) {}

  /** A product, or undefined when there is none with that id. */
  async findProduct(id: string): Promise<ProductInfo | undefined> {
    let p = this.products.get(id);
    if (!p) {
      const row = await productById.first(this.ctx.db, { id });
      if (!row) return undefined;
      p = toProduct(row);
      this.products.set(id, p);
    }
    return p;
  }

  /** A product already read by this command (loadProducts first), else undefined. */
  knownProduct(id: string): ProductInfo | undefined {
    return this.products.get(id);
  }

  async product(id: string): Promise<ProductInfo> {
    const p = await this.findProduct(id);
    if (!p) throw new DomainError('NOT_FOUND', 'Product was not found');
    return p;
  }

  /** Loads many products in a few prepared statements (a 100-line document: two, not 100). */
  async loadProducts(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.products.has(id));
    if (missing.length === 0) return;
    for (const row of await productsByIds(this.ctx.db, missing, {})) this.products.set(row.id, toProduct(row));
  }

  async location(id: string): Promise<LocationInfo> {
    let l = this.locations.get(id);
    if (!l) {
      l = await locationById.first(this.ctx.db, { id });
      if (!l) throw new DomainError('NOT_FOUND', 'Location was not found');
      this.locations.set(id, l);
    }
    return l;
  }

  async zone(warehouseId: string, zone: LocationZone): Promise<LocationInfo> {
    return this.namedLocation(`${warehouseId}|${zone}`, async () => {
      const row = await zoneOf.first(this.ctx.db, { warehouseId, zone });
      if (!row) throw new DomainError('NOT_FOUND', `The warehouse has no ${zone} location`);
      return row;
    });
  }

  async virtual(usage: LocationUsage): Promise<LocationInfo> {
    return this.namedLocation(`|${usage}`, async () => {
      const row = await virtualOf.first(this.ctx.db, { usage });
      if (!row) throw new DomainError('NOT_FOUND', `No ${usage} location: create a warehouse first`);
      return row;
    });
  }

  private async namedLocation(key: string, load: () => Promise<LocationInfo>): Promise<LocationInfo> {
    let l = this.named.get(key);
    if (!l) {
      l = await load();
      this.named.set(key, l);
      this.locations.set(l.id, l);
    }
    return l;
  }

  /** A warehouse, or undefined (a miss is not remembered: the command may create it). */
  async warehouse(id: string): Promise<WarehouseRow | undefined> {
    let w = this.warehouses.get(id);
    if (!w) {
      w = await warehouseById.first(this.ctx.db, { id });
      if (w) this.warehouses.set(id, w);
    }
    return w;
  }

  /** Virtual locations (no warehouse) go negative by design: Vendors gives, Customers takes. */
  async allowsNegative(warehouseId: string | null): Promise<boolean> {
    if (!warehouseId) return true;
    return (await this.warehouse(warehouseId))?.allow_negative === 1;
  }
}

const sessions = new WeakMap<CommandContext, InventorySession>();

/** The inventory session of this command (created on first use). */
export function inventorySession(ctx: CommandContext): InventorySession {
  let s = sessions.get(ctx);
  if (!s) {
    s = new InventorySession(ctx);
    sessions.set(ctx, s);
  }
  return s;
}
