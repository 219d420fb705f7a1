import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES } from '../../../src-shared/contract/purchasing';
import { defineHandlers, newRowMeta } from '../platform/context';
import { DomainError, notFound } from '../platform/errors';
import { billAccountingFacts, createBill, decideBill, grniByOrder, loadBill, toBillHeader } from './bills';
import { approveOrder, createPurchaseOrder, loadOrder, orderListQuery, orderRow, refuseState, setState, submitOrder, toOrderHeader } from './orders';
import { addLandedCost, loadLandedCost, receiveOrder, recordInspection, sendOrder } from './receiving';
import { decideProposal, runReplenishment } from './replenish';
import { purchaseOrder850, purchaseOrderPdf, vendorBillPdf } from './documents';
import { readPurchaseSettings, writePurchaseSettings } from './settings';
import { createVendor, findVendorPrice, loadVendor, requireVendor, toVendorHeader, vendorSearchText, writeContacts } from './vendors';
import { cancelTransfer } from '../inventory/transfers';
import { openReceiptsOf } from './orders';
import type { Db, Tx } from '../platform/db';
import type { CommandContext } from '../platform/context';
import type { ReplenishmentProposalTable } from './schema';
import { latestAcknowledgement, parse855, recordAcknowledgement } from './acknowledgement';
import { dismissReplenishment, dueSchedules, listSchedules, runDueSchedules, setSchedule } from './schedule';
import { billLandedCost } from './receiving';
import { assertDropShipPoCancellable } from './dropship';

export { billAccountingFacts, grniByOrder };

const likePattern = (q: string) => sql<string>`${`%${q.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`} ESCAPE '\\'`;

async function loadProposal(db: Db | Tx, id: string) {
  const p = await db
    .selectFrom('replenishment_proposal as r')
    .innerJoin('product as p', 'p.id', 'r.product_id')
    .innerJoin('warehouse as w', 'w.id', 'r.warehouse_id')
    .leftJoin('partner as v', 'v.id', 'r.vendor_id')
    .selectAll('r')
    .select(['p.sku', 'w.code as warehouse_code', 'v.name as vendor_name'])
    .where('r.id', '=', id)
    .executeTakeFirst();
  if (!p) throw notFound('Proposal');
  return toProposal(p);
}

/** A proposal row as the list and the single read select it: the table's columns, with names joined in. */
type ProposalRow = Omit<ReplenishmentProposalTable, 'branch_id' | 'created_at' | 'updated_at' | 'version' | 'dismiss_reason'> & {
  sku: string;
  warehouse_code: string;
  vendor_name: string | null;
  dismiss_reason?: string | null;
};

function toProposal(p: ProposalRow) {
  return {
    id: p.id,
    runId: p.run_id,
    productId: p.product_id,
    sku: p.sku,
    warehouseId: p.warehouse_id,
    warehouseCode: p.warehouse_code,
    kind: p.kind,
    vendorId: p.vendor_id,
    vendorName: p.vendor_name,
    sourceWarehouseId: p.source_warehouse_id,
    quantity: Number(p.quantity),
    unitPriceMinor: Number(p.unit_price_minor),
    valueMinor: Number(p.value_minor),
    projected: Number(p.projected),
    reason: p.reason,
    exception: p.exception,
    state: p.state,
    orderId: p.order_id,
    transferId: p.transfer_id,
    dismissReason: p.dismiss_reason ?? null,
  };
}

const INSPECTION_COLUMNS = ['i.id', 'i.order_id', 'o.number', 'i.order_line_id', 'i.product_id', 'p.sku', 'i.quantity', 'i.state', 'i.passed', 'i.failed', 'i.note', 'i.return_transfer_id'] as const;
function inspectionQuery(db: Db | Tx) {
  return db.selectFrom('purchase_inspection as i').innerJoin('purchase_order as o', 'o.id', 'i.order_id').innerJoin('product as p', 'p.id', 'i.product_id').select(INSPECTION_COLUMNS);
}
type InspectionRow = Awaited<ReturnType<ReturnType<typeof inspectionQuery>['executeTakeFirstOrThrow']>>;
const toInspection = (r: InspectionRow) => ({
  id: r.id,
  orderId: r.order_id,
  orderNumber: r.number,
  orderLineId: r.order_line_id,
  productId: r.product_id,
  sku: r.sku,
  quantity: Number(r.quantity),
  state: r.state,
  passed: Number(r.passed),
  failed: Number(r.failed),
  note: r.note,
  returnTransferId: r.return_transfer_id,
});

/** Magic numbers of the allowed binary types: a file must be what its type says. */
function contentMatchesType(bytes: Buffer, mime: string): boolean {
  if (mime === 'application/pdf') return bytes.subarray(0, 5).toString('latin1') === '%PDF-';
  if (mime === 'image/png') return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  if (mime === 'image/jpeg') return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (mime === 'application/edi-x12') return bytes.subarray(0, 3).toString('latin1') === 'ISA';
  // Text: valid UTF-8 without NUL bytes.
  return !bytes.includes(0) && Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

/** Checks and stores an attachment (type, size, content against the type); the outbox records only its size and hash. */
async function storeAttachment(ctx: CommandContext, input: { ownerKind: 'purchase_order' | 'receipt' | 'vendor_bill'; ownerId: string; fileName: string; mimeType: string; contentBase64: string }, recordInput = true) {
  if (!(ATTACHMENT_TYPES as readonly string[]).includes(input.mimeType)) {
    throw new DomainError('VALIDATION', `Files of type ${input.mimeType || '(none)'} cannot be attached; allowed: PDF, PNG, JPEG, text, CSV, X12`, { fields: [{ path: 'mimeType', message: 'Type not allowed' }] });
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.contentBase64)) throw new DomainError('VALIDATION', 'The file content is not valid base64', { fields: [{ path: 'contentBase64', message: 'Not base64' }] });
  const bytes = Buffer.from(input.contentBase64, 'base64');
  if (bytes.length === 0) throw new DomainError('VALIDATION', 'The file is empty', { fields: [{ path: 'contentBase64', message: 'Empty file' }] });
  if (bytes.length > ATTACHMENT_MAX_BYTES) throw new DomainError('PAYLOAD_TOO_LARGE', `${input.fileName} is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; attachments are at most ${ATTACHMENT_MAX_BYTES / 1024 / 1024} MB`, { fields: [{ path: 'contentBase64', message: 'Too large' }] });
  if (!contentMatchesType(bytes, input.mimeType)) throw new DomainError('VALIDATION', `${input.fileName} is not a ${input.mimeType} file (its content does not match the type)`, { fields: [{ path: 'mimeType', message: 'Content does not match' }] });
  const owner =
    input.ownerKind === 'purchase_order'
      ? await ctx.db.selectFrom('purchase_order').select('number').where('id', '=', input.ownerId).executeTakeFirst()
      : input.ownerKind === 'vendor_bill'
        ? await ctx.db.selectFrom('vendor_bill').select('number').where('id', '=', input.ownerId).executeTakeFirst()
        : await ctx.db.selectFrom('transfer').select('number').where('id', '=', input.ownerId).where('kind', '=', 'receipt').executeTakeFirst();
  if (!owner) throw new DomainError('VALIDATION', 'The document to attach to was not found', { fields: [{ path: 'ownerId', message: 'No such document' }] });
  const id = ctx.newId();
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await ctx.db.insertInto('purchase_attachment').values({ ...newRowMeta(ctx, id), owner_kind: input.ownerKind, owner_id: input.ownerId, file_name: input.fileName, mime_type: input.mimeType, size_bytes: bytes.length, sha256, content_base64: input.contentBase64 }).execute();
  if (recordInput) {
    ctx.recordInputAs({ ...input, contentBase64: `(${bytes.length} bytes, sha256 ${sha256})` });
    ctx.summarize(`Attached ${input.fileName} to ${owner.number}`);
  }
  return { id, ownerKind: input.ownerKind, ownerId: input.ownerId, fileName: input.fileName, mimeType: input.mimeType, sizeBytes: bytes.length, sha256, createdAt: ctx.now };
}

export const purchasingHandlers = defineHandlers({
  'purchasing.vendor.create': async (ctx, input) => loadVendor(ctx.db, await createVendor(ctx, input), ctx.now),
  'purchasing.vendor.update': async (ctx, input) => {
    const v = await requireVendor(ctx.db, input.id, 'id');
    const ediEnabled = input.ediEnabled ?? v.edi_enabled === 1;
    const ediId = input.ediId !== undefined ? input.ediId : v.edi_id;
    if (ediEnabled && !ediId) throw new DomainError('VALIDATION', 'An EDI vendor needs its EDI id (ISA receiver id)', { fields: [{ path: 'ediId', message: 'Required for EDI' }] });
    const name = input.name ?? v.name;
    const email = input.email !== undefined ? input.email : v.email;
    await ctx.db
      .updateTable('partner')
      .set((eb) => ({
        name,
        email,
        phone: input.phone !== undefined ? input.phone : v.phone,
        payment_terms_days: input.paymentTermsDays ?? v.payment_terms_days,
        lead_time_days: input.leadTimeDays ?? v.lead_time_days,
        active: input.active === undefined ? v.active : input.active ? 1 : 0,
        search_text: vendorSearchText({ code: v.code, name, email, ediId }),
        updated_at: ctx.now,
        version: eb('version', '+', 1),
      }))
      .where('id', '=', v.id)
      .execute();
    await ctx.db
      .updateTable('vendor_profile')
      .set((eb) => ({
        currency: input.currency ?? v.currency,
        min_order_qty: input.minOrderQty ?? v.min_order_qty,
        order_multiple: input.orderMultiple ?? v.order_multiple,
        edi_enabled: ediEnabled ? 1 : 0,
        edi_id: ediId,
        updated_at: ctx.now,
        version: eb('version', '+', 1),
      }))
      .where('partner_id', '=', v.id)
      .execute();
    if (input.contacts) await writeContacts(ctx, v.id, input.contacts, true);
    ctx.summarize(`Updated vendor ${v.code}`);
    return loadVendor(ctx.db, v.id, ctx.now);
  },
  'purchasing.vendor.get': async (ctx, input) => loadVendor(ctx.db, input.id, new Date().toISOString()),
  'purchasing.vendor.list': async (ctx, input) => {
    let q = ctx.db.selectFrom('partner as p').innerJoin('vendor_profile as v', 'v.partner_id', 'p.id').where('p.kind', '=', 'vendor');
    if (input.query) q = q.where('p.search_text', 'like', likePattern(input.query));
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const col = { code: 'p.code', name: 'p.name', leadTimeDays: 'p.lead_time_days' } as const;
    const rows = await q
      .select(['p.id', 'p.code', 'p.name', 'p.email', 'p.phone', 'p.payment_terms_days', 'p.lead_time_days', 'p.active', 'v.currency', 'v.min_order_qty', 'v.order_multiple', 'v.edi_enabled', 'v.edi_id'])
      .orderBy(col[input.sort], input.dir)
      .orderBy('p.id')
      .offset(input.offset)
      .limit(input.limit)
      .execute();
    return { rows: rows.map(toVendorHeader), total: Number(total.n), offset: input.offset };
  },

  'purchasing.price.set': async (ctx, input) => {
    const v = await requireVendor(ctx.db, input.vendorId);
    const product = await ctx.db.selectFrom('product').select(['id', 'sku', 'active']).where('id', '=', input.productId).executeTakeFirst();
    if (!product) throw new DomainError('VALIDATION', 'Product: no such product', { fields: [{ path: 'productId', message: 'No such product' }] });
    // One price per vendor, product, quantity break and validity start: a new one replaces it —
    // this branch's own row is retired; another branch's stays, and the newest wins wherever
    // prices are read (a branch changes only its own rows: migration 0029).
    let q = ctx.db.updateTable('vendor_price').set({ active: 0, updated_at: ctx.now }).where('branch_id', '=', ctx.branchId).where('vendor_id', '=', v.id).where('product_id', '=', product.id).where('min_quantity', '=', input.minQuantity).where('active', '=', 1);
    q = input.validFrom === null ? q.where('valid_from', 'is', null) : q.where('valid_from', '=', input.validFrom);
    await q.execute();
    const id = ctx.newId();
    await ctx.db
      .insertInto('vendor_price')
      .values({ ...newRowMeta(ctx, id), vendor_id: v.id, product_id: product.id, min_quantity: input.minQuantity, price_minor: input.priceMinor, vendor_sku: input.vendorSku, valid_from: input.validFrom, valid_to: input.validTo, active: 1 })
      .execute();
    ctx.summarize(`Vendor price for ${product.sku} from ${v.name}: ${input.priceMinor} from ${input.minQuantity}`);
    return { id, vendorId: v.id, vendorName: v.name, productId: product.id, sku: product.sku, minQuantity: input.minQuantity, priceMinor: input.priceMinor, vendorSku: input.vendorSku, validFrom: input.validFrom, validTo: input.validTo };
  },
  'purchasing.price.list': async (ctx, input) => {
    let q = ctx.db
      .selectFrom('vendor_price as vp')
      .innerJoin('partner as v', 'v.id', 'vp.vendor_id')
      .innerJoin('product as p', 'p.id', 'vp.product_id')
      .select(['vp.id', 'vp.vendor_id', 'v.name', 'vp.product_id', 'p.sku', 'vp.min_quantity', 'vp.price_minor', 'vp.vendor_sku', 'vp.valid_from', 'vp.valid_to'])
      .where('vp.active', '=', 1)
      // Not replaced by a newer price of the same key (set by another branch: see price.set).
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('vendor_price as newer')
              .select('newer.id')
              .whereRef('newer.vendor_id', '=', 'vp.vendor_id')
              .whereRef('newer.product_id', '=', 'vp.product_id')
              .whereRef('newer.min_quantity', '=', 'vp.min_quantity')
              .where(sql<boolean>`newer.valid_from IS NOT DISTINCT FROM vp.valid_from`)
              .where('newer.active', '=', 1)
              .where(sql<boolean>`(newer.created_at, newer.id) > (vp.created_at, vp.id)`),
          ),
        ),
      );
    if (input.productId) q = q.where('vp.product_id', '=', input.productId);
    if (input.vendorId) q = q.where('vp.vendor_id', '=', input.vendorId);
    const rows = await q.orderBy('p.sku').orderBy('v.name').orderBy('vp.min_quantity').limit(5000).execute();
    return {
      rows: rows.map((r) => ({ id: r.id, vendorId: r.vendor_id, vendorName: r.name, productId: r.product_id, sku: r.sku, minQuantity: Number(r.min_quantity), priceMinor: Number(r.price_minor), vendorSku: r.vendor_sku, validFrom: r.valid_from, validTo: r.valid_to })),
    };
  },
  'purchasing.price.find': async (ctx, input) => {
    const found = await findVendorPrice(ctx.db, { ...input, date: input.date ?? new Date().toISOString().slice(0, 10) });
    return { priceMinor: found?.priceMinor ?? null, minQuantity: found?.minQuantity ?? null };
  },
  'purchasing.preferredVendor.set': async (ctx, input) => {
    const v = await requireVendor(ctx.db, input.vendorId);
    // This branch's choice (each branch keeps its own: migration 0029).
    const existing = await ctx.db.selectFrom('product_vendor').select('id').where('branch_id', '=', ctx.branchId).where('product_id', '=', input.productId).where('warehouse_id', '=', input.warehouseId).executeTakeFirst();
    if (existing) await ctx.db.updateTable('product_vendor').set((eb) => ({ vendor_id: v.id, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', '=', existing.id).execute();
    else await ctx.db.insertInto('product_vendor').values({ ...newRowMeta(ctx), product_id: input.productId, warehouse_id: input.warehouseId, vendor_id: v.id }).execute();
    ctx.summarize(`Preferred vendor set to ${v.name}`);
    return { ok: true as const };
  },
  'purchasing.categoryPolicy.set': async (ctx, input) => {
    const cat = await ctx.db.selectFrom('category').select(['id', 'name']).where('id', '=', input.categoryId).executeTakeFirst();
    if (!cat) throw new DomainError('VALIDATION', 'Category: no such category', { fields: [{ path: 'categoryId', message: 'No such category' }] });
    const existing = await ctx.db.selectFrom('purchase_category_policy').select('id').where('category_id', '=', cat.id).executeTakeFirst();
    if (existing) await ctx.db.updateTable('purchase_category_policy').set((eb) => ({ requires_inspection: input.requiresInspection ? 1 : 0, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', '=', existing.id).execute();
    else await ctx.db.insertInto('purchase_category_policy').values({ ...newRowMeta(ctx), category_id: cat.id, requires_inspection: input.requiresInspection ? 1 : 0 }).execute();
    ctx.summarize(`${cat.name}: receipts ${input.requiresInspection ? 'are inspected' : 'need no inspection'}`);
    return { ok: true as const };
  },
  'purchasing.reorderRule.set': async (ctx, input) => {
    const product = await ctx.db.selectFrom('product').select(['id', 'sku']).where('id', '=', input.productId).executeTakeFirst();
    if (!product) throw new DomainError('VALIDATION', 'Product: no such product', { fields: [{ path: 'productId', message: 'No such product' }] });
    const wh = await ctx.db.selectFrom('warehouse').select('id').where('id', '=', input.warehouseId).executeTakeFirst();
    if (!wh) throw new DomainError('VALIDATION', 'Warehouse: no such warehouse', { fields: [{ path: 'warehouseId', message: 'No such warehouse' }] });
    const values = { method: input.method, min_qty: input.minQty, max_qty: input.maxQty, multiple: input.multiple, window_days: input.windowDays, service_level_bp: input.serviceLevelBp, cover_days: input.coverDays, active: input.active ? 1 : 0 };
    // This branch's rule (each branch keeps its own: migration 0028).
    const existing = await ctx.db.selectFrom('reorder_rule').select('id').where('branch_id', '=', ctx.branchId).where('product_id', '=', product.id).where('warehouse_id', '=', wh.id).executeTakeFirst();
    const id = existing?.id ?? ctx.newId();
    if (existing) await ctx.db.updateTable('reorder_rule').set((eb) => ({ ...values, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', '=', id).execute();
    else await ctx.db.insertInto('reorder_rule').values({ ...newRowMeta(ctx, id), product_id: product.id, warehouse_id: wh.id, ...values }).execute();
    ctx.summarize(`Reorder rule for ${product.sku}: ${input.method === 'min_max' ? `min ${input.minQty} / max ${input.maxQty}` : 'demand-driven'}`);
    return { id, productId: product.id, sku: product.sku, warehouseId: wh.id, method: input.method, minQty: input.minQty, maxQty: input.maxQty, multiple: input.multiple, windowDays: input.windowDays, serviceLevelBp: input.serviceLevelBp, coverDays: input.coverDays, active: input.active };
  },
  'purchasing.reorderRule.list': async (ctx, input) => {
    let q = ctx.db.selectFrom('reorder_rule as r').innerJoin('product as p', 'p.id', 'r.product_id').where('r.branch_id', '=', ctx.install.branchId ?? '');
    if (input.warehouseId) q = q.where('r.warehouse_id', '=', input.warehouseId);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll('r').select('p.sku').orderBy('p.sku').orderBy('r.id').offset(input.offset).limit(input.limit).execute();
    return {
      rows: rows.map((r) => ({ id: r.id, productId: r.product_id, sku: r.sku, warehouseId: r.warehouse_id, method: r.method, minQty: Number(r.min_qty), maxQty: Number(r.max_qty), multiple: Number(r.multiple), windowDays: r.window_days, serviceLevelBp: r.service_level_bp, coverDays: r.cover_days, active: r.active === 1 })),
      total: Number(total.n),
      offset: input.offset,
    };
  },
  'purchasing.settings.get': async (ctx) => readPurchaseSettings(ctx.db),
  'purchasing.settings.set': async (ctx, input) => {
    const current = await readPurchaseSettings(ctx.db);
    const next = { ...current, ...input };
    if (next.doubleApprovalThresholdMinor < next.approvalThresholdMinor) throw new DomainError('VALIDATION', 'The double-validation threshold must be at least the approval threshold', { fields: [{ path: 'doubleApprovalThresholdMinor', message: 'At least the approval threshold' }] });
    ctx.summarize('Changed purchasing settings');
    return writePurchaseSettings(ctx.db, input);
  },

  'purchasing.po.create': async (ctx, input) => loadOrder(ctx.db, await createPurchaseOrder(ctx, input)),
  'purchasing.po.submit': async (ctx, input) => {
    await submitOrder(ctx, input.id);
    return loadOrder(ctx.db, input.id);
  },
  'purchasing.po.approve': async (ctx, input) => {
    await approveOrder(ctx, input.id);
    return loadOrder(ctx.db, input.id);
  },
  'purchasing.po.send': async (ctx, input) => {
    await sendOrder(ctx, input.id);
    return loadOrder(ctx.db, input.id);
  },
  'purchasing.po.confirm': async (ctx, input) => {
    const po = await orderRow(ctx.db, input.id);
    if (po.state !== 'sent') throw refuseState(po.number, po.state, 'confirmed by the vendor');
    await setState(ctx, po.id, 'confirmed', { confirmed_at: ctx.now, vendor_reference: input.vendorReference });
    ctx.summarize(`Vendor confirmed ${po.number}${input.vendorReference ? ` (${input.vendorReference})` : ''}`);
    return loadOrder(ctx.db, input.id);
  },
  'purchasing.po.receive': async (ctx, input) => {
    await receiveOrder(ctx, input.id, input.lines, input.createBackorder);
    return loadOrder(ctx.db, input.id);
  },
  'purchasing.po.cancel': async (ctx, input) => {
    const po = await orderRow(ctx.db, input.id);
    if (!['draft', 'to_approve', 'approved', 'sent', 'confirmed'].includes(po.state)) throw refuseState(po.number, po.state, 'cancelled (goods were received)');
    await assertDropShipPoCancellable(ctx.db, po);
    for (const t of await openReceiptsOf(ctx.db, po.number)) await cancelTransfer(ctx, t.id);
    await setState(ctx, po.id, 'cancelled');
    ctx.summarize(`Cancelled ${po.number}`);
    return loadOrder(ctx.db, input.id);
  },
  'purchasing.po.close': async (ctx, input) => {
    const po = await orderRow(ctx.db, input.id);
    if (po.state !== 'billed') throw refuseState(po.number, po.state, 'closed (bill it first)');
    await setState(ctx, po.id, 'done');
    ctx.summarize(`Closed ${po.number}`);
    return loadOrder(ctx.db, input.id);
  },
  'purchasing.po.get': async (ctx, input) => loadOrder(ctx.db, input.id),
  'purchasing.bill.pdf': async (ctx, input) => {
    const pdf = await vendorBillPdf(ctx.db, input.id);
    return { filename: pdf.filename, contentType: 'application/pdf' as const, base64: pdf.buffer.toString('base64') };
  },
  'purchasing.po.pdf': async (ctx, input) => {
    const pdf = await purchaseOrderPdf(ctx.db, input.id);
    return { filename: pdf.filename, contentType: 'application/pdf' as const, base64: pdf.buffer.toString('base64') };
  },
  'purchasing.po.edi850': async (ctx, input) => {
    const po = await orderRow(ctx.db, input.id);
    const v = await ctx.db.selectFrom('vendor_profile').select(['edi_enabled', 'edi_id']).where('partner_id', '=', po.vendor_id).executeTakeFirst();
    if (v?.edi_enabled !== 1 || !v.edi_id) throw new DomainError('BUSINESS_RULE', `${po.number}: the vendor does not take EDI orders (enable EDI and give its EDI id)`);
    const branch = await ctx.db.selectFrom('branch').select('code').orderBy('created_at').executeTakeFirst();
    const edi = await purchaseOrder850(ctx.db, input.id, `BL${branch?.code ?? 'B00'}`);
    return { filename: edi.filename, contentType: 'application/edi-x12' as const, text: edi.text };
  },
  'purchasing.attachment.get': async (ctx, input) => {
    const r = await ctx.db.selectFrom('purchase_attachment').selectAll().where('id', '=', input.id).executeTakeFirst();
    if (!r) throw notFound('Attachment');
    return { id: r.id, ownerKind: r.owner_kind, ownerId: r.owner_id, fileName: r.file_name, mimeType: r.mime_type, sizeBytes: Number(r.size_bytes), sha256: r.sha256, createdAt: r.created_at, contentBase64: r.content_base64 };
  },
  'purchasing.po.list': async (ctx, input) => {
    const { q, sortColumn } = orderListQuery(ctx.db, input);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q
      .selectAll('o')
      .select(['p.name as vendor_name', 'w.code as warehouse_code'])
      .select((eb) => eb.selectFrom('purchase_order_line as l').select((e) => e.fn.countAll<number>().as('c')).whereRef('l.order_id', '=', 'o.id').as('line_count'))
      .orderBy(sortColumn, input.dir)
      .orderBy('o.id')
      .offset(input.offset)
      .limit(input.limit)
      .execute();
    return { rows: rows.map((r) => Object.assign(toOrderHeader(r), { lineCount: Number(r.line_count ?? 0) })), total: Number(total.n), offset: input.offset };
  },
  'purchasing.inspection.list': async (ctx, input) => {
    let q = inspectionQuery(ctx.db);
    if (input.state) q = q.where('i.state', '=', input.state);
    if (input.orderId) q = q.where('i.order_id', '=', input.orderId);
    const rows = await q.orderBy('i.state', 'desc').orderBy('i.created_at').limit(500).execute();
    return { rows: rows.map(toInspection) };
  },
  'purchasing.inspection.record': async (ctx, input) => {
    await recordInspection(ctx, input);
    return toInspection(await inspectionQuery(ctx.db).where('i.id', '=', input.id).executeTakeFirstOrThrow());
  },
  'purchasing.landedCost.add': async (ctx, input) => loadLandedCost(ctx, await addLandedCost(ctx, input)),

  'purchasing.bill.create': async (ctx, input) => loadBill(ctx.db, await createBill(ctx, input)),
  'purchasing.bill.approve': async (ctx, input) => {
    await decideBill(ctx, input.id, 'approve', input.reason);
    return loadBill(ctx.db, input.id);
  },
  'purchasing.bill.requestCredit': async (ctx, input) => {
    await decideBill(ctx, input.id, 'credit', input.reason);
    return loadBill(ctx.db, input.id);
  },
  'purchasing.bill.get': async (ctx, input) => loadBill(ctx.db, input.id),
  'purchasing.bill.list': async (ctx, input) => {
    let q = ctx.db.selectFrom('vendor_bill as b').innerJoin('partner as p', 'p.id', 'b.vendor_id').innerJoin('purchase_order as o', 'o.id', 'b.order_id');
    if (input.state) q = q.where('b.state', '=', input.state);
    if (input.orderId) q = q.where('b.order_id', '=', input.orderId);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll('b').select(['p.name as vendor_name', 'o.number as order_number']).orderBy('b.number', 'desc').offset(input.offset).limit(input.limit).execute();
    return { rows: rows.map(toBillHeader), total: Number(total.n), offset: input.offset };
  },
  'purchasing.grni': async (ctx, input) => grniByOrder(ctx.db, input.vendorId),

  'purchasing.replenish.run': async (ctx, input) => runReplenishment(ctx, input),
  'purchasing.replenish.review': async (ctx, input) => {
    let q = ctx.db
      .selectFrom('replenishment_proposal as r')
      .innerJoin('product as p', 'p.id', 'r.product_id')
      .innerJoin('warehouse as w', 'w.id', 'r.warehouse_id')
      .leftJoin('partner as v', 'v.id', 'r.vendor_id')
      .where('r.state', '=', 'review');
    if (input.runId) q = q.where('r.run_id', '=', input.runId);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll('r').select(['p.sku', 'w.code as warehouse_code', 'v.name as vendor_name']).orderBy('r.created_at', 'desc').orderBy('r.id').offset(input.offset).limit(input.limit).execute();
    return { rows: rows.map(toProposal), total: Number(total.n), offset: input.offset };
  },
  'purchasing.replenish.decide': async (ctx, input) => {
    const orderId = await decideProposal(ctx, input.id, input.accept);
    ctx.summarize(input.accept ? 'Accepted a replenishment proposal' : 'Rejected a replenishment proposal');
    return { proposal: await loadProposal(ctx.db, input.id), orderId };
  },

  'purchasing.replenish.dismiss': async (ctx, input) => dismissReplenishment(ctx, input),
  'purchasing.replenish.schedule.set': async (ctx, input) => setSchedule(ctx, input),
  'purchasing.replenish.schedule.list': async (ctx) => ({ rows: await listSchedules(ctx.db) }),
  'purchasing.replenish.due': async (ctx) => dueSchedules(ctx.db, new Date().toISOString()),
  'purchasing.replenish.runDue': async (ctx) => runDueSchedules(ctx),
  'purchasing.po.acknowledge': async (ctx, input) => {
    const parsed = parse855(input.content);
    const contentBase64 = Buffer.from(input.content, 'utf8').toString('base64');
    const { orderId, number } = await recordAcknowledgement(ctx, parsed, async (ownerId) => (await storeAttachment(ctx, { ownerKind: 'purchase_order', ownerId, fileName: input.fileName, mimeType: 'application/edi-x12', contentBase64 }, false)).id);
    ctx.recordInputAs({ fileName: input.fileName, content: `(${input.content.length} characters, interchange ${parsed.controlNumber})` });
    return { orderId, orderNumber: number, acknowledgement: (await latestAcknowledgement(ctx.db, orderId))! };
  },
  'purchasing.landedCost.bill': async (ctx, input) => {
    await billLandedCost(ctx, input);
    return loadLandedCost(ctx, input.id);
  },
  'purchasing.attachment.add': async (ctx, input) => storeAttachment(ctx, input),
  'purchasing.attachment.list': async (ctx, input) => {
    const rows = await ctx.db.selectFrom('purchase_attachment').select(['id', 'owner_kind', 'owner_id', 'file_name', 'mime_type', 'size_bytes', 'sha256', 'created_at']).where('owner_kind', '=', input.ownerKind).where('owner_id', '=', input.ownerId).orderBy('created_at').execute();
    return { rows: rows.map((r) => ({ id: r.id, ownerKind: r.owner_kind, ownerId: r.owner_id, fileName: r.file_name, mimeType: r.mime_type, sizeBytes: Number(r.size_bytes), sha256: r.sha256, createdAt: r.created_at })) };
  },
});

/** Re-exported for Finance: see README. */
export { billAccountingFacts as purchasingBillFacts };
