import type { z } from 'zod';
import type { LandedCost, ReceiveLineInput } from '../../../src-shared/contract/purchasing';
import { averageCost, batchLedgerWrites, postMoves, prorate } from '../inventory/ledger';
import { inventorySession } from '../inventory/session';
import { confirmFlow, createFlow, insertTransfer, NO_ORDER_FIELDS, planLines, validateTransfer } from '../inventory/transfers';
import { type CommandContext, newRowMeta } from '../platform/context';
import { DomainError, notFound } from '../platform/errors';
import { formatMinor } from '../pricing/money';
import { branchCode, nextDocumentNumber } from '../platform/series';
import { openReceiptsOf, orderRow, refreshReceiptState, refuseState, setState } from './orders';
import { readPurchaseSettings } from './settings';
import { rematchBillsOf } from './bills';
import { createHash } from 'node:crypto';
import { purchaseOrder850, purchaseOrderPdf } from './documents';
import { postEntry, todayOf, type PostingLine } from '../finance/ledger';
import { requireVendor } from './vendors';

type ReceiveLine = z.output<typeof ReceiveLineInput>;
const DAY = 86_400_000;

/**
 * Sending plans the receipt: lines without inspection follow the warehouse's reception steps
 * (IN → QC → PUT as configured); lines whose category requires inspection are received into
 * the warehouse's Quality zone and wait for `purchasing.inspection.record`.
 */
export async function sendOrder(ctx: CommandContext, id: string): Promise<void> {
  const po = await orderRow(ctx.db, id);
  if (po.state !== 'approved') throw refuseState(po.number, po.state, 'sent (approve it first)');
  const lines = await ctx.db.selectFrom('purchase_order_line').selectAll().where('order_id', '=', id).orderBy('line_no').execute();
  // A drop-ship order plans no warehouse receipt: the vendor ships to the customer (dropship.ts).
  const toWarehouse = po.ship_to_partner_id === null ? lines : [];
  const normal = toWarehouse.filter((l) => l.needs_inspection !== 1);
  const inspected = toWarehouse.filter((l) => l.needs_inspection === 1);
  const common = {
    warehouseId: po.warehouse_id,
    partnerId: po.vendor_id,
    origin: po.number,
    channelCode: null,
    promisedDate: po.expected_date,
    orderDate: po.order_date,
    scheduledDate: po.expected_date,
    shippingPolicy: 'asap' as const,
    carrier: null,
    carrierCutoff: null,
    orderValueMinor: Number(po.total_minor),
  };
  const toLine = (l: (typeof lines)[number]) => ({ productId: l.product_id, quantity: Number(l.quantity), unitCostMinor: Number(l.unit_price_minor) });
  if (normal.length > 0) {
    await createFlow(ctx, { ...common, kind: 'receipt', priorityRank: 100, fromLocationId: undefined, toLocationId: undefined, lines: normal.map(toLine), confirm: true });
  }
  if (inspected.length > 0) {
    await batchLedgerWrites(ctx, async () => {
      const session = inventorySession(ctx);
      const planned = await planLines(ctx, inspected.map(toLine));
      const t = await insertTransfer(
        ctx,
        { ...common, kind: 'receipt', opCode: 'IN', priorityRank: 100, from: await session.virtual('vendor'), to: await session.zone(po.warehouse_id, 'quality') },
        planned,
      );
      await confirmFlow(ctx, t.id);
    });
  }
  await setState(ctx, id, 'sent', { sent_at: ctx.now });
  // What was sent is kept with the order (replicated like any row): the PDF, and the 850 for EDI vendors.
  const sent: { name: string; mime: string; bytes: Buffer }[] = [];
  const pdf = await purchaseOrderPdf(ctx.db, id);
  sent.push({ name: pdf.filename, mime: 'application/pdf', bytes: pdf.buffer });
  const vendor = await ctx.db.selectFrom('vendor_profile').select(['edi_enabled', 'edi_id']).where('partner_id', '=', po.vendor_id).executeTakeFirst();
  if (vendor?.edi_enabled === 1 && vendor.edi_id) {
    const edi = await purchaseOrder850(ctx.db, id, `BL${await branchCode(ctx)}`);
    sent.push({ name: edi.filename, mime: 'application/edi-x12', bytes: Buffer.from(edi.text, 'utf8') });
  }
  for (const f of sent) {
    await ctx.db
      .insertInto('purchase_attachment')
      .values({ ...newRowMeta(ctx), owner_kind: 'purchase_order', owner_id: id, file_name: f.name, mime_type: f.mime, size_bytes: f.bytes.length, sha256: createHash('sha256').update(f.bytes).digest('hex'), content_base64: f.bytes.toString('base64') })
      .execute();
  }
  ctx.summarize(`Sent ${po.number} to the vendor (${sent.map((f) => f.name).join(', ')})`);
}

/**
 * Receives goods: validates the open receipt(s) of the order with the given quantities (what
 * is not received stays on a backorder unless the caller says otherwise). More than ordered
 * is accepted up to the over-receipt tolerance. Each received quantity is recorded for vendor
 * performance; inspected lines open an inspection.
 */
export async function receiveOrder(ctx: CommandContext, id: string, given: ReceiveLine[], createBackorder: boolean): Promise<void> {
  const po = await orderRow(ctx.db, id);
  if (!['sent', 'confirmed', 'partially_received'].includes(po.state)) throw refuseState(po.number, po.state, 'received');
  const settings = await readPurchaseSettings(ctx.db);
  const lines = await ctx.db
    .selectFrom('purchase_order_line as l')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .selectAll('l')
    .select('p.sku')
    .where('l.order_id', '=', id)
    .execute();
  const byId = new Map(lines.map((l) => [l.id, l]));
  const seen = new Set<string>();
  for (const [i, g] of given.entries()) {
    const line = byId.get(g.lineId);
    if (!line) throw new DomainError('VALIDATION', `Line ${i + 1}: not a line of ${po.number}`, { fields: [{ path: `lines.${i}.lineId`, message: 'Not on this order' }] });
    if (seen.has(g.lineId)) throw new DomainError('VALIDATION', `Line ${i + 1}: ${line.sku} is given twice`, { fields: [{ path: `lines.${i}.lineId`, message: 'Given twice' }] });
    seen.add(g.lineId);
    const limit = Math.floor((Number(line.quantity) * (10_000 + settings.overReceiptToleranceBp)) / 10_000);
    const after = Number(line.qty_received) + g.quantity;
    if (after > limit) {
      throw new DomainError(
        'BUSINESS_RULE',
        `${line.sku}: receiving ${g.quantity} makes ${after} of ${line.quantity} ordered, above the over-receipt tolerance of ${settings.overReceiptToleranceBp / 100} % (at most ${limit - Number(line.qty_received)} more)`,
        { fields: [{ path: `lines.${i}.quantity`, message: `At most ${limit - Number(line.qty_received)}` }] },
      );
    }
  }
  if (given.every((g) => g.quantity === 0)) throw new DomainError('VALIDATION', 'Nothing to receive: every quantity is zero', { fields: [{ path: 'lines', message: 'Nothing received' }] });

  const open = await openReceiptsOf(ctx.db, po.number);
  if (open.length === 0) throw new DomainError('BUSINESS_RULE', `${po.number} has no open receipt`);
  const received = new Map<string, number>();
  const receiptOf = new Map<string, string>();
  for (const t of open) {
    const tlines = await ctx.db.selectFrom('transfer_line').select(['id', 'product_id', 'quantity', 'quantity_done', 'next_line_id']).where('transfer_id', '=', t.id).where('state', 'in', ['waiting', 'ready']).execute();
    const validate: { lineId: string; quantity: number; lotName?: string; expiryDate?: string; serials?: string[] }[] = [];
    const grow: { nextLineId: string; extra: number }[] = [];
    for (const tl of tlines) {
      const poLine = lines.find((l) => l.product_id === tl.product_id);
      const g = poLine ? given.find((x) => x.lineId === poLine.id) : undefined;
      if (!poLine || !g || g.quantity === 0 || received.has(poLine.id)) continue;
      const need = Number(tl.quantity) - Number(tl.quantity_done);
      validate.push({ lineId: tl.id, quantity: g.quantity, lotName: g.lotName, expiryDate: g.expiryDate, serials: g.serials });
      if (g.quantity > need && tl.next_line_id) grow.push({ nextLineId: tl.next_line_id, extra: g.quantity - need });
      received.set(poLine.id, g.quantity);
      receiptOf.set(poLine.id, t.id);
    }
    if (validate.length === 0) continue;
    // Lines of this receipt not being received are given as 0, so they stay on the backorder.
    for (const tl of tlines) if (!validate.some((v) => v.lineId === tl.id)) validate.push({ lineId: tl.id, quantity: 0 });
    await validateTransfer(ctx, t.id, validate, createBackorder);
    // Over-receipt in a multi-step warehouse: the next steps carry the extra units too.
    for (const { nextLineId, extra } of grow) await growChain(ctx, nextLineId, extra);
  }
  const missing = given.filter((g) => g.quantity > 0 && !received.has(g.lineId));
  if (missing.length > 0) throw new DomainError('BUSINESS_RULE', `${byId.get(missing[0]!.lineId)!.sku} has nothing left to receive on ${po.number}`);

  const sentAt = Date.parse(po.sent_at ?? po.order_date);
  const leadDays = Math.max(0, Math.round((Date.parse(ctx.now) - sentAt) / DAY));
  const onTime = ctx.now.slice(0, 10) <= po.expected_date.slice(0, 10) ? 1 : 0;
  for (const [lineId, qty] of received) {
    const line = byId.get(lineId)!;
    await ctx.db
      .updateTable('purchase_order_line')
      .set((eb) => ({ qty_received: eb('qty_received', '+', qty), updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', lineId)
      .execute();
    await ctx.db
      .insertInto('purchase_receipt_line')
      .values({ ...newRowMeta(ctx), order_id: id, order_line_id: lineId, vendor_id: po.vendor_id, transfer_id: receiptOf.get(lineId) ?? null, quantity: qty, received_at: ctx.now, on_time: onTime, lead_days: leadDays })
      .execute();
    if (line.needs_inspection === 1) {
      await ctx.db
        .insertInto('purchase_inspection')
        .values({ ...newRowMeta(ctx), order_id: id, order_line_id: lineId, warehouse_id: po.warehouse_id, product_id: line.product_id, quantity: qty, state: 'pending', passed: 0, failed: 0, note: null, decided_by: null, return_transfer_id: null })
        .execute();
    }
  }
  await refreshReceiptState(ctx, id);
  await rematchBillsOf(ctx, id);
  ctx.summarize(`Received ${[...received.values()].reduce((a, b) => a + b, 0)} unit(s) on ${po.number}`);
}

async function growChain(ctx: CommandContext, lineId: string | null, extra: number): Promise<void> {
  // Steps after the first stay inside the warehouse, so neither incoming nor outgoing changes.
  for (let id = lineId; id; ) {
    const row = await ctx.db.selectFrom('transfer_line').select(['next_line_id', 'state']).where('id', '=', id).executeTakeFirst();
    if (!row || row.state === 'done' || row.state === 'cancelled') return;
    await ctx.db
      .updateTable('transfer_line')
      .set((eb) => ({ quantity: eb('quantity', '+', extra), uom_quantity: eb('uom_quantity', '+', extra), updated_at: ctx.now }))
      .where('id', '=', id)
      .execute();
    id = row.next_line_id;
  }
}

/** An internal move between two zones of a warehouse, planned, reserved and validated now. */
async function moveNow(ctx: CommandContext, p: { warehouseId: string; from: 'quality' | 'returns'; to: 'stock' | 'returns'; opCode: string; kind: 'internal' | 'quality'; productId: string; quantity: number; origin: string }) {
  const session = inventorySession(ctx);
  const planned = await planLines(ctx, [{ productId: p.productId, quantity: p.quantity }]);
  const base = { warehouseId: p.warehouseId, partnerId: null, origin: p.origin, channelCode: null, priorityRank: 100, promisedDate: null, orderDate: null, scheduledDate: ctx.now, shippingPolicy: 'asap' as const, carrier: null, carrierCutoff: null, orderValueMinor: 0 };
  const t = await batchLedgerWrites(ctx, async () => insertTransfer(ctx, { ...base, kind: p.kind, opCode: p.opCode, from: await session.zone(p.warehouseId, p.from), to: await session.zone(p.warehouseId, p.to) }, planned));
  await confirmFlow(ctx, t.id);
  await validateTransfer(ctx, t.id, undefined, false);
  return t.id;
}

/**
 * Records an inspection: passed units move Quality → Stock (and serve waiting demand);
 * failed ones move to the Returns zone (quarantine) and a return-to-vendor delivery is
 * planned from there. Passed + failed must equal what was inspected.
 */
export async function recordInspection(ctx: CommandContext, input: { id: string; passed: number; failed: number; note: string | null }): Promise<void> {
  const ins = await ctx.db.selectFrom('purchase_inspection').selectAll().where('id', '=', input.id).executeTakeFirst();
  if (!ins) throw notFound('Inspection');
  if (ins.state === 'done') throw new DomainError('BUSINESS_RULE', 'This inspection is already recorded');
  if (input.passed + input.failed !== Number(ins.quantity)) {
    throw new DomainError('VALIDATION', `Passed ${input.passed} + failed ${input.failed} must equal the ${ins.quantity} unit(s) inspected`, { fields: [{ path: 'failed', message: `Passed + failed = ${ins.quantity}` }] });
  }
  if (input.failed > 0 && !input.note) throw new DomainError('VALIDATION', 'Say why the goods failed inspection', { fields: [{ path: 'note', message: 'Required when goods fail' }] });
  const po = await orderRow(ctx.db, ins.order_id);
  if (input.passed > 0) await moveNow(ctx, { warehouseId: ins.warehouse_id, from: 'quality', to: 'stock', opCode: 'PUT', kind: 'internal', productId: ins.product_id, quantity: input.passed, origin: po.number });
  let returnId: string | null = null;
  if (input.failed > 0) {
    await moveNow(ctx, { warehouseId: ins.warehouse_id, from: 'quality', to: 'returns', opCode: 'QC', kind: 'quality', productId: ins.product_id, quantity: input.failed, origin: po.number });
    const session = inventorySession(ctx);
    const planned = await planLines(ctx, [{ productId: ins.product_id, quantity: input.failed }]);
    const t = await batchLedgerWrites(ctx, async () =>
      insertTransfer(
        ctx,
        {
          kind: 'delivery',
          opCode: 'OUT',
          warehouseId: ins.warehouse_id,
          from: await session.zone(ins.warehouse_id, 'returns'),
          to: await session.virtual('vendor'),
          partnerId: po.vendor_id,
          origin: `${po.number} RTV`,
          channelCode: null,
          priorityRank: 0,
          scheduledDate: ctx.now,
          ...NO_ORDER_FIELDS,
        },
        planned,
      ),
    );
    await confirmFlow(ctx, t.id);
    returnId = t.id;
    await ctx.db
      .updateTable('purchase_order_line')
      .set((eb) => ({ qty_rejected: eb('qty_rejected', '+', input.failed), updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', ins.order_line_id)
      .execute();
  }
  await ctx.db
    .updateTable('purchase_inspection')
    .set((eb) => ({ state: 'done', passed: input.passed, failed: input.failed, note: input.note, decided_by: ctx.actor.username, return_transfer_id: returnId, updated_at: ctx.now, version: eb('version', '+', 1) }))
    .where('id', '=', input.id)
    .execute();
  await rematchBillsOf(ctx, po.id);
  ctx.summarize(`Inspection on ${po.number}: ${input.passed} passed, ${input.failed} failed${input.failed > 0 ? ' (quarantined, return to vendor planned)' : ''}`);
}

/**
 * Splits `amount` over `weights` exactly by the largest-remainder method: every share is its
 * exact proportion rounded down, and the units left over go one each to the largest remainders.
 * So shares sum to `amount`, are never negative and each is within one unit of its proportion
 * (rounding every share half-up and dumping the difference on one line could drive it below zero).
 */
export function allocate(amount: number, weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + BigInt(b), 0n);
  const whole = BigInt(amount);
  const exact = weights.map((w, i) => ({ i, share: (whole * BigInt(w)) / total, rest: (whole * BigInt(w)) % total }));
  let left = whole - exact.reduce((a, e) => a + e.share, 0n);
  const byRest = [...exact].sort((a, b) => (b.rest > a.rest ? 1 : b.rest < a.rest ? -1 : a.i - b.i));
  for (const e of byRest) {
    if (left <= 0n) break;
    e.share += 1n;
    left -= 1n;
  }
  return exact.map((e) => Number(e.share));
}

/**
 * Allocates a landed cost to the order's accepted lines (received − rejected) by value,
 * weight or quantity. The share of units still owned is capitalized into the product's
 * valuation by a ledger revaluation (one unit out to Vendors at the current cost and back at
 * that cost plus the share: quantities unchanged, value up by exactly the share — so the
 * average cost moves and the valuation stays derivable from the ledger); the share of units
 * already sold is expensed (reported to Finance).
 */
export async function addLandedCost(ctx: CommandContext, input: { orderId: string; kind: 'freight' | 'duty' | 'insurance' | 'other'; method: 'value' | 'weight' | 'quantity'; amountMinor: number }): Promise<string> {
  const po = await orderRow(ctx.db, input.orderId);
  const lines = (await ctx.db.selectFrom('purchase_order_line').selectAll().where('order_id', '=', po.id).orderBy('line_no').execute()).filter((l) => Number(l.qty_received) - Number(l.qty_rejected) > 0);
  if (lines.length === 0) throw new DomainError('BUSINESS_RULE', `${po.number} has nothing received yet: add landed costs after the receipt`);
  const accepted = (l: (typeof lines)[number]) => Number(l.qty_received) - Number(l.qty_rejected);
  const basis = lines.map((l) => (input.method === 'value' ? accepted(l) * Number(l.unit_price_minor) : input.method === 'weight' ? accepted(l) * Number(l.unit_weight_g) : accepted(l)));
  if (basis.every((b) => b === 0)) throw new DomainError('BUSINESS_RULE', `No line of ${po.number} has a ${input.method === 'weight' ? 'weight' : 'value'}: choose another allocation method`, { fields: [{ path: 'method', message: 'Nothing to allocate by' }] });
  const shares = allocate(input.amountMinor, basis);
  const session = inventorySession(ctx);
  const vendorLoc = await session.virtual('vendor');
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-LC-${ctx.now.slice(0, 4)}-`, 5);
  const id = ctx.newId();
  const rows: { order_line_id: string; product_id: string; allocated_minor: number; capitalized_minor: number }[] = [];
  let capitalized = 0;
  for (const [i, l] of lines.entries()) {
    const share = shares[i]!;
    let cap = 0;
    if (share > 0) {
      const owned = await ctx.db.selectFrom('product_valuation').select('quantity').where('product_id', '=', l.product_id).executeTakeFirst();
      const onHand = Math.max(0, Number(owned?.quantity ?? 0));
      cap = onHand >= accepted(l) ? share : prorate(share, onHand, accepted(l));
      // A unit free to move in the order's warehouse carries the revaluation.
      const at = cap > 0 ? await freeUnitLocation(ctx, l.product_id, po.warehouse_id) : null;
      if (at) {
        const reference = `${number} ${input.kind}`;
        const [outId] = await batchLedgerWrites(ctx, () => postMoves(ctx, [{ productId: l.product_id, quantity: 1, from: at, to: vendorLoc, lotId: at.lotKey || null, reference, reason: 'Landed cost revaluation' }]));
        const out = await ctx.db.selectFrom('stock_move').select('value_minor').where('id', '=', outId!).executeTakeFirstOrThrow();
        await batchLedgerWrites(ctx, () => postMoves(ctx, [{ productId: l.product_id, quantity: 1, from: vendorLoc, to: at, lotId: at.lotKey || null, reference, unitCostMinor: -Number(out.value_minor) + cap, reason: 'Landed cost revaluation' }]));
      } else cap = 0;
    }
    capitalized += cap;
    rows.push({ order_line_id: l.id, product_id: l.product_id, allocated_minor: share, capitalized_minor: cap });
  }
  // Finance: Cr landed-cost clearing (the freight vendor's bill clears it), Dr COGS for the share
  // already sold. The revaluation moves above posted the capitalized share Dr stock / Cr GRNI
  // (every Vendors move does); this entry takes that credit off GRNI onto the clearing account.
  const entryLines: PostingLine[] = [];
  for (const r of rows) {
    if (r.capitalized_minor > 0) entryLines.push({ account: 'grni', debit: r.capitalized_minor, productId: r.product_id, warehouseId: po.warehouse_id, label: `${number} capitalized` });
    if (r.allocated_minor - r.capitalized_minor > 0) entryLines.push({ account: 'cogs', debit: r.allocated_minor - r.capitalized_minor, productId: r.product_id, warehouseId: po.warehouse_id, label: `${number} on units already sold` });
  }
  entryLines.push({ account: 'landed_cost_clearing', credit: input.amountMinor, label: `${number} ${input.kind} on ${po.number}` });
  const entryId = await postEntry(ctx, { journal: 'stock', date: todayOf(ctx), memo: `Landed cost ${number} (${input.kind}) on ${po.number}`, sourceKind: 'landed_cost', sourceId: id, sourceNumber: number, lines: entryLines });
  await ctx.db
    .insertInto('landed_cost')
    .values({ ...newRowMeta(ctx, id), order_id: po.id, number, kind: input.kind, method: input.method, amount_minor: input.amountMinor, capitalized_minor: capitalized, expensed_minor: input.amountMinor - capitalized, entry_id: entryId })
    .execute();
  await ctx.db.insertInto('landed_cost_line').values(rows.map((r) => ({ ...newRowMeta(ctx), landed_cost_id: id, ...r }))).execute();
  ctx.summarize(`Landed cost ${number} (${input.kind}, ${formatMinor(input.amountMinor)}) on ${po.number}: ${formatMinor(capitalized)} into stock value`);
  return id;
}

async function freeUnitLocation(ctx: CommandContext, productId: string, warehouseId: string) {
  const row = await ctx.db
    .selectFrom('stock_level as s')
    .innerJoin('location as l', 'l.id', 's.location_id')
    .select(['l.id', 'l.warehouse_id', 'l.path', 'l.usage', 'l.zone', 'l.name', 's.lot_key'])
    .where('s.product_id', '=', productId)
    .where('l.usage', '=', 'internal')
    .where((eb) => eb(eb('s.on_hand', '-', eb.ref('s.reserved')), '>=', 1))
    .orderBy((eb) => eb.case().when('l.warehouse_id', '=', warehouseId).then(0).else(1).end())
    .orderBy('s.on_hand', 'desc')
    .executeTakeFirst();
  if (!row) return null;
  return { id: row.id, warehouse_id: row.warehouse_id, path: row.path, usage: row.usage, zone: row.zone, name: row.name, lotKey: row.lot_key };
}

export async function loadLandedCost(ctx: CommandContext, id: string): Promise<z.infer<typeof LandedCost>> {
  const lc = await ctx.db.selectFrom('landed_cost').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const lines = await ctx.db.selectFrom('landed_cost_line as c').innerJoin('product as p', 'p.id', 'c.product_id').selectAll('c').select('p.sku').where('c.landed_cost_id', '=', id).execute();
  const out = [];
  for (const l of lines) {
    out.push({ orderLineId: l.order_line_id, productId: l.product_id, sku: l.sku, allocatedMinor: Number(l.allocated_minor), capitalizedMinor: Number(l.capitalized_minor), averageCostMinor: await averageCost(ctx, l.product_id) });
  }
  return { id: lc.id, number: lc.number, orderId: lc.order_id, kind: lc.kind, method: lc.method, amountMinor: Number(lc.amount_minor), capitalizedMinor: Number(lc.capitalized_minor), expensedMinor: Number(lc.expensed_minor), lines: out, billVendorId: lc.bill_vendor_id, billReference: lc.bill_reference };
}

/** The freight (duty…) vendor's bill of a landed cost: Dr landed-cost clearing, Cr that vendor's payable. */
export async function billLandedCost(ctx: CommandContext, input: { id: string; vendorId: string; vendorReference: string; billDate: string }): Promise<void> {
  const lc = await ctx.db.selectFrom('landed_cost').selectAll().where('id', '=', input.id).executeTakeFirst();
  if (!lc) throw notFound('Landed cost');
  if (lc.bill_reference) throw new DomainError('CONFLICT', `${lc.number} is already billed (${lc.bill_reference})`);
  const vendor = await requireVendor(ctx.db, input.vendorId);
  const reference = input.vendorReference.trim();
  const taken =
    (await ctx.db.selectFrom('landed_cost').select('number').where('bill_vendor_id', '=', vendor.id).where('bill_reference', '=', reference).executeTakeFirst())?.number ??
    (await ctx.db.selectFrom('vendor_bill').select('number').where('vendor_id', '=', vendor.id).where('vendor_reference', '=', reference).executeTakeFirst())?.number;
  if (taken) throw new DomainError('CONFLICT', `${vendor.name}'s bill ${reference} is already recorded on ${taken}`, { fields: [{ path: 'vendorReference', message: `Already recorded on ${taken}` }] });
  const amount = Number(lc.amount_minor);
  const entryId = await postEntry(ctx, {
    journal: 'purchase',
    date: input.billDate,
    memo: `${vendor.name} bill ${reference} for landed cost ${lc.number}`,
    sourceKind: 'landed_cost_bill',
    sourceId: lc.id,
    sourceNumber: reference,
    lines: [
      { account: 'landed_cost_clearing', debit: amount, partnerId: vendor.id, label: lc.number },
      { account: 'payable', credit: amount, partnerId: vendor.id, label: reference },
    ],
  });
  await ctx.db.updateTable('landed_cost').set((eb) => ({ bill_vendor_id: vendor.id, bill_reference: reference, bill_entry_id: entryId, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', '=', lc.id).execute();
  ctx.summarize(`Recorded ${vendor.name}'s bill ${reference} (${formatMinor(amount)}) for landed cost ${lc.number}`);
}
