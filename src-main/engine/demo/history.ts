/**
 * Stock history for the demo company (a year for the small demo, two years and four months
 * for the default and large ones: see historyDaysFor), so that stock, the ledger, valuation,
 * ABC classes and the demand forecast look like a distributor that has been trading for years.
 *
 * A day-by-day simulation over the days before today, deterministic for a seed (and the
 * calendar day it runs on): customers order on weekdays (a little at weekends, on the web
 * channels), with yearly seasonality and a few fast movers (consumption value is log-normal
 * across products, so ABC comes out about 20% A, 30% B, 50% C); the warehouses ship in
 * priority order, partial shipments leave backorders that wait for stock (and are cancelled
 * after three weeks); a reorder-point planner buys from each product's vendor on the
 * vendor's order days, at a price that drifts; the central warehouse (WH1) replenishes the
 * depot (WH2) twice a week through Virtual/Transit; each warehouse counts a bin about every
 * other week and posts small variances against Inventory Loss. Categories with a shelf life
 * (adhesives, sealants, paint, chemicals, lubricants, first aid) are set to FIFO valuation
 * and FEFO picking; their lots carry expiry dates. Stock lives in the bins below WH?/Stock.
 *
 * Consistent with the engine by construction: the simulation keeps the same state the
 * engine keeps (stock per product, location and lot; AVCO quantity and value; FIFO layers)
 * and values every move exactly as postMoves would (same prorate, same order), and it only
 * takes stock that is there, so internal locations never go negative. It writes done
 * documents (transfers with their lines, numbered gaplessly from the document series in the
 * order they were processed; posted cycle counts) and their moves with multi-row inserts,
 * then the stock levels, valuation and layers the moves imply. The open work of today
 * (confirmed deliveries, some short with backorders; expected receipts; one inter-warehouse
 * transfer in transit) goes through the real engine functions, and ABC is classified.
 *
 * Ids of the history rows are UUIDv7 stamped with the business time of the row; their
 * random part is derived from one id drawn through ctx.newId() and a counter, so a replay
 * of the command (same recorded ids and clock, same seed) writes the same ids.
 */
import { CompiledQuery } from 'kysely';
import { TransferCreateInput } from '../../../src-shared/contract/inventory';
import { classifyAbc } from '../inventory/counts';
import { prorate } from '../inventory/ledger';
import { isOwned, virtualLocation, zoneLocation } from '../inventory/locations';
import { createFlow, confirmFlow, flowSteps, insertTransfer, linkSteps, planLines, validateTransfer } from '../inventory/transfers';
import type { CommandContext } from '../platform/context';
import type { Tx } from '../platform/db';
import type { LocationUsage, LocationZone, OperationKind, TransferState } from '../platform/schema';
import { branchCode } from '../platform/series';
import type { DemoSize } from './seed';

const DAY = 86_400_000;
const MINUTE = 60_000;
/** A year of history: day 0 is 364 days ago, so all of it counts for ABC (365 days). */
const YEAR_DAYS = 364;
/**
 * The default and large demos trade for two years and sixteen weeks (121 weeks): the weekly
 * forecast then trains on two full seasons before its back-test and held-out weeks, so the
 * 52-week seasonal naive is a real benchmark (with one year it falls back to plain naive).
 * The moves are spread over the longer history (the size sets the moves, not the days). The
 * small demo, which tests load, keeps one year.
 */
export function historyDaysFor(size: DemoSize): number {
  return size.historyMoves >= 50_000 ? 121 * 7 : YEAR_DAYS;
}
const MAX_LINES_PER_TRANSFER = 120;
const CANCEL_AFTER_DAYS = 21;
/** At most this many open customer deliveries are created through the engine for today. */
const MAX_OPEN_DELIVERIES = 150;
const MIN_OPEN_DELIVERIES = 12;
const MAX_OPEN_RECEIPT_LINES = 3_000;
const HOLIDAYS = new Set(['01-01', '07-04', '12-25', '12-26']);
/** Categories valued FIFO and picked first-expiry-first-out (things with a shelf life). */
const FIFO_CATEGORIES = ['Adhesives', 'Sealants', 'Paint', 'Chemicals', 'Lubricants', 'First Aid'];
const CARRIERS = ['UPS', 'FedEx', 'DHL', 'Own fleet'];

/** Minutes after midnight (UTC) of each phase of a working day; phases run in this order. */
const WINDOW = {
  in: [420, 500],
  qc: [500, 510],
  tin: [510, 570],
  put: [570, 660],
  pick: [690, 810],
  pack: [810, 900],
  out: [900, 990],
  tout: [990, 1020],
  po: [1020, 1030],
  count: [1035, 1065],
  cancel: [1080, 1090],
} as const;
type Window = readonly [number, number];
const PICK_START = WINDOW.pick[0];
const ORDER_CUTOFF = 660; // orders placed before 11:00 on a working day ship the same day

export interface HistoryOptions {
  seed: number;
  size: DemoSize;
  onProgress?: (done: number, total: number) => void;
}

export interface HistoryResult {
  moves: number;
  transfers: number;
  counts: number;
  openDeliveries: number;
  openReceipts: number;
  abc: { a: number; b: number; c: number };
}

// --- randomness -------------------------------------------------------------------------

/** mulberry32: small, fast, and the same numbers for the same seed everywhere. */
class Random {
  private a: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  gauss(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** Log-normal with mean 1. */
  noise(sigma: number): number {
    return Math.exp(sigma * this.gauss() - (sigma * sigma) / 2);
  }
  /** 1 + geometric(p), capped. */
  count(p: number, max: number): number {
    let n = 1;
    while (n < max && !this.chance(p)) n++;
    return n;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/** Picks indexes in proportion to their weights (binary search over the running sum). */
class Weighted {
  private cum: Float64Array;
  readonly total: number;
  constructor(weights: readonly number[]) {
    this.cum = new Float64Array(weights.length);
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      acc += Math.max(0, weights[i]!);
      this.cum[i] = acc;
    }
    this.total = acc;
  }
  pick(r: Random): number {
    const u = r.next() * this.total;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid]! <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

// --- the model ----------------------------------------------------------------------------

interface Loc {
  idx: number;
  id: string;
  path: string;
  usage: LocationUsage;
  zone: LocationZone | null;
  warehouseId: string | null;
  owned: boolean;
}

interface StepDef {
  code: string;
  kind: OperationKind;
  opId: string;
  wh: Wh;
  from: Loc;
  to: Loc;
  window: Window;
}

interface Wh {
  idx: number;
  id: string;
  code: string;
  stock: Loc;
  bins: Loc[];
  receipt: StepDef[];
  delivery: StepDef[];
  ops: Map<string, string>;
}

interface Lot {
  idx: number;
  id: string;
  name: string;
  expiry: string | null;
  createdMs: number;
}

interface Piece {
  loc: Loc;
  lot: Lot | null;
  qty: number;
}

interface Layer {
  id: string;
  moveId: string;
  createdMs: number;
  updatedMs: number;
  qty: number;
  value: number;
}

interface Vendor {
  idx: number;
  id: string;
  leadDays: number;
  orderDays: Set<number>;
  drift: number;
  products: Prod[];
}

interface Prod {
  idx: number;
  id: string;
  sku: string;
  cost: number;
  list: number;
  tracking: 'none' | 'lot' | 'serial';
  uomId: string;
  box: { uomId: string; n: number } | null;
  fifo: boolean;
  fefo: boolean;
  /** Typical quantity per order line (before the customer's size). */
  lineQty: number;
  /** Expected units a day shipped from each warehouse: the model's rate at first, then a moving average of orders. */
  rate: number[];
  /** Units ordered today, per warehouse. */
  demand: number[];
  /** Stock a warehouse keeps at least, so one large order line does not empty it. */
  minStock: number[];
  priceFactor: number;
  vendor: Vendor;
  inWh2: boolean;
  bins: Loc[][];
  pieces: Piece[][];
  valQty: number;
  valValue: number;
  valAt: number;
  layers: Layer[] | null;
  layerHead: number;
  onOrder: number;
  inTransit: number;
  backlog: number[];
  lotSeq: number;
}

interface Customer {
  id: string;
  cls: 'key_account' | 'regular' | 'consumer';
  south: boolean;
  channels: { code: string; weight: number }[];
  carrier: string;
}

interface Level {
  p: Prod;
  loc: Loc;
  lot: Lot | null;
  onHand: number;
  at: number;
}

/** One document chain (one transfer per step) as the simulation carries it until it is written. */
interface Chain {
  steps: StepDef[];
  ids: string[];
  lineIds: string[][];
  numbers: string[] | null;
  createdMs: number;
  partnerId: string | null;
  origin: string | null;
  channel: string | null;
  rank: number;
  promisedMs: number | null;
  orderMs: number | null;
  scheduledMs: number;
  carrier: string | null;
  cutoffMs: number | null;
  valueMinor: number;
  backorderOf: string[] | null;
  /** Number prefixes of the chain a backorder continues (the engine keeps the original's series). */
  prefixes: string[] | null;
  lines: ChainLine[];
  doneMs: number[];
}

interface ChainLine {
  p: Prod;
  uomId: string;
  uomQty: number;
  qty: number;
  done: number;
  unitCost: number | null;
  pieces: Piece[];
}

interface Demand extends Chain {
  seq: number;
  wh: Wh;
  customer: Customer;
  dueDay: number;
  createdDay: number;
  so: string;
}

interface Receipt extends Chain {
  wh: Wh;
  arrivalDay: number;
  expectedDay: number;
  vendor: Vendor;
  po: string;
}

interface Transit {
  out: Chain;
  inbound: Chain;
  arrivalDay: number;
}

// --- bulk writing ----------------------------------------------------------------------

type Row = Record<string, unknown>;

/**
 * Buffers rows of one table and writes them with multi-row INSERTs of a few fixed sizes, as
 * SQL built once per size (so the driver's prepared-statement cache holds a handful of
 * statements and no query is rebuilt per batch). Rows only ever reference rows written
 * before them: a forward reference would make SQLite scan the child tables (some columns
 * unindexed) on every insert while the violation is pending.
 */
class TableWriter {
  private rows: Row[] = [];
  private readonly sizes: number[];
  private readonly sql = new Map<number, string>();
  private columns: string[] | null = null;
  written = 0;
  constructor(
    readonly table: string,
    columns: number,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {
    // 200 rows a statement is as fast as more (the work is SQLite's) and keeps each cached
    // statement small: they stay in the connection's statement cache after the seed.
    // (SQLite allows 32,766 variables per statement; PostgreSQL 65,535.)
    const capacity = Math.max(1, Math.min(200, Math.floor(30_000 / columns)));
    this.sizes = [capacity, 20, 1].filter((x) => x <= capacity);
  }
  add(row: Row): void {
    this.rows.push(row);
  }
  get size(): number {
    return this.rows.length;
  }
  private statement(size: number): string {
    let text = this.sql.get(size);
    if (!text) {
      const cols = this.columns!;
      const tuples: string[] = [];
      for (let r = 0; r < size; r++) {
        const marks = cols.map((_, c) => (this.dialect === 'postgres' ? `$${r * cols.length + c + 1}` : '?'));
        tuples.push(`(${marks.join(', ')})`);
      }
      text = `insert into "${this.table}" (${cols.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}`;
      this.sql.set(size, text);
    }
    return text;
  }
  async flush(db: Tx): Promise<void> {
    if (this.rows.length === 0) return;
    this.columns ??= Object.keys(this.rows[0]!);
    const cols = this.columns;
    let start = 0;
    for (const size of this.sizes) {
      while (this.rows.length - start >= size) {
        const params: unknown[] = new Array(size * cols.length);
        let k = 0;
        for (let r = start; r < start + size; r++) {
          const row = this.rows[r]!;
          for (const c of cols) params[k++] = row[c];
        }
        await db.executeQuery(CompiledQuery.raw(this.statement(size), params));
        start += size;
      }
    }
    this.written += this.rows.length;
    this.rows = [];
  }
}

// --- helpers ---------------------------------------------------------------------------

const dayPrefix = new Map<number, string>();
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
/** ISO time of a whole millisecond, as Date#toISOString writes it (hot: several per row). */
const iso = (ms: number): string => {
  const day = Math.floor(ms / DAY);
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY).toISOString().slice(0, 11);
    dayPrefix.set(day, prefix);
  }
  let r = ms - day * DAY;
  const h = Math.floor(r / 3_600_000);
  r -= h * 3_600_000;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const sec = Math.floor(r / 1000);
  const milli = r - sec * 1000;
  return `${prefix}${two(h)}:${two(m)}:${two(sec)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
};
const isoDate = (ms: number) => iso(ms).slice(0, 10);
const yearOf = (ms: number) => iso(ms).slice(0, 4);
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/**
 * Seeds the stock history of the demo company (see the module comment). Runs inside the
 * system.loadDemo command, after the catalog, partners and warehouses exist.
 */
export async function seedStockHistory(ctx: CommandContext, options: HistoryOptions): Promise<HistoryResult> {
  const db = ctx.db;
  const random = new Random((options.seed * 2_654_435_761 + 0x9e3779b9) >>> 0);
  const target = Math.round(options.size.historyMoves * 1.02);
  const branch = await branchCode(ctx);
  const nowMs = Date.parse(ctx.now);
  const todayMs = Math.floor(nowMs / DAY) * DAY;
  const HISTORY_DAYS = historyDaysFor(options.size);
  const day0Ms = todayMs - HISTORY_DAYS * DAY;

  // Ids: UUIDv7 with the row's business time; the random part is this run's tail and a counter.
  const tail = ctx.newId().slice(-12);
  let idSeq = 0;
  const idAt = (ms: number): string => {
    const t = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
    const s = idSeq++;
    if (s >= 2 ** 26) throw new Error('Too many history rows for the id counter');
    return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${((s >>> 14) & 0xfff).toString(16).padStart(3, '0')}-${(0x8000 | (s & 0x3fff)).toString(16)}-${tail}`;
  };
  const meta = (ms: number, updatedMs = ms, version = 1) => ({ id: idAt(ms), branch_id: ctx.branchId, created_at: iso(ms), updated_at: iso(updatedMs), version });

  // --- master data --------------------------------------------------------------------
  await db.updateTable('category').set({ costing_method: 'fifo', removal_strategy: 'fefo', updated_at: ctx.now }).where('name', 'in', FIFO_CATEGORIES).execute();
  const productRows = await db
    .selectFrom('product as p')
    .leftJoin('category as c', 'c.id', 'p.category_id')
    .select(['p.id', 'p.sku', 'p.cost_minor', 'p.list_price_minor', 'p.tracking', 'p.uom_id', 'c.costing_method', 'c.removal_strategy'])
    .where('p.active', '=', 1)
    .execute();
  productRows.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  const boxes = await db
    .selectFrom('uom_conversion as c')
    .innerJoin('uom as u', 'u.id', 'c.from_uom_id')
    .innerJoin('product as p', 'p.id', 'c.product_id')
    .select(['c.product_id', 'c.from_uom_id', 'c.numerator', 'c.denominator'])
    .where('u.code', '=', 'BOX')
    .whereRef('c.to_uom_id', '=', 'p.uom_id')
    .execute();
  const boxOf = new Map(boxes.filter((b) => Number(b.denominator) === 1).map((b) => [b.product_id, { uomId: b.from_uom_id, n: Number(b.numerator) }]));
  const partners = await db.selectFrom('partner').select(['id', 'code', 'kind', 'customer_class', 'region', 'lead_time_days']).where('active', '=', 1).orderBy('code').execute();
  const channelRows = await db.selectFrom('channel').select(['code', 'reservation_priority']).where('active', '=', 1).execute();
  const channelRank = new Map(channelRows.map((c) => [c.code, c.reservation_priority]));
  const adminId = (await db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirst())?.id ?? null;
  const locationRows = await db.selectFrom('location').select(['id', 'warehouse_id', 'parent_id', 'path', 'usage', 'zone']).orderBy('path').execute();
  const warehouseRows = await db.selectFrom('warehouse').select(['id', 'code', 'reception_steps', 'delivery_steps']).where('active', '=', 1).orderBy('code').execute();
  const opRows = await db.selectFrom('operation_type').select(['id', 'warehouse_id', 'code']).execute();
  const customersRaw = partners.filter((p) => p.kind === 'customer');
  const vendorsRaw = partners.filter((p) => p.kind === 'vendor');
  if (productRows.length === 0 || customersRaw.length === 0 || vendorsRaw.length === 0 || warehouseRows.length === 0) {
    throw new Error('Stock history needs products, customers, vendors and a warehouse');
  }

  const locs: Loc[] = locationRows.map((l, idx) => ({ idx, id: l.id, path: l.path, usage: l.usage, zone: l.zone, warehouseId: l.warehouse_id, owned: isOwned(l.usage) }));
  const virtual = (usage: LocationUsage) => {
    const l = locs.find((x) => x.warehouseId === null && x.usage === usage);
    if (!l) throw new Error(`No ${usage} location`);
    return l;
  };
  const lossLoc = virtual('inventory_loss');
  const transitLoc = virtual('transit');
  const OP_KINDS: Record<string, OperationKind> = { IN: 'receipt', QC: 'quality', PUT: 'internal', PICK: 'pick', PACK: 'pack', OUT: 'delivery', INT: 'internal', TOUT: 'transit_out', TIN: 'transit_in' };

  const whs: Wh[] = warehouseRows.map((w, idx) => {
    const root = locationRows.find((l) => l.warehouse_id === w.id && l.usage === 'view');
    const zone = (z: LocationZone) => {
      const l = locs.find((x) => x.warehouseId === w.id && x.zone === z && locationRows[x.idx]!.parent_id === root?.id);
      if (!l) throw new Error(`Warehouse ${w.code} has no ${z} location`);
      return l;
    };
    const stock = zone('stock');
    const bins = locs.filter((l) => locationRows[l.idx]!.parent_id === stock.id && l.usage === 'internal');
    const ops = new Map(opRows.filter((o) => o.warehouse_id === w.id).map((o) => [o.code, o.id]));
    const wh: Wh = { idx, id: w.id, code: w.code, stock, bins: bins.length ? bins : [stock], receipt: [], delivery: [], ops };
    const end = (key: LocationZone | LocationUsage) => (['vendor', 'customer', 'inventory_loss', 'scrap', 'transit'].includes(key) ? virtual(key as LocationUsage) : zone(key as LocationZone));
    const steps = (kind: 'receipt' | 'delivery', n: number): StepDef[] => {
      const defs = flowSteps(kind, n);
      return defs.map((s, i) => ({
        code: s.code,
        kind: OP_KINDS[s.code]!,
        opId: ops.get(s.code)!,
        wh,
        from: end(s.from),
        to: end(s.to),
        window:
          kind === 'receipt'
            ? i === 0
              ? WINDOW.in
              : i === defs.length - 1
                ? WINDOW.put
                : WINDOW.qc
            : i === defs.length - 1
              ? WINDOW.out
              : i === 0
                ? WINDOW.pick
                : WINDOW.pack,
      }));
    };
    wh.receipt = steps('receipt', w.reception_steps);
    wh.delivery = steps('delivery', w.delivery_steps);
    return wh;
  });
  const central = whs[0]!;
  const depot = whs.length > 1 ? whs[1]! : null;
  const transitSteps: StepDef[] | null = depot
    ? [
        { code: 'TOUT', kind: 'transit_out', opId: central.ops.get('TOUT')!, wh: central, from: central.stock, to: transitLoc, window: WINDOW.tout },
        { code: 'TIN', kind: 'transit_in', opId: depot.ops.get('TIN')!, wh: depot, from: transitLoc, to: depot.stock, window: WINDOW.tin },
      ]
    : null;

  // --- calendar -------------------------------------------------------------------------
  const totalDays = HISTORY_DAYS + 60;
  const dayStart = (d: number) => day0Ms + d * DAY;
  const isWork: boolean[] = [];
  const dayWeight: number[] = [];
  const dow: number[] = [];
  const WEEKDAY_FACTOR = [0.12, 1.1, 1.05, 1.0, 1.0, 0.85, 0.2];
  for (let d = 0; d < totalDays; d++) {
    const date = new Date(dayStart(d));
    const wd = date.getUTCDay();
    const md = iso(dayStart(d)).slice(5, 10);
    dow.push(wd);
    isWork.push(wd >= 1 && wd <= 5 && !HOLIDAYS.has(md));
    const doy = Math.floor((dayStart(d) - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY);
    let season = 1 + 0.18 * Math.sin((2 * Math.PI * (doy - 60)) / 365);
    if (md >= '12-20' || md <= '01-02') season *= 0.55;
    dayWeight.push(WEEKDAY_FACTOR[wd]! * season * (HOLIDAYS.has(md) ? 0.3 : 1));
  }
  const nextWork = (d: number) => {
    let x = d;
    while (x < totalDays - 1 && !isWork[x]) x++;
    return x;
  };
  const workDaysAfter = (d: number, n: number) => {
    let x = d;
    for (let i = 0; i < n; i++) x = nextWork(x + 1);
    return x;
  };
  const remainingWeight: number[] = new Array(HISTORY_DAYS + 1).fill(0);
  for (let d = HISTORY_DAYS - 1; d >= 0; d--) remainingWeight[d] = remainingWeight[d + 1]! + dayWeight[d]!;

  // --- customers ------------------------------------------------------------------------
  const CLASS_WEIGHT = { key_account: 6, regular: 1.5, consumer: 0.3 };
  const CLASS_QTY = { key_account: 1.6, regular: 1, consumer: 0.4 };
  const CLASS_DISCOUNT = { key_account: 0.12, regular: 0.05, consumer: 0 };
  const CLASS_CHANNELS: Record<string, [string, number][]> = {
    key_account: [
      ['rep', 0.55],
      ['portal', 0.45],
    ],
    regular: [
      ['portal', 0.45],
      ['rep', 0.35],
      ['ecommerce', 0.2],
    ],
    consumer: [
      ['ecommerce', 0.65],
      ['marketplace', 0.35],
    ],
  };
  const customers: Customer[] = customersRaw.map((c) => {
    const cls = (c.customer_class ?? 'regular') as Customer['cls'];
    const channels = CLASS_CHANNELS[cls]!.filter(([code]) => channelRank.has(code)).map(([code, weight]) => ({ code, weight }));
    return { id: c.id, cls, south: c.region === 'South', channels: channels.length ? channels : [{ code: channelRows[0]?.code ?? 'portal', weight: 1 }], carrier: random.pick(CARRIERS) };
  });
  const customerWeights = customers.map((c) => CLASS_WEIGHT[c.cls] * random.noise(0.9));
  const weekdayCustomers = new Weighted(customerWeights);
  const weekendCustomers = new Weighted(customerWeights.map((w, i) => (customers[i]!.cls === 'consumer' ? w : w * 0.12)));
  const linesPerOrder = (c: Customer, channel: string) =>
    channel === 'marketplace' ? random.count(0.7, 3) : channel === 'ecommerce' ? random.count(0.5, 6) : random.count(c.cls === 'key_account' ? 0.14 : 0.22, 25);
  // Expected quantity multiplier of a line and share of lines shipped from the depot, for planning.
  let qtyMult = 0;
  let southShare = 0;
  let lineWeight = 0;
  for (const [i, c] of customers.entries()) {
    const avgLines = c.cls === 'consumer' ? 1.8 : c.cls === 'key_account' ? 6.5 : 4.5;
    const w = customerWeights[i]! * avgLines;
    qtyMult += w * CLASS_QTY[c.cls];
    if (c.south) southShare += w;
    lineWeight += w;
  }
  qtyMult /= lineWeight;
  southShare /= lineWeight;

  // --- products and vendors -----------------------------------------------------------
  const vendors: Vendor[] = vendorsRaw.map((v, idx) => {
    const orderDays = new Set([1 + (idx % 5)]);
    if (idx % 3 === 0) orderDays.add(1 + ((idx + 2) % 5));
    return { idx, id: v.id, leadDays: Math.max(1, Number(v.lead_time_days ?? 7)), orderDays, drift: 0, products: [] };
  });
  const n = productRows.length;
  // Consumption value is log-normal across products (σ 1.6: the top 20% carry ~80% of it, the
  // top 50% ~95%, so ABC comes out ~20/30/50); popular products are ordered more often, cheap ones in larger quantities.
  // A small history sells each product only a few times; a wider spread keeps A the smallest class there too.
  const sigma = options.size.historyMoves / productRows.length >= 20 ? 1.6 : 1.9;
  const value = productRows.map(() => Math.exp(sigma * random.gauss()));
  const pickWeight = productRows.map((p, i) => Math.pow(value[i]!, 0.6) * Math.pow(2000 / Math.max(1, Number(p.cost_minor)), 0.3));
  const rawQty = productRows.map((p, i) => value[i]! / (pickWeight[i]! * Math.max(1, Number(p.cost_minor))));
  const medianQty = [...rawQty].sort((a, b) => a - b)[n >> 1]!;
  const productPicker = new Weighted(pickWeight);
  /** Minimum stock in order lines: a little more of cheap items, one line of expensive ones. */
  const minCover = (cost: number) => (cost <= 5_000 ? 1.6 : cost <= 20_000 ? 1.3 : 1);
  const products: Prod[] = productRows.map((row, idx) => {
    const tracking = (row.tracking === 'lot' || row.tracking === 'serial' ? row.tracking : 'none') as Prod['tracking'];
    const lineQty = tracking === 'serial' ? 1 : Math.max(1, Math.min(300, Math.round((3 * rawQty[idx]!) / medianQty)));
    // Units a day per order line a day; scaled below once the volume is known.
    const rate = (pickWeight[idx]! * lineQty * (tracking === 'serial' ? 1.2 : qtyMult)) / productPicker.total;
    const fast = pickWeight[idx]! / productPicker.total > 4 / n;
    const inWh2 = depot !== null && (fast || random.chance(0.55));
    const vendor = vendors[(idx * 7 + random.int(0, 2)) % vendors.length]!;
    const binsOf = (wh: Wh) => {
      const home = wh.bins[random.int(0, wh.bins.length - 1)]!;
      if (!fast || wh.bins.length < 2) return [home];
      let other = wh.bins[random.int(0, wh.bins.length - 1)]!;
      if (other === home) other = wh.bins[(home.idx + 1) % wh.bins.length] ?? wh.bins[0]!;
      return home.path < other.path ? [home, other] : [other, home];
    };
    const p: Prod = {
      idx,
      id: row.id,
      sku: row.sku,
      cost: Math.max(1, Number(row.cost_minor)),
      list: Number(row.list_price_minor),
      tracking,
      uomId: row.uom_id,
      box: boxOf.get(row.id) ?? null,
      fifo: row.costing_method === 'fifo',
      fefo: row.removal_strategy === 'fefo',
      lineQty,
      rate: whs.map((w) => (w === depot ? (inWh2 ? rate * southShare : 0) : inWh2 ? rate * (1 - southShare) : rate)),
      demand: whs.map(() => 0),
      minStock: whs.map((w) => (w === depot && !inWh2 ? 0 : Math.ceil(lineQty * minCover(Number(row.cost_minor))))),
      priceFactor: 0.94 + 0.06 * random.noise(0.5),
      vendor,
      inWh2,
      bins: whs.map((w) => binsOf(w)),
      pieces: whs.map(() => []),
      valQty: 0,
      valValue: 0,
      valAt: 0,
      layers: row.costing_method === 'fifo' ? [] : null,
      layerHead: 0,
      onOrder: 0,
      inTransit: 0,
      backlog: whs.map(() => 0),
      lotSeq: 0,
    };
    vendor.products.push(p);
    return p;
  });

  const totalRate = (p: Prod) => p.rate.reduce((a, b) => a + b, 0);

  // Volume: how many order lines a day make the size's moves, from what each line and each
  // replenishment costs in moves (deliveries per step, receipts per step and order size,
  // serial numbers one move each, transfers to the depot); the year then corrects itself.
  const openingMoves0 = products.reduce((m, p) => m + central.receipt.length + (p.inWh2 && depot ? depot.receipt.length : 0), 0);
  const expectedMoves = (linesPerDay: number) => {
    let m = openingMoves0;
    for (const p of products) {
      const share = pickWeight[p.idx]! / productPicker.total;
      const south = p.inWh2 && depot ? southShare : 0;
      const perLine = p.tracking === 'serial' ? 1.2 : 1;
      m += HISTORY_DAYS * linesPerDay * share * perLine * ((1 - south) * central.delivery.length + south * (depot?.delivery.length ?? 0));
      const units = linesPerDay * totalRate(p);
      const receiptLines = p.tracking === 'serial' ? units : units / Math.max(units * 14, p.lineQty * 2);
      m += HISTORY_DAYS * receiptLines * central.receipt.length;
      if (south > 0) {
        const r2 = units * south;
        m += Math.min((HISTORY_DAYS * 2) / 7, (HISTORY_DAYS * r2) / Math.max(r2 * 8, p.minStock[depot!.idx]!)) * 2;
      }
    }
    return m * 1.08; // partial shipments leave backorders; lots and bins split lines
  };
  let lo = 0.01;
  let hi = 100_000;
  for (let i = 0; i < 60; i++) {
    const mid = Math.sqrt(lo * hi);
    if (expectedMoves(mid) < target) lo = mid;
    else hi = mid;
  }
  const linesPerDayPlan = lo;
  const movesPerLinePlan = (expectedMoves(lo) - openingMoves0) / (lo * HISTORY_DAYS);
  for (const p of products) p.rate = p.rate.map((r) => r * linesPerDayPlan);
  /** The planners' forecast: a moving average (about two months) of what was ordered. */
  const learnDemand = () => {
    for (const p of products) {
      for (let i = 0; i < whs.length; i++) {
        p.rate[i]! += (p.demand[i]! - p.rate[i]!) / 60;
        p.demand[i] = 0;
      }
    }
  };

  // --- writers and the ledger ----------------------------------------------------------
  const w = {
    lot: new TableWriter('lot', 8, ctx.dialect),
    transfer: new TableWriter('transfer', 31, ctx.dialect),
    line: new TableWriter('transfer_line', 18, ctx.dialect),
    move: new TableWriter('stock_move', 18, ctx.dialect),
    count: new TableWriter('cycle_count', 13, ctx.dialect),
    countLine: new TableWriter('count_line', 13, ctx.dialect),
  };
  const writers = [w.lot, w.transfer, w.line, w.move, w.count, w.countLine];
  /** Writes what is buffered, parents before children; only between days, when every document of the day is complete. */
  const flushAll = async () => {
    for (const t of writers) await t.flush(db);
  };
  const buffered = () => writers.reduce((sum, t) => sum + t.size, 0);
  const series = new Map<string, { next: number; first: number; last: number }>();
  const takeNumber = (prefix: string, ms: number) => {
    let s = series.get(prefix);
    if (!s) {
      s = { next: 1, first: ms, last: ms };
      series.set(prefix, s);
    }
    const number = `${prefix}${pad(s.next, 6)}`;
    s.next++;
    s.last = Math.max(s.last, ms);
    return number;
  };

  const levels = new Map<number, Level>();
  const keySpan = products.length * locs.length;
  const level = (p: Prod, loc: Loc, lot: Lot | null, delta: number, ms: number) => {
    const key = (lot ? lot.idx + 1 : 0) * keySpan + loc.idx * products.length + p.idx;
    let l = levels.get(key);
    if (!l) {
      l = { p, loc, lot, onHand: 0, at: ms };
      levels.set(key, l);
    }
    l.onHand += delta;
    l.at = ms;
    if (l.onHand < 0 && loc.usage === 'internal') throw new Error(`History would take ${p.sku} below zero at ${loc.path}`);
  };
  const averageCost = (p: Prod) => (p.valQty > 0 ? prorate(p.valValue, 1, p.valQty) : p.cost);
  /** Value of stock leaving the company, exactly as the ledger computes it. */
  const valueOut = (p: Prod, qty: number, ms: number): number => {
    if (p.layers) {
      let left = qty;
      let out = 0;
      for (let i = p.layerHead; i < p.layers.length && left > 0; i++) {
        const layer = p.layers[i]!;
        if (layer.qty <= 0) continue;
        const take = Math.min(left, layer.qty);
        const takeValue = take === layer.qty ? layer.value : prorate(layer.value, take, layer.qty);
        layer.qty -= take;
        layer.value -= takeValue;
        layer.updatedMs = ms;
        out += takeValue;
        left -= take;
      }
      while (p.layerHead < p.layers.length && p.layers[p.layerHead]!.qty <= 0) p.layerHead++;
      return out + left * p.cost;
    }
    if (p.valQty <= 0) return qty * p.cost;
    if (qty >= p.valQty) return p.valValue + (qty - p.valQty) * p.cost;
    return prorate(p.valValue, qty, p.valQty);
  };
  let moveCount = 0;
  /** One ledger row, valued and summarized as postMoves would. */
  const post = (p: Prod, qty: number, from: Loc, to: Loc, lot: Lot | null, ms: number, ref: { reference: string; transferId: string | null; lineId: string | null; reason?: string }, unitCostIn?: number) => {
    const entering = !from.owned && to.owned;
    const leaving = from.owned && !to.owned;
    const id = idAt(ms);
    let unit: number;
    let val: number;
    if (entering) {
      unit = unitCostIn ?? averageCost(p);
      val = unit * qty;
      p.valQty += qty;
      p.valValue += val;
      p.valAt = ms;
      if (p.layers) p.layers.push({ id: idAt(ms), moveId: id, createdMs: ms, updatedMs: ms, qty, value: val });
    } else if (leaving) {
      const out = valueOut(p, qty, ms);
      val = -out;
      unit = prorate(out, 1, qty);
      p.valQty -= qty;
      p.valValue -= out;
      p.valAt = ms;
    } else {
      unit = averageCost(p);
      val = 0;
    }
    level(p, from, lot, -qty, ms);
    level(p, to, lot, qty, ms);
    const at = iso(ms);
    w.move.add({
      id,
      branch_id: ctx.branchId,
      created_at: at,
      updated_at: at,
      version: 1,
      product_id: p.id,
      quantity: qty,
      from_location_id: from.id,
      to_location_id: to.id,
      lot_id: lot?.id ?? null,
      moved_at: at,
      reference: ref.reference,
      transfer_id: ref.transferId,
      transfer_line_id: ref.lineId,
      unit_cost_minor: unit,
      value_minor: val,
      reversal_of_id: null,
      reason: ref.reason ?? null,
    });
    moveCount++;
  };

  // --- stock in bins -------------------------------------------------------------------
  let lotIdx = 0;
  const newLot = (p: Prod, name: string, ms: number, expiry: string | null): Lot => {
    const lot: Lot = { idx: lotIdx++, id: idAt(ms), name, expiry, createdMs: ms };
    w.lot.add({ ...meta(ms), id: lot.id, product_id: p.id, name, expiry_date: expiry });
    return lot;
  };
  const stockOf = (p: Prod, wh: Wh) => {
    let s = 0;
    for (const piece of p.pieces[wh.idx]!) s += piece.qty;
    return s;
  };
  const pieceOrder = (p: Prod) => (a: Piece, b: Piece) => {
    if (p.fefo) {
      const ea = a.lot?.expiry ?? '9999';
      const eb = b.lot?.expiry ?? '9999';
      if (ea !== eb) return ea < eb ? -1 : 1;
    }
    const la = a.lot?.createdMs ?? 0;
    const lb = b.lot?.createdMs ?? 0;
    if (la !== lb) return la - lb;
    return a.loc.path < b.loc.path ? -1 : a.loc.path > b.loc.path ? 1 : 0;
  };
  /** Takes up to `qty` from a warehouse's bins in removal order (FEFO, oldest lot, path). */
  const take = (p: Prod, wh: Wh, qty: number): Piece[] => {
    const pieces = p.pieces[wh.idx]!;
    if (pieces.length > 1) pieces.sort(pieceOrder(p));
    const out: Piece[] = [];
    let left = qty;
    while (left > 0 && pieces.length > 0) {
      const first = pieces[0]!;
      const t = Math.min(left, first.qty);
      out.push({ loc: first.loc, lot: first.lot, qty: t });
      first.qty -= t;
      left -= t;
      if (first.qty === 0) pieces.shift();
    }
    return out;
  };
  const put = (p: Prod, wh: Wh, loc: Loc, lot: Lot | null, qty: number) => {
    const pieces = p.pieces[wh.idx]!;
    const same = pieces.find((x) => x.loc === loc && x.lot === lot);
    if (same) same.qty += qty;
    else pieces.push({ loc, lot, qty });
  };
  const putAwayBin = (p: Prod, wh: Wh): Loc => {
    const bins = p.bins[wh.idx]!;
    if (bins.length === 1) return bins[0]!;
    const at = (b: Loc) => p.pieces[wh.idx]!.reduce((s, x) => s + (x.loc === b ? x.qty : 0), 0);
    return at(bins[1]!) < at(bins[0]!) ? bins[1]! : bins[0]!;
  };

  // --- documents -----------------------------------------------------------------------
  let transferCount = 0;
  const newChain = (steps: StepDef[], ms: number, lineCount: number, fields: Omit<Chain, 'steps' | 'ids' | 'lineIds' | 'numbers' | 'createdMs' | 'lines' | 'doneMs'>): Chain => ({
    ...fields,
    steps,
    ids: steps.map(() => idAt(ms)),
    lineIds: steps.map(() => Array.from({ length: lineCount }, () => idAt(ms))),
    numbers: null,
    createdMs: ms,
    lines: [],
    doneMs: [],
  });
  /** Numbers a chain when it is first worked on (gapless per series, in processing order). */
  const numberChain = (c: Chain, ms: number) => {
    if (c.numbers) return c.numbers;
    c.numbers = c.steps.map((s, i) => takeNumber(c.prefixes?.[i] ?? `${branch}-${s.wh.code}-${s.code}-${yearOf(ms)}-`, ms));
    return c.numbers;
  };
  /** Writes a chain's transfers and lines: done where something was done, else cancelled. */
  const writeChain = (c: Chain, cancelMs?: number) => {
    const numbers = numberChain(c, cancelMs ?? c.doneMs[0] ?? c.createdMs);
    const transfers: Row[] = [];
    const lines: Row[] = [];
    c.steps.forEach((s, i) => {
      const anyDone = c.lines.some((l) => l.done > 0);
      const state: TransferState = anyDone && cancelMs === undefined ? 'done' : 'cancelled';
      const doneMs = state === 'done' ? c.doneMs[i]! : null;
      const updated = doneMs ?? cancelMs ?? c.createdMs;
      transfers.push({
        id: c.ids[i]!,
        branch_id: ctx.branchId,
        created_at: iso(c.createdMs),
        updated_at: iso(updated),
        version: 2,
        number: numbers[i]!,
        operation_type_id: s.opId,
        warehouse_id: s.wh.id,
        kind: s.kind,
        state,
        from_location_id: s.from.id,
        to_location_id: s.to.id,
        partner_id: c.partnerId,
        origin: c.origin,
        channel_code: c.channel,
        priority_rank: c.rank,
        promised_date: c.promisedMs === null ? null : iso(c.promisedMs),
        order_date: c.orderMs === null ? null : iso(c.orderMs),
        scheduled_date: iso(c.scheduledMs),
        shipping_policy: 'asap',
        carrier: c.carrier,
        carrier_cutoff: c.cutoffMs === null ? null : iso(c.cutoffMs),
        order_value_minor: c.valueMinor,
        backorder_of_id: c.backorderOf?.[i] ?? null,
        linked_transfer_id: c.ids[i + 1] ?? null,
        wave_id: null,
        backorder_reason: null,
        done_at: doneMs === null ? null : iso(doneMs),
      });
      c.lines.forEach((l, j) => {
        const done = state === 'done' && l.done > 0;
        lines.push({
          id: c.lineIds[i]![j]!,
          branch_id: ctx.branchId,
          created_at: iso(c.createdMs),
          updated_at: iso(updated),
          version: 1,
          transfer_id: c.ids[i]!,
          line_no: j + 1,
          product_id: l.p.id,
          uom_id: l.uomId,
          uom_quantity: l.uomQty,
          quantity: done ? l.done : l.qty,
          quantity_done: done ? l.done : 0,
          from_location_id: s.from.id,
          to_location_id: s.to.id,
          state: done ? 'done' : 'cancelled',
          unit_cost_minor: l.unitCost,
          origin_line_id: i > 0 ? c.lineIds[i - 1]![j]! : null,
          // Set for the whole history at the end, from origin_line_id (as linkSteps does after inserting).
          next_line_id: null,
        });
      });
    });
    // Last step first: each transfer's linked_transfer_id then names a row already written.
    for (let i = transfers.length - 1; i >= 0; i--) w.transfer.add(transfers[i]!);
    for (const l of lines) w.line.add(l);
    transferCount += transfers.length;
  };
  /** Posts the moves of step `i` of a chain: from the pieces' bins (first step out of stock), to bins (last step into stock). */
  const postStep = (c: Chain, i: number, ms: number, into: { wh: Wh } | null) => {
    const s = c.steps[i]!;
    const numbers = numberChain(c, ms);
    c.doneMs[i] = ms;
    const last = i === c.steps.length - 1;
    c.lines.forEach((l, j) => {
      const ref = { reference: numbers[i]!, transferId: c.ids[i]!, lineId: c.lineIds[i]![j]! };
      for (const piece of l.pieces) {
        const from = i === 0 && s.from.usage === 'internal' ? piece.loc : s.from;
        const to = last && s.to.usage === 'internal' ? piece.loc : s.to;
        post(l.p, piece.qty, from, to, piece.lot, ms, ref, i === 0 && !s.from.owned ? (l.unitCost ?? undefined) : undefined);
        if (last && into && to.usage === 'internal') put(l.p, into.wh, to, piece.lot, piece.qty);
      }
    });
  };
  const phaseTime = (d: number, win: Window, i: number, count: number) => dayStart(d) + win[0] * MINUTE + Math.floor(((win[1] - win[0]) * MINUTE * i) / Math.max(1, count));

  // --- purchasing ----------------------------------------------------------------------
  let pendingReceipts: Receipt[] = [];
  const purchasePrice = (p: Prod, d: number) => Math.max(1, Math.round(p.cost * p.priceFactor * (1 + (0.04 * d) / 365) * Math.exp(p.vendor.drift)));
  const orderFrom = (vendor: Vendor, wh: Wh, lines: { p: Prod; qty: number }[], d: number, ms: number, arrivalDay: number, expectedDay: number) => {
    if (lines.length === 0) return;
    const po = takeNumber(`${branch}-PO-${yearOf(ms)}-`, ms);
    for (let k = 0; k < lines.length; k += MAX_LINES_PER_TRANSFER) {
      const chunk = lines.slice(k, k + MAX_LINES_PER_TRANSFER);
      const chainLines: ChainLine[] = chunk.map(({ p, qty }) => {
        const box = p.box && qty >= p.box.n ? p.box : null;
        const uomQty = box ? Math.ceil(qty / box.n) : qty;
        const units = box ? uomQty * box.n : qty;
        p.onOrder += units;
        return { p, uomId: box ? box.uomId : p.uomId, uomQty, qty: units, done: 0, unitCost: purchasePrice(p, d), pieces: [] };
      });
      const expectedMs = dayStart(expectedDay) + 9 * 60 * MINUTE;
      const chain = newChain(wh.receipt, ms, chainLines.length, {
        partnerId: vendor.id,
        origin: po,
        channel: null,
        rank: 100,
        promisedMs: expectedMs,
        orderMs: ms,
        scheduledMs: expectedMs,
        carrier: null,
        cutoffMs: null,
        valueMinor: chainLines.reduce((s, l) => s + l.qty * (l.unitCost ?? 0), 0),
        backorderOf: null,
        prefixes: null,
      });
      chain.lines = chainLines;
      pendingReceipts.push({ ...chain, wh, arrivalDay, expectedDay, vendor, po });
    }
  };
  const receive = (d: number) => {
    const arriving = pendingReceipts.filter((r) => r.arrivalDay === d);
    if (arriving.length === 0) return;
    pendingReceipts = pendingReceipts.filter((r) => r.arrivalDay !== d);
    // The first step brings stock in (lots are born here), the next ones move it to the bins.
    const maxSteps = Math.max(...arriving.map((r) => r.steps.length));
    for (let i = 0; i < maxSteps; i++) {
      const batch = arriving.filter((r) => i < r.steps.length);
      batch.forEach((r, k) => {
        const ms = phaseTime(d, r.steps[i]!.window, k, batch.length);
        if (i === 0) {
          for (const l of r.lines) {
            l.done = l.qty;
            l.p.onOrder -= l.qty;
            const bin = putAwayBin(l.p, r.wh);
            if (l.p.tracking === 'lot') {
              const expiry = l.p.fefo ? isoDate(ms + random.int(365, 900) * DAY) : null;
              l.pieces = [{ loc: bin, lot: newLot(l.p, `L${iso(ms).slice(2, 10).replace(/-/g, '')}-${pad(++l.p.lotSeq, 3)}`, ms, expiry), qty: l.qty }];
            } else if (l.p.tracking === 'serial') {
              l.pieces = Array.from({ length: l.qty }, () => ({ loc: bin, lot: newLot(l.p, `SN-${l.p.sku}-${pad(++l.p.lotSeq, 5)}`, ms, null), qty: 1 }));
            } else {
              l.pieces = [{ loc: bin, lot: null, qty: l.qty }];
            }
          }
        }
        postStep(r, i, ms, { wh: r.wh });
      });
    }
    for (const r of arriving) writeChain(r);
  };
  const plan = (d: number) => {
    const ms = dayStart(d) + WINDOW.po[0] * MINUTE;
    for (const v of vendors) {
      if (!v.orderDays.has(dow[d]!)) continue;
      const lines: { p: Prod; qty: number }[] = [];
      for (const p of v.products) {
        let position = p.onOrder + p.inTransit;
        for (const wh of whs) position += stockOf(p, wh) - p.backlog[wh.idx]!;
        const rate = totalRate(p);
        const rop = rate * (v.leadDays + 7 + 5) + p.minStock.reduce((a, b) => a + b, 0);
        if (position > rop) continue;
        const upTo = rop + Math.max(rate * 14, p.lineQty * 2);
        const qty = Math.ceil(upTo - position);
        if (qty > 0) lines.push({ p, qty: p.tracking === 'serial' ? Math.max(2, Math.min(qty, 40)) : qty });
      }
      const late = random.chance(0.12) ? random.int(1, 4) : 0;
      const expectedDay = workDaysAfter(d, Math.max(1, Math.round((v.leadDays * 5) / 7)));
      orderFrom(v, central, lines, d, ms, nextWork(expectedDay + late), expectedDay);
    }
  };

  // --- customer demand ------------------------------------------------------------------
  let pending: Demand[] = [];
  let demandSeq = 0;
  let orderLines = 0;
  /** Orders of day `d` until `lineBudget` lines are ordered; returns the lines ordered. */
  const createOrders = (d: number, lineBudget: number, latestMs = Infinity): number => {
    const orders: { c: Customer; ms: number; channel: string; lines: { p: Prod; qty: number }[] }[] = [];
    const weekend = !isWork[d];
    let made = 0;
    while (made < lineBudget) {
      const c = customers[(weekend ? weekendCustomers : weekdayCustomers).pick(random)]!;
      let channel = c.channels[new Weighted(c.channels.map((x) => x.weight)).pick(random)]!.code;
      if (weekend && channel === 'rep') channel = channelRank.has('portal') ? 'portal' : channel;
      const count = Math.min(linesPerOrder(c, channel), n);
      const seen = new Set<Prod>();
      const lines: { p: Prod; qty: number }[] = [];
      for (let tries = 0; lines.length < count && tries < count * 4; tries++) {
        const p = products[productPicker.pick(random)]!;
        if (seen.has(p)) continue;
        seen.add(p);
        const qty = p.tracking === 'serial' ? random.int(1, c.cls === 'key_account' ? 3 : 1) : Math.max(1, Math.round(p.lineQty * CLASS_QTY[c.cls] * random.noise(0.4)));
        lines.push({ p, qty });
      }
      made += lines.length;
      const minute = weekend ? random.int(8 * 60, 22 * 60) : Math.min(19 * 60, Math.max(7 * 60, Math.round(10 * 60 + 110 * random.gauss())));
      orders.push({ c, ms: Math.max(dayStart(d), Math.min(latestMs, dayStart(d) + minute * MINUTE + random.int(0, 59) * 1000)), channel, lines });
    }
    orders.sort((a, b) => a.ms - b.ms);
    for (const o of orders) {
      const minute = (o.ms - dayStart(d)) / MINUTE;
      const dueDay = isWork[d] && minute < ORDER_CUTOFF ? d : nextWork(d + 1);
      const so = takeNumber(`${branch}-SO-${yearOf(o.ms)}-`, o.ms);
      const b2b = o.channel === 'rep' || o.channel === 'portal';
      const promisedMs = dayStart(workDaysAfter(dueDay, b2b ? 1 : 2)) + 17 * 60 * MINUTE;
      const parts = new Map<Wh, { p: Prod; qty: number }[]>();
      for (const l of o.lines) {
        const wh = o.c.south && depot && l.p.inWh2 ? depot : central;
        parts.set(wh, [...(parts.get(wh) ?? []), l]);
      }
      const valueMinor = Math.round(o.lines.reduce((s, l) => s + l.qty * l.p.list, 0) * (1 - CLASS_DISCOUNT[o.c.cls]));
      for (const [wh, lines] of parts) {
        const carrier = wh === central ? o.c.carrier : o.c.carrier === 'Own fleet' ? 'Own fleet' : 'UPS';
        const chain = newChain(wh.delivery, o.ms, lines.length, {
          partnerId: o.c.id,
          origin: so,
          channel: o.channel,
          rank: channelRank.get(o.channel) ?? 100,
          promisedMs,
          orderMs: o.ms,
          scheduledMs: dayStart(dueDay) + PICK_START * MINUTE,
          carrier,
          cutoffMs: dayStart(dueDay) + 16 * 60 * MINUTE,
          valueMinor,
          backorderOf: null,
          prefixes: null,
        });
        chain.lines = lines.map(({ p, qty }) => ({ p, uomId: p.uomId, uomQty: qty, qty, done: 0, unitCost: null, pieces: [] }));
        for (const { p, qty } of lines) {
          p.backlog[wh.idx]! += qty;
          p.demand[wh.idx]! += qty;
        }
        pending.push({ ...chain, seq: demandSeq++, wh, customer: o.c, dueDay, createdDay: d, so });
        orderLines += lines.length;
      }
    }
    return made;
  };
  const byPriority = (a: Demand, b: Demand) => a.rank - b.rank || (a.promisedMs ?? 0) - (b.promisedMs ?? 0) || (a.orderMs ?? 0) - (b.orderMs ?? 0) || a.createdMs - b.createdMs || a.seq - b.seq;
  const ship = (d: number) => {
    const due = pending.filter((x) => x.dueDay <= d).sort(byPriority);
    if (due.length === 0) return;
    const shipped: Demand[] = [];
    const waiting = new Set<Demand>();
    for (const dem of due) {
      let any = false;
      for (const l of dem.lines) {
        const got = Math.min(l.qty, stockOf(l.p, dem.wh));
        l.done = got;
        l.pieces = got > 0 ? take(l.p, dem.wh, got) : [];
        if (got > 0) any = true;
      }
      if (any) shipped.push(dem);
      else waiting.add(dem);
    }
    pending = pending.filter((x) => x.dueDay > d || waiting.has(x));
    shipped.forEach((dem, k) => {
      const ms = phaseTime(d, dem.steps[0]!.window, k, shipped.length);
      numberChain(dem, ms);
      for (const l of dem.lines) l.p.backlog[dem.wh.idx]! -= l.done;
      const left = dem.lines.filter((l) => l.done < l.qty);
      if (left.length === 0) return;
      // What could not ship waits as a backorder in the same series, for the next working day.
      const bo = newChain(dem.steps, ms, left.length, {
        partnerId: dem.partnerId,
        origin: dem.origin,
        channel: dem.channel,
        rank: dem.rank,
        promisedMs: dem.promisedMs,
        orderMs: dem.orderMs,
        scheduledMs: dem.scheduledMs,
        carrier: dem.carrier,
        cutoffMs: dem.cutoffMs,
        valueMinor: dem.valueMinor,
        backorderOf: dem.ids,
        prefixes: dem.numbers!.map((x) => x.replace(/\d+$/, '')),
      });
      bo.lines = left.map((l) => ({ p: l.p, uomId: l.uomId, uomQty: l.qty - l.done, qty: l.qty - l.done, done: 0, unitCost: null, pieces: [] }));
      pending.push({ ...bo, seq: demandSeq++, wh: dem.wh, customer: dem.customer, dueDay: nextWork(d + 1), createdDay: d, so: dem.so });
    });
    // Step by step, in the same order: pick, (pack,) ship.
    const maxSteps = Math.max(...shipped.map((x) => x.steps.length), 0);
    for (let i = 0; i < maxSteps; i++) {
      shipped.forEach((dem, k) => {
        if (i < dem.steps.length) postStep(dem, i, phaseTime(d, dem.steps[i]!.window, k, shipped.length), null);
      });
    }
    for (const dem of shipped) writeChain(dem);
  };
  const cancelOld = (d: number, maxAgeDays: number) => {
    const old = pending.filter((x) => d - x.createdDay > maxAgeDays);
    if (old.length === 0) return;
    pending = pending.filter((x) => d - x.createdDay <= maxAgeDays);
    old.sort(byPriority).forEach((dem, k) => {
      for (const l of dem.lines) {
        l.p.backlog[dem.wh.idx]! -= l.qty;
        l.done = 0;
      }
      writeChain(dem, Math.max(dem.createdMs + 30 * MINUTE, phaseTime(Math.min(d, HISTORY_DAYS - 1), WINDOW.cancel, k, old.length)));
    });
  };

  // --- inter-warehouse replenishment ---------------------------------------------------
  let transits: Transit[] = [];
  const replenish = (d: number) => {
    if (!depot || !transitSteps) return;
    const arrivalDay = nextWork(d + 1);
    if (arrivalDay >= HISTORY_DAYS) return; // today's transfer in transit is made through the engine
    const lines: { p: Prod; qty: number }[] = [];
    for (const p of products) {
      if (!p.inWh2) continue;
      const position = stockOf(p, depot) + p.inTransit - p.backlog[depot.idx]!;
      const r2 = p.rate[depot.idx]!;
      if (position > r2 * 6 + p.minStock[depot.idx]! && p.backlog[depot.idx]! === 0) continue;
      const want = Math.ceil(r2 * 14 + p.minStock[depot.idx]! - position);
      const free = stockOf(p, central) - p.backlog[central.idx]!;
      const qty = Math.min(want, free);
      if (qty > 0) lines.push({ p, qty });
    }
    const ms = dayStart(d) + WINDOW.tout[0] * MINUTE;
    for (let k = 0; k < lines.length; k += MAX_LINES_PER_TRANSFER) {
      const chunk = lines.slice(k, k + MAX_LINES_PER_TRANSFER);
      const fields = { partnerId: null, origin: `Replenishment ${depot.code} ${isoDate(ms)}`, channel: null, rank: 50, promisedMs: null, orderMs: null, scheduledMs: ms, carrier: null, cutoffMs: null, valueMinor: 0, backorderOf: null, prefixes: null };
      const out = newChain([transitSteps[0]!], ms, chunk.length, fields);
      const inbound = newChain([transitSteps[1]!], ms, chunk.length, fields);
      inbound.lineIds = [out.lineIds[0]!.map(() => idAt(ms))];
      out.lines = chunk.map(({ p, qty }) => ({ p, uomId: p.uomId, uomQty: qty, qty, done: qty, unitCost: null, pieces: take(p, central, qty) }));
      inbound.lines = out.lines.map((l) => ({ ...l }));
      const tout = phaseTime(d, WINDOW.tout, k, lines.length);
      postStep(out, 0, tout, null);
      for (const l of out.lines) l.p.inTransit += l.qty;
      const t: Transit = { out, inbound, arrivalDay };
      transits.push(t);
      numberChain(inbound, tout);
      inbound.doneMs = [phaseTime(arrivalDay, WINDOW.tin, k, lines.length)];
      writeTransit(t);
    }
  };
  /** An outbound and its inbound transfer, linked step to step like the engine's inter-warehouse transfer. */
  const writeTransit = (t: Transit) => {
    const joined: Chain = { ...t.out, steps: [t.out.steps[0]!, t.inbound.steps[0]!], ids: [t.out.ids[0]!, t.inbound.ids[0]!], lineIds: [t.out.lineIds[0]!, t.inbound.lineIds[0]!], numbers: [t.out.numbers![0]!, t.inbound.numbers![0]!], doneMs: [t.out.doneMs[0]!, t.inbound.doneMs[0]!] };
    writeChain(joined);
  };
  const arrive = (d: number) => {
    const arriving = transits.filter((t) => t.arrivalDay === d);
    if (arriving.length === 0 || !depot) return;
    transits = transits.filter((t) => t.arrivalDay !== d);
    for (const t of arriving) {
      const ms = t.inbound.doneMs[0]!;
      t.inbound.lines.forEach((l, j) => {
        const ref = { reference: t.inbound.numbers![0]!, transferId: t.inbound.ids[0]!, lineId: t.inbound.lineIds[0]![j]! };
        const bin = putAwayBin(l.p, depot);
        for (const piece of l.pieces) {
          post(l.p, piece.qty, transitLoc, bin, piece.lot, ms, ref);
          put(l.p, depot, bin, piece.lot, piece.qty);
        }
        l.p.inTransit -= l.qty;
      });
    }
  };

  // --- cycle counts ---------------------------------------------------------------------
  let countCount = 0;
  const binCursor = whs.map(() => 0);
  const count = (d: number, wh: Wh) => {
    const bin = wh.bins[binCursor[wh.idx]!++ % wh.bins.length]!;
    const rows = [...levels.values()].filter((l) => l.loc === bin && l.onHand > 0).sort((a, b) => (a.p.sku < b.p.sku ? -1 : a.p.sku > b.p.sku ? 1 : (a.lot?.name ?? '') < (b.lot?.name ?? '') ? -1 : 1));
    if (rows.length === 0) return;
    const createdMs = dayStart(d) + WINDOW.count[0] * MINUTE;
    const postedMs = dayStart(d) + WINDOW.count[1] * MINUTE;
    const number = takeNumber(`${branch}-${wh.code}-CNT-${yearOf(createdMs)}-`, createdMs);
    const countId = idAt(createdMs);
    let needsApproval = false;
    const lines = rows.map((l) => {
      let counted = l.onHand;
      let reason: string | null = null;
      if (!l.lot && random.chance(0.015)) {
        const size = Math.max(1, Math.round(l.onHand * 0.02 * random.next()));
        if (random.chance(0.65)) {
          counted = Math.max(0, l.onHand - size);
          reason = random.pick(['damaged', 'not found', 'miscount', 'broken packaging']);
        } else {
          counted = l.onHand + size;
          reason = random.pick(['found on shelf', 'miscount', 'unrecorded return']);
        }
      }
      const unitCost = averageCost(l.p);
      const variance = counted - l.onHand;
      if (variance !== 0 && (Math.abs(variance * unitCost) > 500_00 || (Math.abs(variance) * 100) / l.onHand > 5)) needsApproval = true;
      return { l, expected: l.onHand, counted, reason, unitCost, variance };
    });
    w.count.add({ ...meta(createdMs, postedMs, 1), id: countId, number, warehouse_id: wh.id, location_id: bin.id, state: 'posted', scheduled_date: iso(dayStart(d) + 7 * 60 * MINUTE), abc_class: null, approved_by: needsApproval ? adminId : null, posted_at: iso(postedMs) });
    lines.forEach((x, k) => {
      w.countLine.add({ ...meta(createdMs, postedMs), count_id: countId, product_id: x.l.p.id, location_id: bin.id, lot_key: x.l.lot?.id ?? '', expected_quantity: x.expected, counted_quantity: x.counted, unit_cost_minor: x.unitCost, reason: x.reason });
      if (x.variance === 0) return;
      const ms = phaseTime(d, WINDOW.count, k, lines.length);
      const ref = { reference: number, transferId: null, lineId: null, reason: `Cycle count ${number}${x.reason ? `: ${x.reason}` : ''}` };
      if (x.variance < 0) {
        const pieces = x.l.p.pieces[wh.idx]!;
        const piece = pieces.find((pc) => pc.loc === bin && pc.lot === null)!;
        piece.qty += x.variance;
        if (piece.qty === 0) pieces.splice(pieces.indexOf(piece), 1);
        post(x.l.p, -x.variance, bin, lossLoc, null, ms, ref);
      } else {
        post(x.l.p, x.variance, lossLoc, bin, null, ms, ref, x.unitCost);
        put(x.l.p, wh, bin, null, x.variance);
      }
    });
    countCount++;
  };

  // --- the year, day by day -------------------------------------------------------------
  const report = (done: number) => options.onProgress?.(Math.min(done, target), target);
  report(0);
  const firstDay = nextWork(0);
  const openMs = dayStart(firstDay) + 6 * 60 * MINUTE;
  // Opening stock: the central warehouse holds a few weeks of demand, the depot ~ two weeks.
  for (const v of vendors) {
    const lines = v.products.map((p) => ({ p, qty: Math.ceil(totalRate(p) * (v.leadDays + 20)) + p.minStock[central.idx]! }));
    orderFrom(v, central, lines, firstDay, openMs, firstDay, firstDay);
    if (depot) {
      const depotLines = v.products.filter((p) => p.inWh2).map((p) => ({ p, qty: Math.ceil(p.rate[depot.idx]! * 12) + p.minStock[depot.idx]! }));
      orderFrom(v, depot, depotLines, firstDay, openMs, firstDay, firstDay);
    }
  }

  let openingMoves = 0;
  let lastReport = 0;
  let lineCarry = 0;
  const plannedLinesPerWeight = (linesPerDayPlan * HISTORY_DAYS) / remainingWeight[0]!;
  for (let d = 0; d < HISTORY_DAYS; d++) {
    // Lines to order today: what is left of the move budget, spread by the calendar's weights,
    // at the moves per line measured so far (starting from a guess); never less than half the
    // plan, so that the whole year trades even where the guess was off.
    const movesPerLine = Math.min(3 * movesPerLinePlan, Math.max(movesPerLinePlan / 3, (moveCount - openingMoves + movesPerLinePlan * 500) / (orderLines + 500)));
    const budget = Math.max(0, target - moveCount);
    const adaptive = ((budget / remainingWeight[d]!) * dayWeight[d]!) / movesPerLine;
    // Orders come whole: what one day orders beyond its share is taken from the next days'.
    const lines = Math.max(adaptive, 0.5 * plannedLinesPerWeight * dayWeight[d]!) * random.noise(0.12) - lineCarry;
    lineCarry = (lines > 0 ? createOrders(d, lines) : 0) - lines;
    if (isWork[d]) {
      for (const v of vendors) if (dow[d] === 1) v.drift = 0.9 * v.drift + 0.012 * random.gauss();
      receive(d);
      if (d === firstDay) openingMoves = moveCount;
      arrive(d);
      ship(d);
      if (dow[d] === 1 || dow[d] === 4) replenish(d);
      plan(d);
      if (d % 10 === 3) count(d, central);
      if (depot && d % 10 === 8) count(d, depot);
      cancelOld(d, CANCEL_AFTER_DAYS);
    }
    learnDemand();
    if (buffered() >= 20_000) await flushAll();
    if (moveCount - lastReport >= target / 100) {
      lastReport = moveCount;
      report(moveCount);
    }
  }

  // --- what is still open today ---------------------------------------------------------
  // Old waits are cancelled in history; the most urgent of the rest become today's open deliveries.
  cancelOld(HISTORY_DAYS, 14);
  // A demo shows a morning's orders even when the history is small: top up with orders placed today.
  for (let guard = 0; pending.length < MIN_OPEN_DELIVERIES && guard < 50; guard++) createOrders(HISTORY_DAYS, 3, nowMs - MINUTE);
  // Today's book: the orders due now first, then the backorders still waiting (a third at most).
  pending.sort(byPriority);
  const fresh = pending.filter((x) => !x.backorderOf);
  const waitingBackorders = pending.filter((x) => x.backorderOf);
  const backorderRoom = Math.max(MAX_OPEN_DELIVERIES / 3, MAX_OPEN_DELIVERIES - fresh.length);
  const openDemands = [...fresh.slice(0, MAX_OPEN_DELIVERIES), ...waitingBackorders.slice(0, backorderRoom)].slice(0, MAX_OPEN_DELIVERIES);
  const chosen = new Set(openDemands);
  const dropped = pending.filter((x) => !chosen.has(x));
  dropped.forEach((dem, k) => {
    for (const l of dem.lines) l.p.backlog[dem.wh.idx]! -= l.qty;
    writeChain(dem, Math.max(dem.createdMs + 30 * MINUTE, phaseTime(HISTORY_DAYS - 1, WINDOW.cancel, k, dropped.length)));
  });
  // And purchase orders on their way: if none happen to be, the buyer ordered yesterday.
  if (pendingReceipts.length === 0) {
    const last = HISTORY_DAYS - 1;
    for (const v of vendors.filter((x) => x.products.length > 0).slice(0, 2)) {
      const lines = [...v.products].sort((a, b) => stockOf(a, central) - stockOf(b, central) || a.idx - b.idx).slice(0, 5).map((p) => ({ p, qty: Math.max(p.lineQty * 2, Math.ceil(totalRate(p) * 14)) }));
      const expectedDay = workDaysAfter(HISTORY_DAYS, Math.max(1, Math.round((v.leadDays * 5) / 7)));
      orderFrom(v, central, lines, last, dayStart(last) + WINDOW.po[0] * MINUTE, expectedDay, expectedDay);
    }
  }
  pendingReceipts.sort((a, b) => a.createdMs - b.createdMs);
  const openReceipts: Receipt[] = [];
  let receiptLines = 0;
  for (const r of pendingReceipts) {
    if (receiptLines + r.lines.length > MAX_OPEN_RECEIPT_LINES) {
      writeChain(r, r.createdMs + 60 * MINUTE);
      continue;
    }
    receiptLines += r.lines.length;
    openReceipts.push(r);
  }
  await flushAll();
  // Each step's line names the line of the next step, as linkSteps does once both exist.
  await db
    .updateTable('transfer_line as l')
    .from('transfer_line as n')
    .set((eb) => ({ next_line_id: eb.ref('n.id') }))
    .whereRef('n.origin_line_id', '=', 'l.id')
    .execute();

  // Stock levels, valuation and FIFO layers, exactly as the moves imply.
  const levelWriter = new TableWriter('stock_level', 9, ctx.dialect);
  for (const l of levels.values()) {
    levelWriter.add({ product_id: l.p.id, location_id: l.loc.id, lot_key: l.lot?.id ?? '', warehouse_id: l.loc.warehouseId, on_hand: l.onHand, reserved: 0, incoming: 0, outgoing: 0, updated_at: iso(l.at) });
    if (levelWriter.size >= 5000) await levelWriter.flush(db);
  }
  await levelWriter.flush(db);
  const valuationWriter = new TableWriter('product_valuation', 4, ctx.dialect);
  const layerWriter = new TableWriter('valuation_layer', 9, ctx.dialect);
  for (const p of products) {
    if (p.valAt > 0) valuationWriter.add({ product_id: p.id, quantity: p.valQty, value_minor: p.valValue, updated_at: iso(p.valAt) });
    for (const layer of p.layers ?? []) {
      layerWriter.add({ id: layer.id, branch_id: ctx.branchId, created_at: iso(layer.createdMs), updated_at: iso(layer.updatedMs), version: 1, product_id: p.id, move_id: layer.moveId, remaining_quantity: layer.qty, remaining_value_minor: layer.value });
    }
    if (layerWriter.size >= 5000) await layerWriter.flush(db);
  }
  await valuationWriter.flush(db);
  await layerWriter.flush(db);
  const seriesWriter = new TableWriter('document_series', 7, ctx.dialect);
  for (const [prefix, s] of [...series.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    seriesWriter.add({ ...meta(s.first, s.last, s.next - 1), prefix, next_number: s.next });
  }
  await seriesWriter.flush(db);
  report(moveCount);

  // --- today's open work, through the engine -------------------------------------------
  const nowIso = ctx.now;
  const open = await openWork(ctx, {
    demands: openDemands,
    receipts: openReceipts,
    depot,
    central,
    products,
    nowIso,
    todayMs,
  });

  const abc = await classifyAbc(ctx, ctx.now);
  const totalMoves = moveCount + open.moves;
  options.onProgress?.(target, target);
  return { moves: totalMoves, transfers: transferCount + open.transfers, counts: countCount, openDeliveries: open.deliveries, openReceipts: open.receipts, abc };
}

/** Today's open work, made through the engine's own functions so it is exactly what users would have made. */
async function openWork(
  ctx: CommandContext,
  input: { demands: Demand[]; receipts: Receipt[]; depot: Wh | null; central: Wh; products: Prod[]; nowIso: string; todayMs: number },
): Promise<{ deliveries: number; receipts: number; transfers: number; moves: number }> {
  const db = ctx.db;
  const countRows = async (table: 'transfer' | 'stock_move') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const transfersBefore = await countRows('transfer');
  const movesBefore = await countRows('stock_move');
  const tomorrow = new Date(input.todayMs + DAY + 9 * 3_600_000).toISOString();

  // Expected receipts: purchase orders placed in the last weeks, not arrived yet.
  for (const r of input.receipts) {
    await createFlow(
      ctx,
      TransferCreateInput.parse({
        kind: 'receipt',
        warehouseId: r.wh.id,
        partnerId: r.vendor.id,
        origin: r.po,
        promisedDate: iso(r.promisedMs ?? r.scheduledMs),
        orderDate: iso(r.createdMs),
        scheduledDate: iso(r.scheduledMs),
        orderValueMinor: r.valueMinor,
        lines: r.lines.map((l) => ({ productId: l.p.id, quantity: l.uomQty, uomId: l.uomId, unitCostMinor: l.unitCost ?? undefined })),
      }),
    );
  }

  // Confirmed customer deliveries: orders due today and backorders still waiting for stock.
  const created: { id: string; wh: Wh }[] = [];
  for (const d of input.demands) {
    const id = await createFlow(
      ctx,
      TransferCreateInput.parse({
        kind: 'delivery',
        warehouseId: d.wh.id,
        partnerId: d.partnerId,
        origin: d.origin,
        channelCode: d.channel,
        promisedDate: d.promisedMs === null ? null : iso(d.promisedMs),
        orderDate: d.orderMs === null ? null : iso(d.orderMs),
        scheduledDate: iso(d.scheduledMs),
        carrier: d.carrier,
        carrierCutoff: d.cutoffMs === null ? null : iso(d.cutoffMs),
        orderValueMinor: d.valueMinor,
        lines: d.lines.map((l) => ({ productId: l.p.id, quantity: l.qty })),
      }),
    );
    if (d.backorderOf) {
      // The chain continues a partly shipped order: point each step at the one it is the backorder of.
      let current: string | null = id;
      for (const original of d.backorderOf) {
        if (!current) break;
        await db.updateTable('transfer').set({ backorder_of_id: original, backorder_reason: 'Waiting for stock' }).where('id', '=', current).execute();
        const next: { linked_transfer_id: string | null } | undefined = await db.selectFrom('transfer').select('linked_transfer_id').where('id', '=', current).executeTakeFirst();
        current = next?.linked_transfer_id ?? null;
      }
    }
    created.push({ id, wh: d.wh });
  }

  // A few deliveries shipped short today: what was reserved goes, the rest waits as a backorder.
  const partlyReserved = async (id: string) => {
    const lines = await db
      .selectFrom('transfer_line as l')
      .leftJoin('reservation as r', 'r.transfer_line_id', 'l.id')
      .select((eb) => ['l.id', 'l.quantity', eb.fn.coalesce(eb.fn.sum<number>('r.quantity'), eb.lit(0)).as('reserved')])
      .where('l.transfer_id', '=', id)
      .groupBy(['l.id', 'l.quantity'])
      .execute();
    const reserved = lines.reduce((s, l) => s + Number(l.reserved), 0);
    const needed = lines.reduce((s, l) => s + Number(l.quantity), 0);
    return reserved > 0 && reserved < needed;
  };
  let shortShipped = 0;
  for (const c of created) {
    if (shortShipped >= 4) break;
    if (!(await partlyReserved(c.id))) continue;
    await validateTransfer(ctx, c.id, undefined, true);
    shortShipped++;
  }
  if (shortShipped === 0) {
    // None came out short by itself: a customer of the depot (or the centre) orders more than is on hand.
    const wh = input.depot ?? input.central;
    const row = await db
      .selectFrom('stock_level as s')
      .innerJoin('product as p', 'p.id', 's.product_id')
      .select((eb) => ['s.product_id', eb.fn.sum<number>(eb('s.on_hand', '-', eb.ref('s.reserved'))).as('free')])
      .where('s.warehouse_id', '=', wh.id)
      .where('p.tracking', '=', 'none')
      .groupBy('s.product_id')
      .having((eb) => eb(eb.fn.sum(eb('s.on_hand', '-', eb.ref('s.reserved'))), '>', 0))
      .orderBy('free')
      .orderBy('s.product_id')
      .limit(1)
      .executeTakeFirst();
    const customer = await db.selectFrom('partner').select('id').where('kind', '=', 'customer').where('region', '=', wh === input.depot ? 'South' : 'North').orderBy('code').limit(1).executeTakeFirst();
    if (row) {
      const id = await createFlow(
        ctx,
        TransferCreateInput.parse({ kind: 'delivery', warehouseId: wh.id, partnerId: customer?.id ?? null, origin: 'Walk-in order', channelCode: 'portal', scheduledDate: input.nowIso, lines: [{ productId: row.product_id, quantity: Number(row.free) + 5 }] }),
      );
      await validateTransfer(ctx, id, undefined, true);
      created.push({ id, wh });
    }
  }

  // One inter-warehouse transfer on its way: shipped from the centre today, arriving tomorrow.
  if (input.depot) {
    const r2 = (p: Prod) => p.rate[input.depot!.idx]!;
    const candidates = input.products.filter((p) => p.inWh2 && p.tracking === 'none').sort((a, b) => r2(b) - r2(a) || a.idx - b.idx);
    const lines: { productId: string; quantity: number }[] = [];
    for (const p of candidates) {
      if (lines.length >= 8) break;
      const free = await db
        .selectFrom('stock_level')
        .select((eb) => eb.fn.sum<number>(eb('on_hand', '-', eb.ref('reserved'))).as('free'))
        .where('product_id', '=', p.id)
        .where('warehouse_id', '=', input.central.id)
        .executeTakeFirst();
      const qty = Math.max(1, Math.ceil(r2(p) * 7));
      if (Number(free?.free ?? 0) >= 2 * qty) lines.push({ productId: p.id, quantity: qty });
    }
    if (lines.length > 0) {
      const planned = await planLines(ctx, lines);
      const transit = await virtualLocation(db, 'transit');
      const common = { partnerId: null, origin: `Replenishment ${input.depot.code}`, channelCode: null, priorityRank: 50, promisedDate: tomorrow, orderDate: null, scheduledDate: input.nowIso, shippingPolicy: 'asap' as const, carrier: 'Own fleet', carrierCutoff: null, orderValueMinor: 0 };
      const out = await insertTransfer(ctx, { ...common, kind: 'transit_out', opCode: 'TOUT', warehouseId: input.central.id, from: await zoneLocation(db, input.central.id, 'stock'), to: transit }, planned);
      const inbound = await insertTransfer(
        ctx,
        { ...common, kind: 'transit_in', opCode: 'TIN', warehouseId: input.depot.id, from: transit, to: await zoneLocation(db, input.depot.id, 'stock'), scheduledDate: tomorrow },
        planned.map((l, i) => ({ ...l, originLineId: out.lineIds[i]! })),
      );
      await linkSteps(ctx, out, inbound);
      await confirmFlow(ctx, out.id);
      await validateTransfer(ctx, out.id, undefined, true);
    }
  }
  return { deliveries: created.length, receipts: input.receipts.length, transfers: (await countRows('transfer')) - transfersBefore, moves: (await countRows('stock_move')) - movesBefore };
}
