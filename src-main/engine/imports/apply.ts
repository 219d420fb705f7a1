import { sql } from 'kysely';
import { CustomerCreateInput } from '../../../src-shared/contract/partners';
import { partnersHandlers } from '../partners/handlers';
import type { CommandContext } from '../platform/context';
import { newRowMeta } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { formatMinor } from '../pricing/money';
import { openActivity } from '../sales/activities';
import type { PriceQuote } from '../../../src-shared/contract/pricing';
import { preparedInsertMany, preparedSelectIn } from '../platform/batch';
import type { CustomerRow } from '../partners/customers';
import { pricesFor, productsById, type SaleProduct } from '../pricing/price';
import { confirmOrder } from '../sales/confirm';
import { createOrder } from '../sales/handlers';
import { sellableCustomer, shipToOf } from '../sales/orders';
import { channelOf, companyCurrencyOf, unitCodesOf } from '../sales/session';
import type { ImportErrorItem, ImportedOrder } from './model';
import { noteFreshImport } from './outbound';

export interface Outcome {
  status: 'accepted' | 'held' | 'rejected' | 'duplicate';
  holdKind: 'unknown_sku' | 'price_mismatch' | 'credit' | 'approval' | null;
  message: string;
  errors: ImportErrorItem[];
  unmapped: { lineNo: number; sku: string; description: string | null; quantity: number }[];
  orderId: string | null;
  orderNumber: string | null;
}

const outcome = (o: Partial<Outcome> & Pick<Outcome, 'status' | 'message'>): Outcome => ({ holdKind: null, errors: [], unmapped: [], orderId: null, orderNumber: null, ...o });

const keyUsed = preparedQuery<{ key: string }, { order_id: string; order_number: string }>(['key'], (db, p) => db.selectFrom('import_key').select(['order_id', 'order_number']).where('key', '=', p.key).limit(1));
const poUsed = preparedQuery<{ partnerId: string; po: string }, { id: string; number: string }>(['partnerId', 'po'], (db, p) =>
  db.selectFrom('sales_order').select(['id', 'number']).where('partner_id', '=', p.partnerId).where('customer_po', '=', p.po).where('state', '!=', 'cancelled').limit(1),
);
const productBySku = preparedQuery<{ code: string }, { id: string; active: number }>(['code'], (db, p) => db.selectFrom('product').select(['id', 'active']).where('sku', '=', p.code).limit(1));
const productByBarcode = preparedQuery<{ code: string }, { id: string; active: number }>(['code'], (db, p) => db.selectFrom('product').select(['id', 'active']).where('barcode', '=', p.code).limit(1));
const aliasOf = preparedQuery<{ code: string; channel: string }, { product_id: string; partner_id: string | null }>(['code', 'channel'], (db, p) =>
  db.selectFrom('sku_alias').select(['product_id', 'partner_id']).where('external_sku', '=', p.code).where('channel_code', '=', p.channel),
);
const uomByCode = preparedQuery<{ code: string }, { id: string }>(['code'], (db, p) => db.selectFrom('uom').select('id').where(sql<string>`upper(code)`, '=', p.code).limit(1));

type Match = { id: string; merged_into_id?: string | null; active: number };
const customerBy = (col: 'code' | 'external_id' | 'gln' | 'email') =>
  preparedQuery<{ v: string }, Match>(['v'], (db, p) =>
    db.selectFrom('partner').select(['id', 'merged_into_id', 'active']).where('kind', '=', 'customer').where(col, '=', p.v).orderBy('created_at').limit(1),
  );
const customerQueries = { code: customerBy('code'), external_id: customerBy('external_id'), gln: customerBy('gln'), email: customerBy('email') };
const addressByGln = preparedQuery<{ gln: string }, { id: string; partner_id: string }>(['gln'], (db, p) =>
  db.selectFrom('partner_address').select(['id', 'partner_id']).where('gln', '=', p.gln).where('active', '=', 1).limit(1),
);

/**
 * What one apply command reads once for its whole chunk (imports/README.md, "Speed"). Entries
 * an order adds (a consumer customer, its PO, its import key) are undone with its savepoint:
 * `mark` before an order, `undo` when it rolls back.
 */
export interface ApplySession {
  uoms: Map<string, string | null>;
  /** Unit id → code (every unit, read once per command; shared: not to be changed). */
  uomCodes: Map<string, string>;
  /** Item code (with the customer) → product, for orders repeating an item on many lines. */
  products: Map<string, string | null>;
  /** SKU → product (the first try of every item code, whoever the customer): the chunk's codes read in one statement. */
  skus: Map<string, string | null>;
  /** Customer identification (JSON) → customer id or null. */
  customers: Map<string, string | null>;
  /** Checked customer rows with their default ship-to (a refusal is not kept: asked again per order). */
  sellable: Map<string, { customer: CustomerRow; shipTo: { id: string; region: string | null } | null }>;
  /** The chunk's products for pricing, and per customer its quotes by `productId|quantity`. */
  saleProducts: Map<string, SaleProduct>;
  quotes: Map<string, Map<string, PriceQuote>>;
  /** `partnerId|po` → live order with that customer PO (read for the chunk's POs at once, then kept up to date). */
  poOrders: Map<string, { id: string; number: string } | null>;
  /** Import key → the order it made (read for the chunk at once, then kept up to date). */
  keys: Map<string, { order_id: string; order_number: string } | null>;
  /** Import keys of applied orders, written in one multi-row statement at the end of the chunk. */
  newKeys: { key: string; orderId: string; orderNumber: string }[];
  /** Undo log of the order being applied. */
  undo: (() => void)[];
}

export function newApplySession(): ApplySession {
  return { uoms: new Map(), uomCodes: new Map(), products: new Map(), skus: new Map(), customers: new Map(), sellable: new Map(), saleProducts: new Map(), quotes: new Map(), poOrders: new Map(), keys: new Map(), newKeys: [], undo: [] };
}

function remember<K, V>(session: ApplySession, map: Map<K, V>, key: K, value: V): void {
  const had = map.has(key);
  const before = map.get(key);
  map.set(key, value);
  session.undo.push(() => (had ? map.set(key, before as V) : map.delete(key)));
}

const customerKey = (c: ImportedOrder['customer']) => JSON.stringify([c.code ?? null, c.gln ?? null, c.externalId ?? null, c.email ?? null]);

async function customerOf(db: Db | Tx, session: ApplySession, c: ImportedOrder['customer']): Promise<string | null> {
  const key = customerKey(c);
  if (!session.customers.has(key)) session.customers.set(key, await findCustomer(db, c));
  return session.customers.get(key)!;
}

const productsBySku = preparedSelectIn<{ id: string; sku: string }>((db, codes) => db.selectFrom('product').select(['id', 'sku']).where('sku', 'in', codes as string[]));
const keysUsed = preparedSelectIn<{ key: string; order_id: string; order_number: string }>((db, keys) => db.selectFrom('import_key').select(['key', 'order_id', 'order_number']).where('key', 'in', keys as string[]));
const posUsed = preparedSelectIn<{ partner_id: string; customer_po: string; id: string; number: string }>((db, pos) =>
  db.selectFrom('sales_order').select(['partner_id', 'customer_po', 'id', 'number']).where('customer_po', 'in', pos as string[]).where('state', '!=', 'cancelled').orderBy('created_at'),
);
const insertKeys = preparedInsertMany<'import_key', { id: string; branch_id: string; created_at: string; updated_at: string; version: number; key: string; order_id: string; order_number: string }>('import_key', [
  'id',
  'branch_id',
  'created_at',
  'updated_at',
  'version',
  'key',
  'order_id',
  'order_number',
]);

/**
 * Reads, once for the whole chunk, what its orders would each read: the import keys and
 * customer POs already used, the customers, the items, the products with their prices (one
 * pricesFor per customer), the units. Nothing is written; each order is still checked in full.
 */
export async function prepareChunk(ctx: CommandContext, session: ApplySession, orders: (ImportedOrder | null)[], channelCode: string): Promise<void> {
  const db = ctx.db;
  const present = orders.filter((o): o is ImportedOrder => !!o);
  const keys = [...new Set(present.flatMap((o) => (o.idemKey ? [o.idemKey] : [])))].filter((k) => !session.keys.has(k));
  if (keys.length) {
    for (const k of keys) session.keys.set(k, null);
    for (const r of await keysUsed(db, keys, {})) session.keys.set(r.key, { order_id: r.order_id, order_number: r.order_number });
  }
  const pos = [...new Set(present.flatMap((o) => (o.customerPo ? [o.customerPo] : [])))];
  const poRows = pos.length ? await posUsed(db, pos, {}) : [];
  // Units: the sales session's list (read once per command, as sales.order.create with confirm reads it).
  if (session.uomCodes.size === 0) session.uomCodes = await unitCodesOf(ctx);
  // Every item code as a SKU, at once (the first thing resolveProduct tries, the same for every customer).
  const codes = [...new Set(present.flatMap((o) => o.lines.flatMap((l) => l.skus)))].filter((c) => !session.skus.has(c));
  if (codes.length) {
    for (const c of codes) session.skus.set(c, null);
    for (const r of await productsBySku(db, codes, {})) session.skus.set(r.sku, r.id);
  }
  // Customers, then their items; the products of every line in one read.
  const unitIds = new Map([...session.uomCodes].map(([id, code]) => [code.toUpperCase(), id]));
  const found: { customerId: string; productId: string; unitId: string | null; quantity: number }[] = [];
  for (const o of present) {
    const customerId = await customerOf(db, session, o.customer);
    if (!customerId) continue;
    for (const po of o.customerPo ? [o.customerPo] : []) if (!session.poOrders.has(`${customerId}|${po}`)) session.poOrders.set(`${customerId}|${po}`, null);
    for (const l of o.lines) {
      const productId = await productOf(db, session, l.skus, channelCode, customerId);
      if (productId) found.push({ customerId, productId, unitId: l.unit ? (unitIds.get(l.unit.trim().toUpperCase()) ?? '?') : null, quantity: l.quantity });
    }
  }
  for (const r of poRows) if (session.poOrders.get(`${r.partner_id}|${r.customer_po}`) === null) session.poOrders.set(`${r.partner_id}|${r.customer_po}`, { id: r.id, number: r.number });
  const ids = [...new Set(found.map((f) => f.productId))].filter((id) => !session.saleProducts.has(id));
  for (const [id, p] of await productsById(db, ids)) session.saleProducts.set(id, p);
  // Quotes by product and stock quantity, for lines in the product's own unit (others are converted, then priced per order).
  const wanted = new Map<string, Map<string, number>>();
  for (const f of found) {
    const product = session.saleProducts.get(f.productId);
    if (!product || (f.unitId !== null && f.unitId !== product.uom_id)) continue;
    (wanted.get(f.customerId) ?? wanted.set(f.customerId, new Map()).get(f.customerId)!).set(`${f.productId}|${f.quantity}`, f.quantity);
  }
  const channel = await channelOf(ctx, channelCode);
  const currency = await companyCurrencyOf(ctx);
  for (const [customerId, lines] of wanted) {
    const ok = await sellableOf(db, session, customerId).catch(() => null);
    if (!ok) continue;
    const c = ok.customer;
    const items = [...lines].flatMap(([key, quantity]) => {
      const product = session.saleProducts.get(key.slice(0, key.indexOf('|')));
      return product && product.active === 1 && !session.quotes.get(customerId)?.has(key) ? [{ key, product, quantity }] : [];
    });
    if (items.length === 0) continue;
    const context = { partnerId: c.id, customerClass: c.customer_class ?? 'regular', pricelistId: c.pricelist_id ?? null, channelCode: channel.code, currency, date: ctx.now.slice(0, 10) };
    // A refusal here is left to the order itself, which prices its lines again and reports it.
    const quotes = await pricesFor(db, context, items).catch(() => null);
    if (!quotes) continue;
    const mine = session.quotes.get(customerId) ?? session.quotes.set(customerId, new Map()).get(customerId)!;
    items.forEach((it, i) => mine.set(it.key, quotes[i]!));
  }
}

async function sellableOf(db: Db | Tx, session: ApplySession, customerId: string) {
  let hit = session.sellable.get(customerId);
  if (!hit) {
    const customer = await sellableCustomer(db, customerId);
    hit = { customer, shipTo: await shipToOf(db, customerId, null) };
    session.sellable.set(customerId, hit);
  }
  return hit;
}

async function productOf(db: Db | Tx, session: ApplySession, skus: string[], channelCode: string, customerId: string): Promise<string | null> {
  const key = `${customerId}|${skus.join('|')}`;
  if (!session.products.has(key)) session.products.set(key, await resolveProduct(db, skus, channelCode, customerId, session.skus));
  return session.products.get(key)!;
}

/** Writes the import keys of the chunk's applied orders (one multi-row statement per 50). */
export async function writeImportKeys(ctx: CommandContext, session: ApplySession): Promise<void> {
  const rows = session.newKeys.map((k) => ({ key: k.key, order_id: k.orderId, order_number: k.orderNumber, ...newRowMeta(ctx) }));
  session.newKeys = [];
  if (rows.length) await insertKeys(ctx.db, rows);
}

export async function findCustomer(db: Db | Tx, c: ImportedOrder['customer']): Promise<string | null> {
  const tries: [keyof typeof customerQueries, string | null | undefined][] = [
    ['code', c.code],
    ['gln', c.gln],
    ['external_id', c.externalId],
    ['email', c.email?.toLowerCase()],
    ['email', c.email],
  ];
  for (const [col, value] of tries) {
    if (!value) continue;
    let hit = await customerQueries[col].first(db, { v: value });
    // A merged customer orders as the one it was merged into.
    for (let hops = 0; hit?.merged_into_id && hops < 5; hops++) hit = await db.selectFrom('partner').select(['id', 'merged_into_id', 'active']).where('id', '=', hit.merged_into_id).executeTakeFirst();
    if (hit) return hit.id;
  }
  if (c.gln) {
    const a = await addressByGln.first(db, { gln: c.gln });
    if (a) return a.partner_id;
  }
  return null;
}

async function resolveProduct(db: Db | Tx, codes: string[], channel: string, partnerId: string, skus?: Map<string, string | null>): Promise<string | null> {
  for (const code of codes) {
    const bySku = skus?.has(code) ? (skus.get(code) ? { id: skus.get(code)! } : undefined) : await productBySku.first(db, { code });
    const hit = bySku ?? (await productByBarcode.first(db, { code }));
    if (hit) return hit.id;
    const aliases = await aliasOf.rows(db, { code, channel });
    const alias = aliases.find((a) => a.partner_id === partnerId) ?? aliases.find((a) => a.partner_id === null);
    if (alias) return alias.product_id;
  }
  return null;
}

/**
 * Puts one imported order through the order pipeline — the same commands a clerk's order
 * takes: customer, products and units resolved; the order created and priced from the
 * customer's pricelist; a price the sender expects further than the tolerance from ours holds
 * it for a clerk; otherwise it is confirmed (approval rules, credit control, reservation).
 * Runs inside a savepoint of the caller: a throw leaves nothing behind.
 */
export async function applyImportedOrder(ctx: CommandContext, importOrderId: string, o: ImportedOrder, channelCode: string, toleranceBp: number, session: ApplySession): Promise<Outcome> {
  if (o.idemKey) {
    const used = session.keys.has(o.idemKey) ? session.keys.get(o.idemKey) : await keyUsed.first(ctx.db, { key: o.idemKey });
    if (used) return outcome({ status: 'duplicate', message: `Already imported as order ${used.order_number}`, orderId: used.order_id, orderNumber: used.order_number });
  }
  let customerId = await customerOf(ctx.db, session, o.customer);
  let created: string | null = null;
  if (!customerId) {
    const consumerChannel = channelCode === 'ecommerce' || channelCode === 'marketplace';
    if (!consumerChannel || !o.customer.email) {
      const who = [o.customer.code && `code ${o.customer.code}`, o.customer.gln && `GLN ${o.customer.gln}`, o.customer.externalId && `partner id ${o.customer.externalId}`, o.customer.email && `e-mail ${o.customer.email}`].filter(Boolean).join(', ');
      return outcome({ status: 'rejected', message: `No customer with ${who || 'no identification'}; create the customer (or set its external id / GLN) and import again`, errors: [{ location: o.source, message: 'Unknown customer' }] });
    }
    // Web store and marketplace buyers become consumer customers on their first order.
    const input = CustomerCreateInput.parse({ name: o.customer.name || o.customer.email, email: o.customer.email, customerClass: 'consumer', externalId: o.customer.externalId ?? null });
    const c = await partnersHandlers['partners.customer.create'](ctx, input);
    customerId = c.id;
    created = c.code;
    remember(session, session.customers, customerKey(o.customer), c.id);
  }
  if (o.customerPo) {
    const poKey = `${customerId}|${o.customerPo}`;
    const used = session.poOrders.has(poKey) ? session.poOrders.get(poKey) : await poUsed.first(ctx.db, { partnerId: customerId, po: o.customerPo });
    if (used) return outcome({ status: 'duplicate', message: `Customer PO ${o.customerPo} is already on order ${used.number}`, orderId: used.id, orderNumber: used.number });
  }

  const errors: ImportErrorItem[] = [];
  const unmapped: Outcome['unmapped'] = [];
  const lines: { productId: string; quantity: number; uomId?: string; discountBp: number }[] = [];
  for (const l of o.lines) {
    let uomId: string | undefined;
    if (l.unit) {
      const code = l.unit.trim().toUpperCase();
      if (!session.uoms.has(code)) session.uoms.set(code, (await uomByCode.first(ctx.db, { code }))?.id ?? null);
      const found = session.uoms.get(code);
      if (!found) errors.push({ location: l.location, message: `Unknown unit "${l.unit}"` });
      else uomId = found;
    }
    const productId = await productOf(ctx.db, session, l.skus, channelCode, customerId);
    if (!productId) unmapped.push({ lineNo: l.lineNo, sku: l.skus[0] ?? '', description: l.description, quantity: l.quantity });
    else lines.push({ productId, quantity: l.quantity, uomId, discountBp: 0 });
  }
  if (errors.length) return outcome({ status: 'rejected', message: errors.map((e) => `${e.location}: ${e.message}`).join('; '), errors });
  if (unmapped.length) {
    return outcome({
      status: 'held',
      holdKind: 'unknown_sku',
      message: `${unmapped.length} line${unmapped.length === 1 ? '' : 's'} with an unknown item code (${unmapped.map((u) => u.sku).slice(0, 5).join(', ')}); map ${unmapped.length === 1 ? 'it' : 'them'} to products to import the order`,
      unmapped,
    });
  }

  let shipToAddressId: string | null = null;
  if (o.shipToGln) {
    const a = await addressByGln.first(ctx.db, { gln: o.shipToGln });
    if (a && a.partner_id === customerId) shipToAddressId = a.id;
  }
  // The customer checked once per chunk (a refusal is asked again, so each order gets the message).
  const known = o.shipToGln ? null : await sellableOf(ctx.db, session, customerId);
  const made = await createOrder(ctx, {
    customerId,
    channelCode: channelCode as never,
    customerPo: o.customerPo,
    shipToAddressId,
    warehouseId: null,
    requestedDate: o.requestedDate,
    paymentCaptured: o.paid,
    notes: o.notes ?? `Imported: ${o.ref} (${o.source})`,
    orderDate: undefined,
    lines,
    confirm: false,
  }, { poCheckedBy: 'import', prepared: known ? { customer: known.customer, shipTo: known.shipTo, pricing: { products: session.saleProducts, quotes: session.quotes.get(customerId) }, uomCodes: session.uomCodes } : undefined });
  // The import key is written with the chunk's others once the order stands (writeImportKeys); a later order of the chunk sees it here.
  if (o.idemKey) {
    remember(session, session.keys, o.idemKey, { order_id: made.id, order_number: made.number });
    session.newKeys.push({ key: o.idemKey, orderId: made.id, orderNumber: made.number });
    const at = session.newKeys.length - 1;
    session.undo.push(() => session.newKeys.splice(at, 1));
  }
  if (o.customerPo) remember(session, session.poOrders, `${customerId}|${o.customerPo}`, { id: made.id, number: made.number });
  const base = { orderId: made.id, orderNumber: made.number };
  // What confirmation triggers (an EDI order's 855) finds its origin here rather than through the import row (its order_id is written with its outcome).
  noteFreshImport(ctx, made.id, {
    po: o,
    number: made.number,
    partnerId: customerId,
    customerPo: o.customerPo,
    lines: made.lines.map((l) => ({
      lineNo: l.line_no,
      sku: l.sku,
      quantity: Number(l.uom_quantity),
      unit: session.uomCodes.get(l.uom_id) ?? '',
      // The price per the unit ordered in (the line's price is per stock unit).
      unitPriceMinor: Math.round((Number(l.unit_price_minor) * Number(l.quantity)) / Math.max(1, Number(l.uom_quantity))),
    })),
  });
  const note = created ? ` (new customer ${created})` : '';

  // The sender's price against ours (the lines as createOrder priced and wrote them), per line total (units may differ): beyond the tolerance, a clerk decides.
  const mismatches: string[] = [];
  o.lines.forEach((l, i) => {
    const ol = made.lines[i];
    if (!ol || l.unitPriceMinor === null) return;
    const theirs = l.unitPriceMinor * ol.uom_quantity;
    const ours = ol.unit_price_minor * ol.quantity;
    if (Math.abs(theirs - ours) * 10_000 > toleranceBp * Math.max(ours, 1)) {
      mismatches.push(`line ${l.lineNo} ${ol.sku}: ${formatMinor(l.unitPriceMinor)} sent, ${formatMinor(ol.unit_price_minor)} is the customer's price`);
    }
  });
  if (mismatches.length) {
    const message = `Price differs by more than ${toleranceBp / 100} %: ${mismatches.slice(0, 5).join('; ')}${mismatches.length > 5 ? ` and ${mismatches.length - 5} more` : ''}`;
    await openActivity(ctx, { role: 'clerk', kind: 'pricing', title: `Imported order ${made.number}: price mismatch`, body: message, documentKind: 'sales_order', documentId: made.id, documentNumber: made.number });
    return outcome({ status: 'held', holdKind: 'price_mismatch', message: message + note, ...base });
  }
  const after = await confirmOrder(ctx, made.id, 'approval', made.view && known ? { order: made.view, customer: known.customer, region: known.shipTo?.region ?? known.customer.region ?? null } : undefined);
  if (after.state === 'awaiting_approval') return outcome({ status: 'held', holdKind: 'approval', message: `Awaiting approval: ${after.holdReason ?? ''}${note}`, ...base });
  if (after.state === 'credit_hold') return outcome({ status: 'held', holdKind: 'credit', message: `Credit hold: ${after.holdReason ?? ''}${note}`, ...base });
  return outcome({ status: 'accepted', message: `Order ${made.number} ${after.state.replace(/_/g, ' ')}${note}`, ...base });
}

/** Turns a refusal from the pipeline into the report's words, pointing at the file's line where the engine names one. */
export function rejection(e: DomainError, o: ImportedOrder | null): Outcome {
  const errors: ImportErrorItem[] = (e.details?.fields ?? []).map((f: { path: string; message: string }) => {
    const m = /^lines\.(\d+)\./.exec(f.path);
    const line = m && o ? o.lines[Number(m[1])] : undefined;
    return { location: line?.location ?? o?.source ?? f.path, message: f.message };
  });
  return outcome({ status: 'rejected', message: e.message, errors: errors.length ? errors : [{ location: o?.source ?? '', message: e.message }] });
}
