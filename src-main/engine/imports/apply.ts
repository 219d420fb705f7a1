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
import { confirmOrder } from '../sales/confirm';
import { createOrder } from '../sales/handlers';
import type { ImportErrorItem, ImportedOrder } from './model';

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

/** Caches for one apply command (units do not change inside it). */
export interface ApplySession {
  uoms: Map<string, string | null>;
  /** Item code (with the customer) → product, for orders repeating an item on many lines. */
  products: Map<string, string | null>;
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

async function resolveProduct(db: Db | Tx, codes: string[], channel: string, partnerId: string): Promise<string | null> {
  for (const code of codes) {
    const hit = (await productBySku.first(db, { code })) ?? (await productByBarcode.first(db, { code }));
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
    const used = await keyUsed.first(ctx.db, { key: o.idemKey });
    if (used) return outcome({ status: 'duplicate', message: `Already imported as order ${used.order_number}`, orderId: used.order_id, orderNumber: used.order_number });
  }
  let customerId = await findCustomer(ctx.db, o.customer);
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
  }
  if (o.customerPo) {
    const used = await poUsed.first(ctx.db, { partnerId: customerId, po: o.customerPo });
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
    const key = `${customerId}|${l.skus.join('|')}`;
    if (!session.products.has(key)) session.products.set(key, await resolveProduct(ctx.db, l.skus, channelCode, customerId));
    const productId = session.products.get(key)!;
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
  }, { poCheckedBy: 'import' });
  for (const key of [o.idemKey].filter((k): k is string => !!k)) {
    await ctx.db.insertInto('import_key').values({ ...newRowMeta(ctx), key, order_id: made.id, order_number: made.number }).execute();
  }
  const base = { orderId: made.id, orderNumber: made.number };
  // Linked before confirmation, so what confirmation triggers (an EDI order's 855) finds its origin.
  await ctx.db.updateTable('import_order').set({ order_id: made.id, order_number: made.number }).where('id', '=', importOrderId).execute();
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
  const after = await confirmOrder(ctx, made.id);
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
