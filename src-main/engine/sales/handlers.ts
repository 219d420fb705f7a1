import { sql } from 'kysely';
import type { z } from 'zod';
import type { SalesOrder, SalesOrderCreateInput } from '../../../src-shared/contract/sales';
import type { CustomerRow } from '../partners/customers';
import { likeEscape } from '../catalog/products';
import { cancelTransfer } from '../inventory/transfers';
import { defineHandlers, type CommandContext, newRowMeta } from '../platform/context';
import { DomainError, notFound } from '../platform/errors';
import { formatMinor } from '../pricing/money';
import { closeActivities, loadActivity, openActivity, toActivity } from './activities';
import { canDecide, loadApprovalRule, REQUEST_COLUMNS, requestsQuery, toRequest } from './approvals';
import { channelRules, listChannelPolicies, orderRank, setChannelPolicy } from './channels';
import { confirmOrder } from './confirm';
import { releaseCreditHold } from './credit-release';
import { invoiceOrder, invoiceQuery, loadInvoice, toInvoiceSummary } from './invoices';
import { draftOrderView, insertLines, insertOrder, type KnownPricing, loadOrder, orderHeaderQuery, orderSearchText, type PricedLine, poWarnings, priceLines, sellableCustomer, shipToOf, toOrderHeader, totalsOf } from './orders';
import { refreshOrder, syncDeliveries, updateState } from './progress';
import { channelOf, companyCurrencyOf, salesSettingsOf, salesTaxPolicyOf, unitCodesOf } from './session';
import { readSalesSettings, writeSalesSettings } from './settings';
import { settleCancelled as settleCancelledDropShip } from '../purchasing/dropship';

type CreateInput = z.output<typeof SalesOrderCreateInput>;

const ORDER_SORT = {
  number: 'o.number',
  orderDate: 'o.order_date',
  state: 'o.state',
  customer: 'p.name',
  totalMinor: 'o.total_minor',
  promisedDate: 'o.promised_date',
} as const;

const RELEASED = ['confirmed', 'partially_delivered', 'delivered', 'invoiced', 'done'];
const OPEN_TRANSFER = ['draft', 'waiting', 'ready'] as const;

async function assertWarehouse(ctx: CommandContext, id: string | null): Promise<void> {
  if (!id) return;
  const wh = await ctx.db.selectFrom('warehouse').select(['id', 'active', 'code']).where('id', '=', id).executeTakeFirst();
  if (!wh) throw new DomainError('VALIDATION', 'Warehouse: no such warehouse', { fields: [{ path: 'warehouseId', message: 'No such warehouse' }] });
  if (wh.active !== 1) throw new DomainError('BUSINESS_RULE', `Warehouse ${wh.code} is not active`, { fields: [{ path: 'warehouseId', message: 'Not active' }] });
}

/**
 * Creates a draft order (a quotation) with priced lines; with `confirm`, confirms it in the
 * same command (pricing, approval, credit, reservation, outbox and audit in one transaction).
 * Returns the order's id and the warnings to show.
 */
/**
 * What an import chunk has already read for an order (sales/README.md, "Imports"): the checked
 * customer, its ship-to, the products and this customer's quotes, the units' codes. With it,
 * createOrder reads none of them again and returns the draft as written (`view`), so
 * confirmation does not read it back either.
 */
export interface PreparedOrder {
  customer: CustomerRow;
  shipTo: { id: string; region: string | null } | null;
  pricing: KnownPricing;
  uomCodes: Map<string, string>;
}

/** Invoices what the order has to invoice now (its deliveries synced first) and sets its state: the invoice's id, or null when there was nothing. */
export async function invoiceNow(ctx: CommandContext, orderId: string): Promise<string | null> {
  await syncDeliveries(ctx, orderId);
  const id = await invoiceOrder(ctx, orderId, { paid: false });
  await updateState(ctx, orderId);
  return id;
}

export async function createOrder(
  ctx: CommandContext,
  input: CreateInput,
  options: { poCheckedBy?: 'import'; prepared?: PreparedOrder } = {},
): Promise<{ id: string; number: string; warnings: string[]; lines: PricedLine[]; view: SalesOrder | null }> {
  const prepared = options.prepared && options.prepared.customer.id === input.customerId && !input.shipToAddressId && !input.warehouseId ? options.prepared : null;
  const settings = await salesSettingsOf(ctx);
  const customer = prepared?.customer ?? (await sellableCustomer(ctx.db, input.customerId));
  const channel = await channelOf(ctx, input.channelCode);
  const currency = await companyCurrencyOf(ctx);
  const orderDate = input.orderDate ?? ctx.now;
  const lines = await priceLines(
    ctx.db,
    { partnerId: customer.id, customerClass: customer.customer_class ?? 'regular', pricelistId: customer.pricelist_id ?? null, channelCode: channel.code, currency, date: orderDate.slice(0, 10) },
    customer,
    settings,
    input.lines,
    ctx.actor.username,
    prepared?.pricing,
    // Read once per customer and command: the invoice of a prepaid order uses it again.
    await salesTaxPolicyOf(ctx, customer.id),
  );
  const shipTo = prepared ? prepared.shipTo : await shipToOf(ctx.db, customer.id, input.shipToAddressId);
  await assertWarehouse(ctx, input.warehouseId);
  const { id, number, row, lineIds } = await insertOrder(ctx, {
    customer,
    channel,
    currency,
    customerPo: input.customerPo,
    shipTo,
    warehouseId: input.warehouseId,
    orderDate,
    requestedDate: input.requestedDate,
    paymentCaptured: input.paymentCaptured,
    notes: input.notes,
    lines,
    rank: orderRank(channel, customer.customer_class ?? 'regular'),
    // A prepared order is confirmed from what was written (KnownOrder): its rows may wait for the chunk's end.
  }, !!prepared);
  // An import has already refused a PO the customer used on a live order (a duplicate), so it has no warning to add.
  const warnings = options.poCheckedBy === 'import' ? [] : await poWarnings(ctx.db, { id, partnerId: customer.id, customerPo: input.customerPo });
  // Confirmed in the same command: confirmation takes the draft as written (KnownOrder) instead of reading it back.
  const view = prepared || input.confirm ? draftOrderView(row, customer, lines, lineIds, prepared?.uomCodes ?? (await unitCodesOf(ctx))) : null;
  if (input.confirm) await confirmOrder(ctx, id, 'approval', view ? { order: view, customer, region: shipTo?.region ?? customer.region ?? null } : undefined);
  // The priced lines as written, so callers need not read them back.
  return { id, number, warnings, lines, view };
}

async function result(ctx: { db: CommandContext['db'] }, id: string, warnings: string[] = []) {
  return { ...(await loadOrder(ctx.db, id)), warnings };
}

async function orderRow(ctx: CommandContext, id: string) {
  const o = await ctx.db.selectFrom('sales_order').selectAll().where('id', '=', id).executeTakeFirst();
  if (!o) throw notFound('Sales order');
  return o;
}

const stateWords = (s: string) => s.replace(/_/g, ' ');

export const salesHandlers = defineHandlers({
  'sales.order.create': async (ctx, input) => {
    const { id, number, warnings } = await createOrder(ctx, input);
    const order = await loadOrder(ctx.db, id);
    ctx.summarize(`${input.confirm ? 'Created and confirmed' : 'Created'} order ${number} for ${order.customerName} (${order.lines.length} lines, ${formatMinor(order.totalMinor, order.currency)})${order.state !== 'draft' ? `: ${stateWords(order.state)}` : ''}`);
    return { ...order, warnings };
  },

  'sales.order.update': async (ctx, input) => {
    const o = await orderRow(ctx, input.id);
    if (o.version !== input.version) throw new DomainError('CONFLICT', `Someone else changed ${o.number} since you opened it; reload to see their change`, { currentVersion: o.version });
    if (o.state !== 'draft') throw new DomainError('BUSINESS_RULE', `${o.number} is ${stateWords(o.state)}; only draft orders (quotations) can be edited`);
    const customer = await sellableCustomer(ctx.db, o.partner_id);
    const channel = await channelRules(ctx.db, input.channelCode ?? o.channel_code);
    const customerPo = input.customerPo === undefined ? o.customer_po : input.customerPo;
    const shipTo = input.shipToAddressId === undefined ? (o.ship_to_address_id ? { id: o.ship_to_address_id } : null) : await shipToOf(ctx.db, customer.id, input.shipToAddressId);
    const warehouseId = input.warehouseId === undefined ? o.warehouse_id : input.warehouseId;
    await assertWarehouse(ctx, warehouseId);
    const header = {
      channel_code: channel.code,
      customer_po: customerPo,
      ship_to_address_id: shipTo?.id ?? null,
      warehouse_id: warehouseId,
      requested_date: input.requestedDate === undefined ? o.requested_date : input.requestedDate,
      payment_captured: input.paymentCaptured === undefined ? o.payment_captured : input.paymentCaptured ? 1 : 0,
      notes: input.notes === undefined ? o.notes : input.notes,
      backorder_policy: channel.backorderPolicy,
      priority_rank: orderRank(channel, customer.customer_class ?? 'regular'),
      search_text: orderSearchText(o.number, customerPo),
      hold_reason: null,
    };
    const invoicePolicy: 'on_order' | 'on_delivery' = header.payment_captured === 1 ? 'on_order' : (customer.invoice_policy ?? 'on_delivery');
    let totals = {};
    if (input.lines !== undefined || input.channelCode !== undefined) {
      // Lines are re-priced (a new channel may have other prices); manual prices and discounts stay.
      const given =
        input.lines ??
        (await ctx.db.selectFrom('sales_order_line').select(['product_id', 'uom_id', 'uom_quantity', 'unit_price_minor', 'price_overridden', 'discount_bp']).where('order_id', '=', o.id).orderBy('line_no').execute()).map((l) => ({
          productId: l.product_id,
          uomId: l.uom_id,
          quantity: Number(l.uom_quantity),
          unitPriceMinor: l.price_overridden === 1 ? Number(l.unit_price_minor) : undefined,
          discountBp: l.discount_bp,
        }));
      const settings = await readSalesSettings(ctx.db);
      const currency = o.currency;
      const lines = await priceLines(
        ctx.db,
        { partnerId: customer.id, customerClass: customer.customer_class ?? 'regular', pricelistId: customer.pricelist_id ?? null, channelCode: channel.code, currency, date: o.order_date.slice(0, 10) },
        customer,
        settings,
        given,
        ctx.actor.username,
      );
      await ctx.db.deleteFrom('sales_order_line').where('order_id', '=', o.id).execute();
      await insertLines(ctx, o.id, lines);
      totals = totalsOf(lines);
    }
    await ctx.db
      .updateTable('sales_order')
      .set({ ...header, ...totals, invoice_policy: invoicePolicy, updated_at: ctx.now, version: o.version + 1 })
      .where('id', '=', o.id)
      .execute();
    ctx.summarize(`Edited order ${o.number}`);
    return result(ctx, o.id, await poWarnings(ctx.db, { id: o.id, partnerId: o.partner_id, customerPo }));
  },

  'sales.order.confirm': async (ctx, input) => {
    const o = await orderRow(ctx, input.id);
    if (o.state !== 'draft') throw new DomainError('BUSINESS_RULE', `${o.number} is ${stateWords(o.state)}; only a draft order can be confirmed`);
    await confirmOrder(ctx, o.id);
    const order = await loadOrder(ctx.db, o.id);
    ctx.summarize(`Confirmed order ${o.number}: ${stateWords(order.state)}${order.holdReason ? ` (${order.holdReason})` : ''}`);
    return { ...order, warnings: await poWarnings(ctx.db, { id: o.id, partnerId: o.partner_id, customerPo: o.customer_po }) };
  },

  'sales.order.releaseCredit': async (ctx, input) => {
    const o = await orderRow(ctx, input.id);
    const how = await releaseCreditHold(ctx, o.id, input.reason);
    ctx.summarize(`Released ${o.number} from credit hold (${o.hold_reason ?? 'no reason recorded'}); reason: ${input.reason}${how === 'deferred' ? '; its branch ships it after its next sync' : ''}`);
    return result(ctx, o.id);
  },

  'sales.order.cancel': async (ctx, input) => {
    const o = await orderRow(ctx, input.id);
    if (o.state === 'cancelled') throw new DomainError('BUSINESS_RULE', `${o.number} is already cancelled`);
    const who = ctx.actor.username ?? 'system';
    if (!RELEASED.includes(o.state)) {
      await ctx.db.updateTable('sales_order').set({ state: 'cancelled', hold_reason: `Cancelled by ${who}: ${input.reason}`, updated_at: ctx.now, version: o.version + 1 }).where('id', '=', o.id).execute();
      await ctx.db
        .updateTable('approval_request')
        .set((eb) => ({ state: 'rejected', decided_by: who, decided_at: ctx.now, decision_reason: `Order cancelled: ${input.reason}`, updated_at: ctx.now, version: eb('version', '+', 1) }))
        .where('order_id', '=', o.id)
        .where('state', '=', 'pending')
        .execute();
      await closeActivities(ctx, o.id, ['approval', 'pricing', 'credit_hold', 'stock_short'], `Order cancelled: ${input.reason}`);
      ctx.summarize(`Cancelled order ${o.number}: ${input.reason}`);
      return result(ctx, o.id);
    }
    await syncDeliveries(ctx, o.id);
    const open = await ctx.db.selectFrom('transfer').select('id').where('origin', '=', o.number).where('partner_id', '=', o.partner_id).where('state', 'in', OPEN_TRANSFER).orderBy('created_at').execute();
    if (open.length === 0) throw new DomainError('BUSINESS_RULE', `Nothing is left to cancel on ${o.number}: everything was delivered or cancelled`);
    for (const t of open) {
      // Cancelling a step shrinks the steps after it; those may be closed already.
      const still = await ctx.db.selectFrom('transfer').select('state').where('id', '=', t.id).executeTakeFirstOrThrow();
      if ((OPEN_TRANSFER as readonly string[]).includes(still.state)) await cancelTransfer(ctx, t.id);
    }
    await settleCancelledDropShip(ctx, o.id);
    await syncDeliveries(ctx, o.id);
    const state = await updateState(ctx, o.id);
    await ctx.db
      .updateTable('sales_order')
      .set({ hold_reason: `${state === 'cancelled' ? 'Cancelled' : 'Remainder cancelled'} by ${who}: ${input.reason}`, updated_at: ctx.now })
      .where('id', '=', o.id)
      .execute();
    ctx.summarize(`${state === 'cancelled' ? 'Cancelled order' : 'Cancelled the remainder of order'} ${o.number}: ${input.reason}`);
    return result(ctx, o.id);
  },

  'sales.order.refresh': async (ctx, input) => {
    const o = await orderRow(ctx, input.id);
    await refreshOrder(ctx, o.id);
    ctx.summarize(`Refreshed order ${o.number} from its deliveries`);
    return result(ctx, o.id);
  },

  'sales.order.get': async (ctx, input) => loadOrder(ctx.db, input.id),

  'sales.order.list': async (ctx, input) => {
    let q = orderHeaderQuery(ctx.db);
    if (input.state) q = q.where('o.state', '=', input.state);
    if (input.customerId) q = q.where('o.partner_id', '=', input.customerId);
    if (input.channelCode) q = q.where('o.channel_code', '=', input.channelCode);
    if (input.query) {
      const pattern = `%${likeEscape(input.query.toLowerCase())}%`;
      q = q.where((eb) => eb.or([sql<boolean>`o.search_text LIKE ${pattern} ESCAPE '\\'`, sql<boolean>`p.search_text LIKE ${pattern} ESCAPE '\\'`]));
    }
    const [rows, total] = await Promise.all([
      q
        .select((eb) => eb.selectFrom('sales_order_line as x').select((e) => e.fn.countAll<number>().as('n')).whereRef('x.order_id', '=', 'o.id').as('line_count'))
        .orderBy(sql.ref(ORDER_SORT[input.sort]), input.dir)
        .orderBy('o.id', input.dir)
        .limit(input.limit)
        .offset(input.offset)
        .execute(),
      q.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map((r) => Object.assign(toOrderHeader(r), { lineCount: Number(r.line_count ?? 0) })), total: Number(total.n), offset: input.offset };
  },

  'sales.approval.list': async (ctx, input) => {
    let q = requestsQuery(ctx.db);
    if (input.state) q = q.where('a.state', '=', input.state);
    if (input.orderId) q = q.where('a.order_id', '=', input.orderId);
    const [rows, total] = await Promise.all([
      q
        .select(REQUEST_COLUMNS)
        .orderBy(sql`CASE WHEN a.state = 'pending' THEN 0 ELSE 1 END`)
        .orderBy('a.created_at', 'desc')
        .orderBy('a.id')
        .limit(input.limit)
        .offset(input.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map(toRequest), total: Number(total.n), offset: input.offset };
  },

  'sales.approval.decide': async (ctx, input) => {
    const r = await requestsQuery(ctx.db).select(REQUEST_COLUMNS).where('a.id', '=', input.id).executeTakeFirst();
    if (!r) throw notFound('Approval request');
    if (r.state !== 'pending') throw new DomainError('BUSINESS_RULE', `The approval request for ${r.number} was already ${r.state} by ${r.decided_by ?? 'someone'}`);
    if (!canDecide(ctx.actor, r.approver_role)) {
      throw new DomainError('FORBIDDEN', `This approval is for the ${r.approver_role} role; you do not have it`, { role: r.approver_role });
    }
    const o = await orderRow(ctx, r.order_id);
    if (o.state !== 'awaiting_approval') throw new DomainError('BUSINESS_RULE', `${o.number} is ${stateWords(o.state)}, not awaiting approval`);
    const approve = input.decision === 'approve';
    await ctx.db
      .updateTable('approval_request')
      .set({ state: approve ? 'approved' : 'rejected', decided_by: ctx.actor.username, decided_at: ctx.now, decision_reason: input.reason, updated_at: ctx.now, version: 2 })
      .where('id', '=', r.id)
      .execute();
    await closeActivities(ctx, o.id, ['approval', 'pricing'], `${approve ? 'Approved' : 'Rejected'} by ${ctx.actor.username}: ${input.reason}`);
    if (approve) {
      await ctx.db.updateTable('sales_order').set({ approved_by: ctx.actor.username, updated_at: ctx.now }).where('id', '=', o.id).execute();
      await confirmOrder(ctx, o.id, 'credit');
    } else {
      await ctx.db
        .updateTable('sales_order')
        .set({ state: 'draft', hold_reason: `Rejected by ${ctx.actor.username}: ${input.reason}`, updated_at: ctx.now, version: o.version + 1 })
        .where('id', '=', o.id)
        .execute();
      await openActivity(ctx, {
        role: 'clerk',
        kind: 'task',
        title: `${o.number} was not approved: edit it or cancel it`,
        body: `Rejected by ${ctx.actor.username}: ${input.reason}`,
        documentKind: 'sales_order',
        documentId: o.id,
        documentNumber: o.number,
      });
    }
    const order = await loadOrder(ctx.db, o.id);
    ctx.summarize(`${approve ? 'Approved' : 'Rejected'} order ${o.number} (${JSON.parse(r.reasons).join('; ')}); reason: ${input.reason}${approve ? ` → ${stateWords(order.state)}` : ''}`);
    return { ...order, warnings: [] };
  },

  'sales.approvalRule.create': async (ctx, input) => {
    checkApprovalRule(input);
    const id = ctx.newId();
    await ctx.db
      .insertInto('approval_rule')
      .values({
        ...newRowMeta(ctx, id),
        name: input.name,
        kind: input.kind,
        threshold_bp: input.thresholdBp,
        threshold_minor: input.thresholdMinor,
        channel_code: input.channelCode,
        partner_id: input.partnerId,
        customer_class: input.customerClass,
        approver_role: input.approverRole,
        active: 1,
      })
      .execute();
    ctx.summarize(`Added approval rule "${input.name}" (${input.kind})`);
    return loadApprovalRule(ctx.db, id);
  },

  'sales.approvalRule.update': async (ctx, input) => {
    const cur = await loadApprovalRule(ctx.db, input.id);
    if (cur.version !== input.version) throw new DomainError('CONFLICT', `Someone else changed approval rule "${cur.name}" since you opened it; reload to see their change`, { currentVersion: cur.version });
    const pick = <T>(v: T | undefined, fallback: T): T => (v === undefined ? fallback : v);
    const next = {
      name: pick(input.name, cur.name),
      kind: pick(input.kind, cur.kind),
      thresholdBp: pick(input.thresholdBp, cur.thresholdBp),
      thresholdMinor: pick(input.thresholdMinor, cur.thresholdMinor),
      channelCode: pick(input.channelCode, cur.channelCode),
      partnerId: pick(input.partnerId, cur.partnerId),
      customerClass: pick(input.customerClass, cur.customerClass),
      approverRole: pick(input.approverRole, cur.approverRole),
      active: pick(input.active, cur.active),
    };
    checkApprovalRule(next);
    await ctx.db
      .updateTable('approval_rule')
      .set({
        name: next.name,
        kind: next.kind,
        threshold_bp: next.thresholdBp,
        threshold_minor: next.thresholdMinor,
        channel_code: next.channelCode,
        partner_id: next.partnerId,
        customer_class: next.customerClass,
        approver_role: next.approverRole,
        active: next.active ? 1 : 0,
        updated_at: ctx.now,
        version: cur.version + 1,
      })
      .where('id', '=', cur.id)
      .execute();
    ctx.summarize(`Edited approval rule "${next.name}"`);
    return loadApprovalRule(ctx.db, cur.id);
  },

  'sales.channel.list': async (ctx) => ({ rows: await listChannelPolicies(ctx.db) }),

  'sales.channel.setPolicy': async (ctx, input) => {
    const { code, ...patch } = input;
    await setChannelPolicy(ctx, code, patch);
    ctx.summarize(`Set the ${code} channel policy`);
    const row = (await listChannelPolicies(ctx.db)).find((c) => c.code === code);
    if (!row) throw notFound('Channel');
    return row;
  },

  'sales.invoice.create': async (ctx, input) => {
    const o = await orderRow(ctx, input.orderId);
    if (!RELEASED.includes(o.state)) throw new DomainError('BUSINESS_RULE', `${o.number} is ${stateWords(o.state)}; only confirmed orders are invoiced`);
    const id = await invoiceNow(ctx, o.id);
    if (!id) {
      throw new DomainError(
        'BUSINESS_RULE',
        o.invoice_policy === 'on_delivery' ? `Nothing to invoice on ${o.number}: everything delivered is invoiced already` : `Nothing to invoice on ${o.number}: it is invoiced in full`,
      );
    }
    const invoice = await loadInvoice(ctx.db, id);
    ctx.summarize(`Invoiced ${o.number}: ${invoice.number} (${formatMinor(invoice.totalMinor, invoice.currency)})`);
    return invoice;
  },

  'sales.invoice.run': async (ctx, input) => {
    let q = ctx.db.selectFrom('sales_order').select('id').where('state', 'in', ['confirmed', 'partially_delivered', 'delivered']);
    if (input.customerId) q = q.where('partner_id', '=', input.customerId);
    const orders = await q.orderBy('number').limit(input.limit).execute();
    const ids: string[] = [];
    for (const o of orders) {
      const id = await invoiceNow(ctx, o.id);
      if (id) ids.push(id);
    }
    const invoices = ids.length ? await invoiceQuery(ctx.db).where('i.id', 'in', ids).orderBy('i.number').execute() : [];
    ctx.summarize(`Invoicing run: ${invoices.length} invoice(s) from ${orders.length} order(s) checked`);
    return { invoices: invoices.map(toInvoiceSummary), ordersChecked: orders.length };
  },

  'sales.invoice.get': async (ctx, input) => loadInvoice(ctx.db, input.id),

  'sales.invoice.list': async (ctx, input) => {
    let q = invoiceQuery(ctx.db);
    if (input.customerId) q = q.where('i.partner_id', '=', input.customerId);
    if (input.orderId) q = q.where('i.order_id', '=', input.orderId);
    if (input.state) q = q.where('i.state', '=', input.state);
    const [rows, total] = await Promise.all([
      q.orderBy('i.invoice_date', 'desc').orderBy('i.number', 'desc').limit(input.limit).offset(input.offset).execute(),
      q.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map(toInvoiceSummary), total: Number(total.n), offset: input.offset };
  },

  'sales.settings.get': async (ctx) => readSalesSettings(ctx.db),

  'sales.settings.set': async (ctx, input) => {
    const s = await writeSalesSettings(ctx.db, input);
    ctx.summarize('Changed sales settings');
    return s;
  },

  'activity.list': async (ctx, input) => {
    const roles = input.role ? [input.role] : ctx.actor.roles.includes('admin') ? null : [...ctx.actor.roles];
    if (input.role && !ctx.actor.roles.includes(input.role) && !ctx.actor.roles.includes('admin')) {
      throw new DomainError('FORBIDDEN', `You do not have the ${input.role} role, so you cannot see its inbox`);
    }
    let q = ctx.db.selectFrom('activity');
    if (roles) q = q.where('role', 'in', roles.length ? roles : ['']);
    if (input.state) q = q.where('state', '=', input.state);
    if (input.documentId) q = q.where('document_id', '=', input.documentId);
    const [rows, total] = await Promise.all([
      q
        .selectAll()
        .orderBy(sql`CASE WHEN state = 'open' THEN 0 ELSE 1 END`)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(input.limit)
        .offset(input.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map(toActivity), total: Number(total.n), offset: input.offset };
  },

  'activity.complete': async (ctx, input) => {
    const a = await loadActivity(ctx.db, input.id);
    if (!ctx.actor.roles.includes(a.role) && !ctx.actor.roles.includes('admin')) throw new DomainError('FORBIDDEN', `This task is in the ${a.role} inbox; you do not have that role`);
    if (a.state === 'done') throw new DomainError('BUSINESS_RULE', `This task was already done by ${a.doneBy ?? 'someone'}`);
    await ctx.db
      .updateTable('activity')
      .set((eb) => ({ state: 'done', done_by: ctx.actor.username, done_at: ctx.now, done_note: input.note, updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', a.id)
      .execute();
    ctx.summarize(`Completed task "${a.title}"`);
    return loadActivity(ctx.db, a.id);
  },
});

function checkApprovalRule(r: { kind: string; thresholdBp: number | null; thresholdMinor: number | null; partnerId: string | null; channelCode: string | null }): void {
  const field = (path: string, message: string) => new DomainError('VALIDATION', message, { fields: [{ path, message }] });
  if ((r.kind === 'discount' || r.kind === 'margin') && r.thresholdBp === null) throw field('thresholdBp', `A ${r.kind} rule needs its threshold in basis points`);
  if (r.kind === 'order_value' && r.thresholdMinor === null) throw field('thresholdMinor', 'An order value rule needs its threshold amount (in cents)');
  if (r.kind === 'customer' && !r.partnerId) throw field('partnerId', 'A customer rule needs the customer');
  if (r.kind === 'channel' && !r.channelCode) throw field('channelCode', 'A channel rule needs the channel');
}
