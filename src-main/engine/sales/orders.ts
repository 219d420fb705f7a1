import { sql } from 'kysely';
import type { z } from 'zod';
import type { PriceQuote } from '../../../src-shared/contract/pricing';
import type { OrderLineInput, SalesOrder } from '../../../src-shared/contract/sales';
import { convertQuantity } from '../catalog/uom';
import { type CustomerRow, getCustomerRow } from '../partners/customers';
import { newRowMeta, type CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { insertOrDefer, preparedInsertMany } from '../platform/batch';
import { branchCode, nextDocumentNumber } from '../platform/series';
import { taxDocumentLines, taxPolicyFor, type TaxPolicy } from '../finance/tax';
import { formatMinor, marginBp } from '../pricing/money';
import { pricesFor, productsById, type PricingContext, type SaleProduct } from '../pricing/price';
import type { ChannelRules } from './channels';
import type { SalesOrderLineTable, SalesOrderTable } from './schema';
import type { SalesSettings } from './settings';

type LineInput = z.output<typeof OrderLineInput>;

const uomById = preparedQuery<{ id: string }, { id: string; code: string }>(['id'], (db, p) => db.selectFrom('uom').select(['id', 'code']).where('id', '=', p.id));
const companyCurrency = preparedQuery<{ none: 0 }, { currency: string }>([], (db) => db.selectFrom('company').select('currency').orderBy('created_at').limit(1));

export async function currencyOf(db: Db | Tx): Promise<string> {
  return (await companyCurrency.first(db, { none: 0 }))?.currency ?? 'USD';
}

/** A customer an order may be written for: a customer, active, not merged away. */
export async function sellableCustomer(db: Db | Tx, id: string): Promise<CustomerRow> {
  const c = await getCustomerRow(db, id);
  if (c.merged_into_id) throw new DomainError('BUSINESS_RULE', `Customer ${c.code} "${c.name}" was merged into another customer; use that one`, { fields: [{ path: 'customerId', message: 'Merged customer' }] });
  if (c.active !== 1) throw new DomainError('BUSINESS_RULE', `Customer ${c.code} "${c.name}" is archived and cannot order`, { fields: [{ path: 'customerId', message: 'Archived customer' }] });
  return c;
}

export type PricedLine = Omit<SalesOrderLineTable, 'id' | 'branch_id' | 'created_at' | 'updated_at' | 'version' | 'order_id' | 'qty_delivered' | 'qty_invoiced' | 'qty_returned' | 'qty_cancelled'> & { sku: string; name: string };

/**
 * What a caller pricing many orders at once (an import chunk) has already read: the products
 * of every order, and this customer's quotes by `productId|quantity` (pricesFor once per
 * customer and chunk). Whatever is missing is read as usual.
 */
export interface KnownPricing {
  products: Map<string, SaleProduct>;
  quotes?: Map<string, PriceQuote>;
}

/**
 * Checks and prices the lines of an order: known, active products; known units converted
 * exactly to the stock unit; the pricelist's price (or a manual one, with the pricelist's
 * price named in the reason); the customer's or product's tax rate; exact amounts.
 */
export async function priceLines(db: Db | Tx, pricing: PricingContext, customer: CustomerRow, settings: SalesSettings, lines: LineInput[], actorName: string | null, known?: KnownPricing, taxes?: TaxPolicy): Promise<PricedLine[]> {
  // Every product of the order in one read (none when the caller read them), then every line's rules in one more.
  const products = known && lines.every((l) => known.products.has(l.productId)) ? known.products : await productsById(db, lines.map((l) => l.productId));
  const checked: { product: SaleProduct; uomId: string; quantity: number }[] = [];
  for (const [i, line] of lines.entries()) {
    const at = (field: string, message: string, code: 'VALIDATION' | 'BUSINESS_RULE' = 'VALIDATION') => new DomainError(code, `Line ${i + 1}: ${message}`, { fields: [{ path: `lines.${i}.${field}`, message }] });
    const product = products.get(line.productId);
    if (!product) throw at('productId', 'no such product');
    if (product.active !== 1) throw at('productId', `${product.sku} is archived and cannot be sold`, 'BUSINESS_RULE');
    const uomId = line.uomId ?? product.uom_id;
    let quantity = line.quantity;
    if (uomId !== product.uom_id) {
      if (!(await uomById.first(db, { id: uomId }))) throw at('uomId', 'no such unit of measure');
      try {
        quantity = await convertQuantity(db, { productId: product.id, fromUomId: uomId, toUomId: product.uom_id, quantity: line.quantity });
      } catch (e) {
        if (e instanceof DomainError) throw at('uomId', `${product.sku}: ${e.message}`, 'BUSINESS_RULE');
        throw e;
      }
    }
    checked.push({ product, uomId, quantity });
  }
  // Lines repeating a product and quantity (EDI orders often do) are priced once.
  const distinct = new Map<string, { product: SaleProduct; quantity: number }>();
  for (const c of checked) if (!known?.quotes?.has(`${c.product.id}|${c.quantity}`)) distinct.set(`${c.product.id}|${c.quantity}`, c);
  const priced = distinct.size ? await pricesFor(db, pricing, [...distinct.values()]) : [];
  const quotes = new Map([...distinct.keys()].map((k, i) => [k, priced[i]!] as const));
  const out = checked.map(({ product, uomId, quantity }, i) => {
    const line = lines[i]!;
    const quote = (quotes.get(`${product.id}|${quantity}`) ?? known?.quotes?.get(`${product.id}|${quantity}`))!;
    const overridden = line.unitPriceMinor !== undefined;
    const unitPrice = overridden ? line.unitPriceMinor! : quote.unitPriceMinor;
    const reason = overridden
      ? `Manual price${actorName ? ` by ${actorName}` : ''}; the pricelist gives ${formatMinor(quote.unitPriceMinor)} (${quote.reason})`
      : quote.reason;
    const taxRate = customer.tax_rate_bp ?? product.tax_rate_bp ?? settings.defaultTaxRateBp;
    return {
      line_no: i + 1,
      product_id: product.id,
      sku: product.sku,
      name: product.name,
      uom_id: uomId,
      uom_quantity: line.quantity,
      quantity,
      list_price_minor: Number(product.list_price_minor),
      unit_price_minor: unitPrice,
      price_overridden: overridden ? 1 : 0,
      price_rule_id: overridden ? null : quote.ruleId,
      price_reason: reason,
      discount_bp: line.discountBp,
      cost_minor: Number(product.cost_minor),
      tax_rate_bp: taxRate,
      subtotal_minor: 0,
      tax_minor: 0,
      total_minor: 0,
    };
  });
  // Amounts as finance taxes the invoice (finance/tax.ts taxDocumentLines: the customer's fiscal
  // position, prices including tax, the company's rounding), so the order's totals are what
  // invoicing all of it gives. The line keeps the rate sales chose; the invoice resolves it alike.
  const taxed = taxDocumentLines(
    taxes ?? (await taxPolicyFor({ db }, customer.id, 'sales')),
    out.map((l) => ({ price: { unitPriceMinor: l.unit_price_minor, discountBp: l.discount_bp, taxRateBp: l.tax_rate_bp }, from: 0, to: l.quantity })),
  );
  for (const [i, l] of out.entries()) {
    const a = taxed[i]!;
    l.subtotal_minor = a.subtotal_minor;
    l.tax_minor = a.tax_minor;
    l.total_minor = a.total_minor;
  }
  return out;
}

export function totalsOf(lines: PricedLine[]) {
  let untaxed = 0;
  let tax = 0;
  let cost = 0;
  for (const l of lines) {
    untaxed += l.subtotal_minor;
    tax += l.tax_minor;
    cost += l.quantity * l.cost_minor;
  }
  return { untaxed_minor: untaxed, tax_minor: tax, total_minor: untaxed + tax, cost_minor: cost };
}

// Compiled once (Kysely would build and compile each insert anew, ~40 µs a statement); every column given.
const ORDER_COLUMNS = ['id', 'branch_id', 'created_at', 'updated_at', 'version', 'number', 'state', 'partner_id', 'channel_code', 'customer_po', 'currency', 'ship_to_address_id', 'warehouse_id', 'order_date', 'requested_date', 'promised_date', 'payment_captured', 'invoice_policy', 'payment_terms_days', 'backorder_policy', 'priority_rank', 'untaxed_minor', 'tax_minor', 'total_minor', 'cost_minor', 'invoiced_minor', 'cancelled_minor', 'hold_reason', 'approved_by', 'credit_released_by', 'credit_release_reason', 'delivery_transfer_id', 'confirmed_at', 'notes', 'search_text'] as const satisfies readonly (keyof SalesOrderTable)[];
const LINE_COLUMNS = ['id', 'branch_id', 'created_at', 'updated_at', 'version', 'order_id', 'line_no', 'product_id', 'uom_id', 'uom_quantity', 'quantity', 'list_price_minor', 'unit_price_minor', 'price_overridden', 'price_rule_id', 'price_reason', 'discount_bp', 'cost_minor', 'tax_rate_bp', 'subtotal_minor', 'tax_minor', 'total_minor', 'qty_delivered', 'qty_invoiced', 'qty_returned', 'qty_cancelled'] as const satisfies readonly (keyof SalesOrderLineTable)[];
const insertOrderRows = preparedInsertMany<'sales_order', SalesOrderTable & Record<string, unknown>>('sales_order', ORDER_COLUMNS);
const insertLineRows = preparedInsertMany<'sales_order_line', SalesOrderLineTable & Record<string, unknown>>('sales_order_line', LINE_COLUMNS);

/** Writes the lines; returns their ids in line order. */
export async function insertLines(ctx: CommandContext, orderId: string, lines: PricedLine[], deferred = false): Promise<string[]> {
  // Spreads last: on Node 20 an object literal that starts with a spread and goes on with more properties costs 20–70 µs (every row makes new hidden classes); keys do not overlap.
  const rows: SalesOrderLineTable[] = lines.map(({ sku: _sku, name: _name, ...l }) => ({
    order_id: orderId,
    qty_delivered: 0,
    qty_invoiced: 0,
    qty_returned: 0,
    qty_cancelled: 0,
    ...l,
    ...newRowMeta(ctx),
  }));
  // 26 columns a row: 100 rows a statement stay well under both databases' parameter limits.
  await insertOrDefer(ctx, insertLineRows, 'sales_order_line', rows as (SalesOrderLineTable & Record<string, unknown>)[], deferred ? orderId : null);
  return rows.map((r) => r.id);
}

/** The ship-to address: the one given (it must be the customer's), else the customer's default. */
export async function shipToOf(db: Db | Tx, customerId: string, given: string | null): Promise<{ id: string; region: string | null } | null> {
  if (given) {
    const a = await db.selectFrom('partner_address').select(['id', 'region', 'kind', 'active']).where('id', '=', given).where('partner_id', '=', customerId).executeTakeFirst();
    if (!a || a.active !== 1) throw new DomainError('VALIDATION', 'Ship-to address: not an address of this customer', { fields: [{ path: 'shipToAddressId', message: 'Not an address of this customer' }] });
    return { id: a.id, region: a.region };
  }
  const d = await defaultShipTo.first(db, { partnerId: customerId });
  return d ?? null;
}

const defaultShipTo = preparedQuery<{ partnerId: string }, { id: string; region: string | null }>(['partnerId'], (db, p) =>
  db
    .selectFrom('partner_address')
    .select(['id', 'region'])
    .where('partner_id', '=', p.partnerId)
    .where('kind', '=', 'ship_to')
    .where('active', '=', 1)
    .orderBy('is_default', 'desc')
    .orderBy('created_at')
    .limit(1),
);

/** Warnings that do not stop an order: the customer's PO number already used on another order. */
export async function poWarnings(db: Db | Tx, o: { id: string; partnerId: string; customerPo: string | null }): Promise<string[]> {
  if (!o.customerPo) return [];
  const other = await poUsed.first(db, { partnerId: o.partnerId, po: o.customerPo, id: o.id });
  return other ? [`Customer PO ${o.customerPo} is already on order ${other.number} (${other.state.replace(/_/g, ' ')}); check this is not a duplicate`] : [];
}

const poUsed = preparedQuery<{ partnerId: string; po: string; id: string }, { number: string; state: string }>(['partnerId', 'po', 'id'], (db, p) =>
  db
    .selectFrom('sales_order')
    .select(['number', 'state'])
    .where('partner_id', '=', p.partnerId)
    .where('customer_po', '=', p.po)
    .where('id', '!=', p.id)
    .where('state', '!=', 'cancelled')
    .orderBy('created_at')
    .limit(1),
);

export interface NewOrder {
  customer: CustomerRow;
  channel: ChannelRules;
  currency: string;
  customerPo: string | null;
  shipTo: { id: string; region: string | null } | null;
  warehouseId: string | null;
  orderDate: string;
  requestedDate: string | null;
  paymentCaptured: boolean;
  notes: string | null;
  lines: PricedLine[];
  rank: number;
}

/**
 * Writes a draft order and its lines. `deferred`: an order its command confirms from what was
 * written (KnownOrder) and never reads back through SQL; under deferRows (an import chunk) its
 * rows are written with the chunk's others at the end (sales/README.md, "Deferred rows").
 */
export async function insertOrder(ctx: CommandContext, o: NewOrder, deferred = false): Promise<{ id: string; number: string; row: SalesOrderTable; lineIds: string[] }> {
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-SO-${ctx.now.slice(0, 4)}-`);
  const id = ctx.newId();
  // Spreads last (see insertLines).
  const row: SalesOrderTable = {
    number,
    state: 'draft',
    partner_id: o.customer.id,
    channel_code: o.channel.code,
    customer_po: o.customerPo,
    currency: o.currency,
    ship_to_address_id: o.shipTo?.id ?? null,
    warehouse_id: o.warehouseId,
    order_date: o.orderDate,
    requested_date: o.requestedDate,
    promised_date: null,
    payment_captured: o.paymentCaptured ? 1 : 0,
    // Paid orders are invoiced (and settled) when confirmed.
    invoice_policy: o.paymentCaptured ? 'on_order' : (o.customer.invoice_policy ?? 'on_delivery'),
    payment_terms_days: o.customer.payment_terms_days,
    backorder_policy: o.channel.backorderPolicy,
    priority_rank: o.rank,
    invoiced_minor: 0,
    cancelled_minor: 0,
    hold_reason: null,
    approved_by: null,
    credit_released_by: null,
    credit_release_reason: null,
    delivery_transfer_id: null,
    confirmed_at: null,
    notes: o.notes,
    search_text: orderSearchText(number, o.customerPo),
    ...totalsOf(o.lines),
    ...newRowMeta(ctx, id),
  };
  await insertOrDefer(ctx, insertOrderRows, 'sales_order', [row as SalesOrderTable & Record<string, unknown>], deferred ? id : null);
  const lineIds = await insertLines(ctx, id, o.lines, deferred);
  return { id, number, row, lineIds };
}

/**
 * The draft order as `loadOrder` would read it right after `insertOrder` wrote it, built from
 * what was written (confirmation of an imported order need not read it back). Only for an
 * order without a warehouse of its own (its code is not at hand).
 */
export function draftOrderView(row: SalesOrderTable, customer: CustomerRow, lines: PricedLine[], lineIds: string[], uomCodes: Map<string, string>): SalesOrder {
  // No leading spread (slow on Node 20, see insertLines): the row's columns go last, the lines are added to the header.
  const view = toOrderHeader({ customer_code: customer.code, customer_name: customer.name, customer_class: customer.customer_class, warehouse_code: null, ...row } as OrderHeaderRow) as SalesOrder;
  view.lines = lines.map((l, i) => orderLineView(l, lineIds[i]!, uomCodes.get(l.uom_id) ?? '', { reserved: 0, delivered: 0, invoiced: 0, returned: 0, cancelled: 0 }));
  return view;
}

type OrderLineColumns = Pick<PricedLine, 'line_no' | 'product_id' | 'sku' | 'name' | 'uom_id' | 'uom_quantity' | 'quantity' | 'unit_price_minor' | 'list_price_minor' | 'price_overridden' | 'price_rule_id' | 'price_reason' | 'discount_bp' | 'cost_minor' | 'tax_rate_bp' | 'subtotal_minor' | 'tax_minor' | 'total_minor'>;
type LineProgress = Pick<SalesOrder['lines'][number], 'reserved' | 'delivered' | 'invoiced' | 'returned' | 'cancelled'>;

/** One order line as the contract shows it: a priced draft line, or a line read back with its progress. */
function orderLineView(l: OrderLineColumns, id: string, uomCode: string, progress: LineProgress): SalesOrder['lines'][number] {
  return {
    id,
    lineNo: l.line_no,
    productId: l.product_id,
    sku: l.sku,
    productName: l.name,
    uomId: l.uom_id,
    uomCode,
    uomQuantity: Number(l.uom_quantity),
    quantity: Number(l.quantity),
    unitPriceMinor: Number(l.unit_price_minor),
    listPriceMinor: Number(l.list_price_minor),
    priceOverridden: l.price_overridden === 1,
    priceRuleId: l.price_rule_id,
    priceReason: l.price_reason,
    discountBp: l.discount_bp,
    costMinor: Number(l.cost_minor),
    taxRateBp: l.tax_rate_bp,
    subtotalMinor: Number(l.subtotal_minor),
    taxMinor: Number(l.tax_minor),
    totalMinor: Number(l.total_minor),
    reserved: progress.reserved,
    delivered: progress.delivered,
    invoiced: progress.invoiced,
    returned: progress.returned,
    cancelled: progress.cancelled,
  };
}

export function orderSearchText(number: string, po: string | null): string {
  return `${number} ${po ?? ''}`.toLowerCase().trim();
}

// --- reading ------------------------------------------------------------------------------

export function orderHeaderQuery(db: Db | Tx) {
  return db
    .selectFrom('sales_order as o')
    .innerJoin('partner as p', 'p.id', 'o.partner_id')
    .leftJoin('warehouse as w', 'w.id', 'o.warehouse_id')
    .select([
      'o.id',
      'o.number',
      'o.state',
      'o.partner_id',
      'p.code as customer_code',
      'p.name as customer_name',
      'p.customer_class',
      'o.channel_code',
      'o.customer_po',
      'o.currency',
      'o.ship_to_address_id',
      'o.warehouse_id',
      'w.code as warehouse_code',
      'o.order_date',
      'o.requested_date',
      'o.promised_date',
      'o.payment_captured',
      'o.invoice_policy',
      'o.backorder_policy',
      'o.priority_rank',
      'o.untaxed_minor',
      'o.tax_minor',
      'o.total_minor',
      'o.cost_minor',
      'o.invoiced_minor',
      'o.cancelled_minor',
      'o.hold_reason',
      'o.delivery_transfer_id',
      'o.confirmed_at',
      'o.notes',
      'o.version',
      'o.created_at',
      'o.updated_at',
    ]);
}

export type OrderHeaderRow = Awaited<ReturnType<ReturnType<typeof orderHeaderQuery>['executeTakeFirstOrThrow']>>;

const orderHeader = preparedQuery<{ id: string }, OrderHeaderRow>(['id'], (db, p) => orderHeaderQuery(db).where('o.id', '=', p.id));

interface LineRow {
  id: string;
  line_no: number;
  product_id: string;
  sku: string;
  name: string;
  uom_id: string;
  uom_code: string;
  uom_quantity: number;
  quantity: number;
  unit_price_minor: number;
  list_price_minor: number;
  price_overridden: number;
  price_rule_id: string | null;
  price_reason: string;
  discount_bp: number;
  cost_minor: number;
  tax_rate_bp: number;
  subtotal_minor: number;
  tax_minor: number;
  total_minor: number;
  reserved: number | null;
  qty_delivered: number;
  qty_invoiced: number;
  qty_returned: number;
  qty_cancelled: number;
}

const linesQuery = (withReserved: boolean) =>
  preparedQuery<{ id: string }, LineRow>(['id'], (db, p) =>
    db
      .selectFrom('sales_order_line as l')
      .innerJoin('product as p', 'p.id', 'l.product_id')
      .innerJoin('uom as u', 'u.id', 'l.uom_id')
      .select((eb) => [
        'l.id',
        'l.line_no',
        'l.product_id',
        'p.sku',
        'p.name',
        'l.uom_id',
        'u.code as uom_code',
        'l.uom_quantity',
        'l.quantity',
        'l.unit_price_minor',
        'l.list_price_minor',
        'l.price_overridden',
        'l.price_rule_id',
        'l.price_reason',
        'l.discount_bp',
        'l.cost_minor',
        'l.tax_rate_bp',
        'l.subtotal_minor',
        'l.tax_minor',
        'l.total_minor',
        // Stock set aside for the line anywhere in its flow (each unit is reserved at one step at a time).
        withReserved
          ? eb
              .selectFrom('transfer_line as tl')
              .innerJoin('reservation as r', 'r.transfer_line_id', 'tl.id')
              .select((e) => e.fn.sum<number>('r.quantity').as('q'))
              .whereRef('tl.sales_line_id', '=', 'l.id')
              .as('reserved')
          : sql<number | null>`NULL`.as('reserved'),
        'l.qty_delivered',
        'l.qty_invoiced',
        'l.qty_returned',
        'l.qty_cancelled',
      ])
      .where('l.order_id', '=', p.id)
      .orderBy('l.line_no'),
  );
/** With the live reserved quantities (for people), or without (inside confirmation, before any exist). */
const orderLines = { reserved: linesQuery(true), plain: linesQuery(false) };

export function toOrderHeader(h: OrderHeaderRow): Omit<SalesOrder, 'lines'> {
  return {
    id: h.id,
    number: h.number,
    state: h.state,
    customerId: h.partner_id,
    customerCode: h.customer_code,
    customerName: h.customer_name,
    customerClass: h.customer_class ?? 'regular',
    channelCode: h.channel_code as SalesOrder['channelCode'],
    customerPo: h.customer_po,
    currency: h.currency,
    shipToAddressId: h.ship_to_address_id,
    warehouseId: h.warehouse_id,
    warehouseCode: h.warehouse_code,
    orderDate: h.order_date,
    requestedDate: h.requested_date,
    promisedDate: h.promised_date,
    paymentCaptured: h.payment_captured === 1,
    invoicePolicy: h.invoice_policy,
    backorderPolicy: h.backorder_policy,
    priorityRank: h.priority_rank,
    untaxedMinor: Number(h.untaxed_minor),
    taxMinor: Number(h.tax_minor),
    totalMinor: Number(h.total_minor),
    costMinor: Number(h.cost_minor),
    marginBp: marginBp(Number(h.untaxed_minor), Number(h.cost_minor)),
    invoicedMinor: Number(h.invoiced_minor),
    cancelledMinor: Number(h.cancelled_minor),
    holdReason: h.hold_reason,
    deliveryTransferId: h.delivery_transfer_id,
    confirmedAt: h.confirmed_at,
    notes: h.notes,
    version: h.version,
    createdAt: h.created_at,
    updatedAt: h.updated_at,
  };
}

export async function loadOrder(db: Db | Tx, id: string, options: { reserved: boolean } = { reserved: true }): Promise<SalesOrder> {
  const h = await orderHeader.first(db, { id });
  if (!h) throw notFound('Sales order');
  const lines = await (options.reserved ? orderLines.reserved : orderLines.plain).rows(db, { id });
  return {
    ...toOrderHeader(h),
    lines: lines.map((l) =>
      orderLineView(l, l.id, l.uom_code, { reserved: Number(l.reserved ?? 0), delivered: Number(l.qty_delivered), invoiced: Number(l.qty_invoiced), returned: Number(l.qty_returned), cancelled: Number(l.qty_cancelled) }),
    ),
  };
}
