import { z } from 'zod';
import { Id, PageInput, PriceMinor, SortDir, pageOf, text } from './common';
import { Quantity } from './inventory';
import { command, query } from './method';
import { BasisPoints, Email, PartnerCode } from './partners';

export const PO_STATES = ['draft', 'to_approve', 'approved', 'sent', 'confirmed', 'partially_received', 'received', 'billed', 'done', 'cancelled'] as const;
export type PoState = (typeof PO_STATES)[number];
export const BILL_STATES = ['unmatched', 'held', 'ready_to_pay', 'credit_requested', 'cancelled'] as const;
export const LANDED_COST_KINDS = ['freight', 'duty', 'insurance', 'other'] as const;
export const LANDED_COST_METHODS = ['value', 'weight', 'quantity'] as const;
export const PROPOSAL_EXCEPTIONS = ['urgent', 'high_value', 'poor_vendor'] as const;
/** What may be attached to purchase documents, and how large it may be. */
export const ATTACHMENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'text/plain', 'text/csv', 'application/edi-x12'] as const;
export const ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024;

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Use a date like 2026-12-31' });
const IsoTime = z.string().datetime({ offset: true, message: 'Use a date-time like 2026-12-31T17:00:00Z' });
const Currency = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, { message: 'Currency is a 3-letter code like USD' })
  .transform((s) => s.toUpperCase());
const Days = (label: string) => z.number({ message: `${label} must be a number` }).int({ message: `${label} must be whole days` }).min(0, { message: `${label} cannot be negative` }).max(3650);

export const VendorContactInput = z.object({ name: text('Contact name', 120, 1), email: Email.nullable().default(null), phone: text('Phone', 40).nullable().default(null), role: text('Role', 60).nullable().default(null) }).strict();

const VendorFields = {
  code: PartnerCode.optional(),
  name: text('Name', 200, 1),
  email: Email.nullable().default(null),
  phone: text('Phone', 40).nullable().default(null),
  paymentTermsDays: Days('Payment terms').default(30),
  leadTimeDays: Days('Lead time').default(7),
  currency: Currency.default('USD'),
  minOrderQty: Quantity.default(1),
  orderMultiple: Quantity.default(1),
  ediEnabled: z.boolean().default(false),
  ediId: text('EDI id', 35).nullable().default(null),
  contacts: z.array(VendorContactInput).max(50).default([]),
};
export const VendorCreateInput = z.object(VendorFields).strict();
export const VendorUpdateInput = z
  .object({
    id: Id,
    name: VendorFields.name.optional(),
    email: Email.nullable().optional(),
    phone: text('Phone', 40).nullable().optional(),
    paymentTermsDays: Days('Payment terms').optional(),
    leadTimeDays: Days('Lead time').optional(),
    currency: Currency.optional(),
    minOrderQty: Quantity.optional(),
    orderMultiple: Quantity.optional(),
    ediEnabled: z.boolean().optional(),
    ediId: text('EDI id', 35).nullable().optional(),
    contacts: z.array(VendorContactInput).max(50).optional(),
    active: z.boolean().optional(),
  })
  .strict();

export const VendorPerformance = z.object({
  receiptLines: z.number().int(),
  /** Receipt lines received by the promised date ÷ receipt lines (null without history). */
  onTimeRateBp: z.number().int().nullable(),
  /** Units received ÷ units ordered on lines whose orders are closed or past due. */
  fillRateBp: z.number().int().nullable(),
  /** Average days from sending the order to receiving, as observed. */
  observedLeadDays: z.number().nullable(),
});

export const Vendor = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  paymentTermsDays: z.number().int(),
  leadTimeDays: z.number().int(),
  currency: z.string(),
  minOrderQty: z.number().int(),
  orderMultiple: z.number().int(),
  ediEnabled: z.boolean(),
  ediId: z.string().nullable(),
  active: z.boolean(),
  contacts: z.array(z.object({ id: Id, name: z.string(), email: z.string().nullable(), phone: z.string().nullable(), role: z.string().nullable() })),
  performance: VendorPerformance,
});
export type Vendor = z.infer<typeof Vendor>;

export const VendorPrice = z.object({
  id: Id,
  vendorId: Id,
  vendorName: z.string(),
  productId: Id,
  sku: z.string(),
  minQuantity: z.number().int(),
  priceMinor: z.number().int(),
  vendorSku: z.string().nullable(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
});

export const ReorderRule = z.object({
  id: Id,
  productId: Id,
  sku: z.string(),
  warehouseId: Id,
  method: z.enum(['min_max', 'demand']),
  minQty: z.number().int(),
  maxQty: z.number().int(),
  multiple: z.number().int(),
  windowDays: z.number().int(),
  serviceLevelBp: z.number().int(),
  coverDays: z.number().int(),
  active: z.boolean(),
});

export const PurchaseSettings = z.object({
  /** Orders above this total need an approver (purchasing.approve). */
  approvalThresholdMinor: z.number().int(),
  /** Orders above this total need a second, different approver (purchasing.approve.double). */
  doubleApprovalThresholdMinor: z.number().int(),
  overReceiptToleranceBp: z.number().int(),
  matchToleranceMinor: z.number().int(),
  matchToleranceBp: z.number().int(),
  highValueLineMinor: z.number().int(),
  poorOnTimeBp: z.number().int(),
  /** Receipt lines a vendor needs before its on-time rate counts as poor. */
  poorOnTimeMinLines: z.number().int(),
});
export type PurchaseSettings = z.infer<typeof PurchaseSettings>;

export const PurchaseOrderLine = z.object({
  id: Id,
  lineNo: z.number().int(),
  productId: Id,
  sku: z.string(),
  productName: z.string(),
  quantity: z.number().int(),
  unitPriceMinor: z.number().int(),
  subtotalMinor: z.number().int(),
  unitWeightG: z.number().int(),
  qtyReceived: z.number().int(),
  qtyRejected: z.number().int(),
  qtyBilled: z.number().int(),
  needsInspection: z.boolean(),
  reason: z.string().nullable(),
});

export const ACK_LINE_STATUSES = ['accepted', 'changed', 'rejected', 'backordered'] as const;
export const VendorAcknowledgement = z.object({
  id: Id,
  controlNumber: z.string(),
  ackType: z.string(),
  vendorReference: z.string().nullable(),
  ackDate: z.string().nullable(),
  receivedAt: z.string(),
  attachmentId: Id.nullable(),
  accepted: z.number().int(),
  changed: z.number().int(),
  rejected: z.number().int(),
  lines: z.array(
    z.object({
      orderLineId: Id,
      lineNo: z.number().int(),
      sku: z.string(),
      status: z.enum(ACK_LINE_STATUSES),
      ackCode: z.string(),
      orderedQuantity: z.number().int(),
      quantity: z.number().int(),
      orderPriceMinor: z.number().int(),
      unitPriceMinor: z.number().int().nullable(),
      shipDate: z.string().nullable(),
      /** What differs from the order, in words (empty when accepted as ordered). */
      difference: z.string(),
    }),
  ),
});

export const PurchaseOrder = z.object({
  id: Id,
  number: z.string(),
  state: z.enum(PO_STATES),
  vendorId: Id,
  vendorName: z.string(),
  warehouseId: Id,
  warehouseCode: z.string(),
  currency: z.string(),
  orderDate: z.string(),
  expectedDate: z.string(),
  urgent: z.boolean(),
  totalMinor: z.number().int(),
  approvalsNeeded: z.number().int(),
  approvedBy: z.string().nullable(),
  approved2By: z.string().nullable(),
  sentAt: z.string().nullable(),
  confirmedAt: z.string().nullable(),
  vendorReference: z.string().nullable(),
  shipToPartnerId: Id.nullable(),
  notes: z.string().nullable(),
  /** Receipt transfers still open (waiting for goods). */
  openReceiptIds: z.array(Id),
  lines: z.array(PurchaseOrderLine),
  /** The vendor's latest acknowledgement (inbound 855), with its differences from the order. */
  acknowledgement: VendorAcknowledgement.nullable().optional(),
});
export type PurchaseOrder = z.infer<typeof PurchaseOrder>;
export const PurchaseOrderSummary = PurchaseOrder.omit({ lines: true, openReceiptIds: true, acknowledgement: true }).extend({ lineCount: z.number().int() });

export const PoLineInput = z
  .object({
    productId: Id,
    quantity: Quantity,
    /** Defaults to the vendor's pricelist price for this quantity and date. */
    unitPriceMinor: PriceMinor.optional(),
    unitWeightG: z.number().int().min(0).max(100_000_000).default(0),
    reason: text('Reason', 300).nullable().default(null),
  })
  .strict();

export const PoCreateInput = z
  .object({
    vendorId: Id,
    warehouseId: Id,
    expectedDate: IsoTime.optional(),
    urgent: z.boolean().default(false),
    notes: text('Notes', 2000).nullable().default(null),
    lines: z.array(PoLineInput).min(1, { message: 'Add at least one line' }).max(2000, { message: 'At most 2,000 lines per order' }),
  })
  .strict();

export const ReceiveLineInput = z
  .object({
    lineId: Id,
    quantity: z.number().int({ message: 'Quantity must be a whole number' }).min(0, { message: 'Quantity cannot be negative' }).max(1_000_000_000),
    lotName: text('Lot', 60, 1).optional(),
    expiryDate: IsoDate.optional(),
    serials: z.array(text('Serial number', 60, 1)).optional(),
  })
  .strict();

export const Inspection = z.object({
  id: Id,
  orderId: Id,
  orderNumber: z.string(),
  orderLineId: Id,
  productId: Id,
  sku: z.string(),
  quantity: z.number().int(),
  state: z.enum(['pending', 'done']),
  passed: z.number().int(),
  failed: z.number().int(),
  note: z.string().nullable(),
  returnTransferId: Id.nullable(),
});

export const LandedCost = z.object({
  id: Id,
  number: z.string(),
  orderId: Id,
  kind: z.enum(LANDED_COST_KINDS),
  method: z.enum(LANDED_COST_METHODS),
  amountMinor: z.number().int(),
  capitalizedMinor: z.number().int(),
  expensedMinor: z.number().int(),
  lines: z.array(z.object({ orderLineId: Id, productId: Id, sku: z.string(), allocatedMinor: z.number().int(), capitalizedMinor: z.number().int(), averageCostMinor: z.number().int() })),
  /** The freight (duty…) vendor's bill that clears the landed-cost clearing account, once recorded. */
  billVendorId: Id.nullable(),
  billReference: z.string().nullable(),
});

export const BillLine = z.object({
  id: Id,
  lineNo: z.number().int(),
  orderLineId: Id,
  productId: Id,
  sku: z.string(),
  quantity: z.number().int(),
  unitPriceMinor: z.number().int(),
  subtotalMinor: z.number().int(),
  poPriceMinor: z.number().int(),
  priceDifferenceMinor: z.number().int(),
  qtyShort: z.number().int(),
  status: z.enum(['matched', 'price', 'quantity', 'unreceived']),
});

export const Bill = z.object({
  id: Id,
  number: z.string(),
  vendorId: Id,
  vendorName: z.string(),
  orderId: Id,
  orderNumber: z.string(),
  vendorReference: z.string(),
  billDate: z.string(),
  dueDate: z.string(),
  currency: z.string(),
  state: z.enum(BILL_STATES),
  totalMinor: z.number().int(),
  differenceMinor: z.number().int(),
  holdReasons: z.array(z.string()),
  approvedBy: z.string().nullable(),
  lines: z.array(BillLine),
});
export type Bill = z.infer<typeof Bill>;
export const BillSummary = Bill.omit({ lines: true });

export const BillCreateInput = z
  .object({
    orderId: Id,
    vendorReference: text('Vendor reference', 60, 1),
    billDate: IsoDate,
    dueDate: IsoDate.optional(),
    lines: z
      .array(z.object({ orderLineId: Id, quantity: Quantity, unitPriceMinor: PriceMinor }).strict())
      .min(1, { message: 'Add at least one line' })
      .max(2000),
  })
  .strict();

export const Proposal = z.object({
  id: Id,
  runId: Id,
  productId: Id,
  sku: z.string(),
  warehouseId: Id,
  warehouseCode: z.string(),
  kind: z.enum(['buy', 'transfer']),
  vendorId: Id.nullable(),
  vendorName: z.string().nullable(),
  sourceWarehouseId: Id.nullable(),
  quantity: z.number().int(),
  unitPriceMinor: z.number().int(),
  valueMinor: z.number().int(),
  projected: z.number().int(),
  reason: z.string(),
  exception: z.enum(PROPOSAL_EXCEPTIONS).nullable(),
  state: z.enum(['proposed', 'review', 'ordered', 'transferred', 'rejected']),
  orderId: Id.nullable(),
  transferId: Id.nullable(),
  /** Why a buyer dismissed it (state rejected). */
  dismissReason: z.string().nullable().optional(),
});

export const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'Use a time like 06:30 (24-hour, UTC)' });
export const ReplenishSchedule = z.object({
  id: Id,
  warehouseId: Id.nullable(),
  warehouseCode: z.string().nullable(),
  timeOfDay: z.string(),
  active: z.boolean(),
  nextRunAt: z.string(),
  lastRunAt: z.string().nullable(),
  lastRunNumber: z.string().nullable(),
  lastResult: z.string().nullable(),
});


export const ReplenishmentResult = z.object({
  runId: Id.nullable(),
  number: z.string().nullable(),
  dryRun: z.boolean(),
  productsChecked: z.number().int(),
  proposals: z.array(Proposal.omit({ id: true, runId: true }).extend({ id: Id.nullable(), runId: Id.nullable() })),
  ordersCreated: z.array(z.object({ id: Id, number: z.string(), vendorName: z.string(), lines: z.number().int(), totalMinor: z.number().int() })),
  transfersCreated: z.number().int(),
  inReview: z.number().int(),
});

export const Attachment = z.object({ id: Id, ownerKind: z.enum(['purchase_order', 'receipt', 'vendor_bill']), ownerId: Id, fileName: z.string(), mimeType: z.string(), sizeBytes: z.number().int(), sha256: z.string(), createdAt: z.string() });

const PoSort = z.enum(['number', 'orderDate', 'state', 'vendor', 'totalMinor', 'expectedDate']).default('number');

export const purchasingContract = {
  'purchasing.vendor.create': command({ access: 'purchasing.write', summary: 'Create a vendor (a partner of kind vendor) with its purchasing terms and contacts', input: VendorCreateInput, output: Vendor }),
  'purchasing.vendor.update': command({ access: 'purchasing.write', summary: "Edit a vendor's terms and contacts", input: VendorUpdateInput, output: Vendor }),
  'purchasing.vendor.get': query({ access: 'purchasing.read', summary: 'One vendor with contacts and performance', input: z.object({ id: Id }).strict(), output: Vendor }),
  'purchasing.vendor.list': query({
    access: 'purchasing.read',
    summary: 'Vendors, searched and sorted in SQL',
    input: z.object({ query: z.string().trim().max(100).default(''), sort: z.enum(['code', 'name', 'leadTimeDays']).default('name'), dir: SortDir, ...PageInput }).strict(),
    output: pageOf(Vendor.omit({ contacts: true, performance: true })),
  }),
  'purchasing.price.set': command({
    access: 'purchasing.write',
    summary: "Add or replace a vendor's price for a product from a quantity, with validity",
    input: z
      .object({ vendorId: Id, productId: Id, minQuantity: Quantity.default(1), priceMinor: PriceMinor, vendorSku: text('Vendor SKU', 60).nullable().default(null), validFrom: IsoDate.nullable().default(null), validTo: IsoDate.nullable().default(null) })
      .strict()
      .refine((v) => !v.validFrom || !v.validTo || v.validFrom <= v.validTo, { message: 'Valid to must be on or after valid from', path: ['validTo'] }),
    output: VendorPrice,
  }),
  'purchasing.price.list': query({ access: 'purchasing.read', summary: "Vendor prices of a product or a vendor's pricelist", input: z.object({ productId: Id.optional(), vendorId: Id.optional() }).strict(), output: z.object({ rows: z.array(VendorPrice) }) }),
  'purchasing.price.find': query({
    access: 'purchasing.read',
    summary: 'The price a vendor charges for a quantity on a date (the largest quantity break reached, valid that day)',
    input: z.object({ vendorId: Id, productId: Id, quantity: Quantity, date: IsoDate.optional() }).strict(),
    output: z.object({ priceMinor: z.number().int().nullable(), minQuantity: z.number().int().nullable() }),
  }),
  'purchasing.preferredVendor.set': command({ access: 'purchasing.write', summary: 'The vendor replenishment buys a product from for a warehouse', input: z.object({ productId: Id, warehouseId: Id, vendorId: Id }).strict(), output: z.object({ ok: z.literal(true) }) }),
  'purchasing.categoryPolicy.set': command({ access: 'purchasing.config', summary: "Whether a category's receipts go through quality inspection", input: z.object({ categoryId: Id, requiresInspection: z.boolean() }).strict(), output: z.object({ ok: z.literal(true) }) }),
  'purchasing.reorderRule.set': command({
    access: 'purchasing.write',
    summary: 'Min/max (with multiple) or demand-driven reorder rule for a product in a warehouse',
    input: z
      .object({
        productId: Id,
        warehouseId: Id,
        method: z.enum(['min_max', 'demand']),
        minQty: z.number().int().min(0).max(1_000_000_000).default(0),
        maxQty: z.number().int().min(0).max(1_000_000_000).default(0),
        multiple: Quantity.default(1),
        windowDays: z.number().int().min(7, { message: 'Window is at least 7 days' }).max(730).default(90),
        serviceLevelBp: z.number().int().min(5000, { message: 'Service level is at least 50 %' }).max(9990, { message: 'Service level is at most 99.9 %' }).default(9500),
        coverDays: z.number().int().min(1).max(365).default(30),
        active: z.boolean().default(true),
      })
      .strict()
      .refine((r) => r.method !== 'min_max' || r.maxQty >= r.minQty, { message: 'Max must be at least min', path: ['maxQty'] }),
    output: ReorderRule,
  }),
  'purchasing.reorderRule.list': query({ access: 'purchasing.read', summary: 'Reorder rules of a warehouse', input: z.object({ warehouseId: Id.optional(), ...PageInput }).strict(), output: pageOf(ReorderRule) }),
  'purchasing.settings.get': query({ access: 'purchasing.read', summary: 'Approval thresholds and tolerances', input: z.object({}).strict(), output: PurchaseSettings }),
  'purchasing.settings.set': command({
    access: 'purchasing.config',
    summary: 'Change approval thresholds and tolerances',
    input: z
      .object({
        approvalThresholdMinor: PriceMinor.optional(),
        doubleApprovalThresholdMinor: PriceMinor.optional(),
        overReceiptToleranceBp: BasisPoints('Over-receipt tolerance').optional(),
        matchToleranceMinor: PriceMinor.optional(),
        matchToleranceBp: BasisPoints('Match tolerance').optional(),
        highValueLineMinor: PriceMinor.optional(),
        poorOnTimeBp: BasisPoints('Poor on-time rate').optional(),
        poorOnTimeMinLines: z.number().int().min(1).max(10_000).optional(),
      })
      .strict(),
    output: PurchaseSettings,
  }),

  'purchasing.po.create': command({ access: 'purchasing.write', summary: 'Create a draft purchase order priced from the vendor pricelist', input: PoCreateInput, output: PurchaseOrder }),
  'purchasing.po.submit': command({ access: 'purchasing.write', summary: 'Submit a draft: approved at once below the threshold, else waits for approval', input: z.object({ id: Id }).strict(), output: PurchaseOrder }),
  'purchasing.po.approve': command({ access: 'purchasing.approve', summary: 'Approve an order waiting for approval (the second approval of a large order needs another person)', input: z.object({ id: Id }).strict(), output: PurchaseOrder }),
  'purchasing.po.send': command({ access: 'purchasing.write', summary: 'Send an approved order to the vendor: the receipt is planned (incoming stock)', input: z.object({ id: Id }).strict(), output: PurchaseOrder }),
  'purchasing.po.confirm': command({ access: 'purchasing.write', summary: "Record the vendor's confirmation", input: z.object({ id: Id, vendorReference: text('Vendor reference', 60).nullable().default(null) }).strict(), output: PurchaseOrder }),
  'purchasing.po.receive': command({
    access: 'purchasing.receive',
    summary: 'Receive goods against an order (partial leaves a backorder; over-receipt within tolerance)',
    input: z.object({ id: Id, lines: z.array(ReceiveLineInput).min(1, { message: 'Give at least one line' }).max(2000), createBackorder: z.boolean().default(true) }).strict(),
    output: PurchaseOrder,
  }),
  'purchasing.po.cancel': command({ access: 'purchasing.write', summary: 'Cancel an order not yet received', input: z.object({ id: Id }).strict(), output: PurchaseOrder }),
  'purchasing.po.close': command({ access: 'purchasing.write', summary: 'Close a billed order (done)', input: z.object({ id: Id }).strict(), output: PurchaseOrder }),
  'purchasing.po.pdf': query({
    access: 'purchasing.read',
    summary: 'The purchase order as a printable PDF (what is sent to the vendor)',
    input: z.object({ id: Id }).strict(),
    output: z.object({ filename: z.string(), contentType: z.literal('application/pdf'), base64: z.string() }),
  }),
  'purchasing.po.edi850': query({
    access: 'purchasing.read',
    summary: 'The purchase order as an ASC X12 850 (EDI vendors only)',
    input: z.object({ id: Id }).strict(),
    output: z.object({ filename: z.string(), contentType: z.literal('application/edi-x12'), text: z.string() }),
  }),
  'purchasing.attachment.get': query({
    access: 'purchasing.read',
    summary: 'One attached file with its content',
    input: z.object({ id: Id }).strict(),
    output: Attachment.extend({ contentBase64: z.string() }),
  }),
  'purchasing.po.get': query({ access: 'purchasing.read', summary: 'One purchase order with its lines', input: z.object({ id: Id }).strict(), output: PurchaseOrder }),
  'purchasing.po.list': query({
    access: 'purchasing.read',
    summary: 'Purchase orders, filtered and sorted in SQL',
    input: z.object({ query: z.string().trim().max(100).default(''), state: z.enum(PO_STATES).optional(), vendorId: Id.optional(), sort: PoSort, dir: SortDir, ...PageInput }).strict(),
    output: pageOf(PurchaseOrderSummary),
  }),
  'purchasing.inspection.list': query({ access: 'purchasing.read', summary: 'Quality inspections (pending first)', input: z.object({ state: z.enum(['pending', 'done']).optional(), orderId: Id.optional() }).strict(), output: z.object({ rows: z.array(Inspection) }) }),
  'purchasing.inspection.record': command({
    access: 'purchasing.receive',
    summary: 'Record an inspection: passed goods go to stock, failed ones to quarantine with a return-to-vendor transfer',
    input: z.object({ id: Id, passed: z.number().int().min(0), failed: z.number().int().min(0), note: text('Note', 500).nullable().default(null) }).strict(),
    output: Inspection,
  }),
  'purchasing.landedCost.add': command({
    access: 'purchasing.write',
    summary: "Allocate a landed cost (freight, duty) to an order's received lines by value, weight or quantity; stock still on hand takes it into its average cost",
    input: z.object({ orderId: Id, kind: z.enum(LANDED_COST_KINDS), method: z.enum(LANDED_COST_METHODS), amountMinor: PriceMinor.min(1, { message: 'Amount must be more than zero' }) }).strict(),
    output: LandedCost,
  }),

  'purchasing.bill.create': command({ access: 'purchasing.bill', summary: 'Record a vendor bill and match it three ways (PO price × received quantity)', input: BillCreateInput, output: Bill }),
  'purchasing.bill.approve': command({ access: 'purchasing.bill.approve', summary: 'Approve a held bill with its differences (ready to pay)', input: z.object({ id: Id, reason: text('Reason', 500, 3) }).strict(), output: Bill }),
  'purchasing.bill.requestCredit': command({ access: 'purchasing.bill.approve', summary: 'Ask the vendor for a credit note for a held bill', input: z.object({ id: Id, reason: text('Reason', 500, 3) }).strict(), output: Bill }),
  'purchasing.bill.pdf': query({
    access: 'purchasing.read',
    summary: 'A vendor bill as a printable PDF: lines with their tax rate, untaxed, input tax per rate and total (as its journal entry posts them)',
    input: z.object({ id: Id }).strict(),
    output: z.object({ filename: z.string(), contentType: z.literal('application/pdf'), base64: z.string() }),
  }),
  'purchasing.bill.get': query({ access: 'purchasing.read', summary: 'One vendor bill with its match', input: z.object({ id: Id }).strict(), output: Bill }),
  'purchasing.bill.list': query({
    access: 'purchasing.read',
    summary: 'Vendor bills, filtered in SQL',
    input: z.object({ state: z.enum(BILL_STATES).optional(), orderId: Id.optional(), ...PageInput }).strict(),
    output: pageOf(BillSummary),
  }),
  'purchasing.grni': query({
    access: 'purchasing.read',
    summary: 'Goods received not invoiced: received value not yet billed, per order',
    input: z.object({ vendorId: Id.optional() }).strict(),
    output: z.object({ totalMinor: z.number().int(), rows: z.array(z.object({ orderId: Id, number: z.string(), vendorName: z.string(), amountMinor: z.number().int() })) }),
  }),

  'purchasing.replenish.run': command({
    access: 'purchasing.write',
    summary: 'Replenishment run: projected stock at the lead-time horizon → buy or transfer proposals, draft orders per vendor and warehouse, exceptions to review',
    input: z.object({ warehouseId: Id.optional(), dryRun: z.boolean().default(false) }).strict(),
    output: ReplenishmentResult,
  }),
  'purchasing.replenish.review': query({ access: 'purchasing.read', summary: 'Proposals waiting for review (exceptions)', input: z.object({ runId: Id.optional(), ...PageInput }).strict(), output: pageOf(Proposal) }),
  'purchasing.replenish.decide': command({
    access: 'purchasing.write',
    summary: 'Accept (a draft order is made; urgent ones wait for approval) or reject a proposal under review',
    input: z.object({ id: Id, accept: z.boolean() }).strict(),
    output: z.object({ proposal: Proposal, orderId: Id.nullable() }),
  }),
  'purchasing.replenish.dismiss': command({
    access: 'purchasing.write',
    summary: 'Dismiss a replenishment proposal (under review or proposed), or a whole run: its open proposals are rejected and its draft orders cancelled',
    input: z
      .object({ runId: Id.optional(), proposalId: Id.optional(), reason: text('Reason', 300, 3) })
      .strict()
      .refine((v) => (v.runId ? 1 : 0) + (v.proposalId ? 1 : 0) === 1, { message: 'Give either a run or a proposal to dismiss', path: ['runId'] }),
    output: z.object({ proposalsDismissed: z.number().int(), ordersCancelled: z.array(z.string()) }),
  }),
  'purchasing.replenish.schedule.set': command({
    access: 'purchasing.config',
    summary: 'Schedule the replenishment run daily at a time (UTC) for a warehouse (or all warehouses), or switch the schedule off',
    input: z.object({ warehouseId: Id.nullable().default(null), timeOfDay: TimeOfDay, active: z.boolean().default(true) }).strict(),
    output: ReplenishSchedule,
  }),
  'purchasing.replenish.schedule.list': query({ access: 'purchasing.read', summary: 'Replenishment schedules with their next and last runs', input: z.object({}).strict(), output: z.object({ rows: z.array(ReplenishSchedule) }) }),
  'purchasing.replenish.due': query({
    access: 'system.background',
    summary: 'How many replenishment schedules are due now (the host asks before runDue, so an idle minute writes nothing)',
    input: z.object({}).strict(),
    output: z.object({ due: z.number().int(), nextRunAt: z.string().nullable() }),
  }),
  'purchasing.replenish.runDue': command({
    access: 'system.background',
    summary: 'Run the scheduled replenishment runs that are due (the host calls this on a timer; each schedule runs once per day)',
    input: z.object({}).strict(),
    output: z.object({ ran: z.array(z.object({ scheduleId: Id, number: z.string().nullable(), proposals: z.number().int(), ordersCreated: z.number().int(), inReview: z.number().int() })) }),
  }),
  'purchasing.po.acknowledge': command({
    access: 'purchasing.write',
    summary: "Import a vendor's X12 855 acknowledgement: the order is confirmed by the vendor, each line accepted, changed or rejected (differences shown on the order)",
    input: z.object({ fileName: text('File name', 200, 1).default('acknowledgement.x12'), content: z.string().min(1, { message: 'The file is empty' }).max(5 * 1024 * 1024, { message: 'The file is larger than 5 MB' }) }).strict(),
    output: z.object({ orderId: Id, orderNumber: z.string(), acknowledgement: VendorAcknowledgement }),
  }),
  'purchasing.landedCost.bill': command({
    access: 'purchasing.bill',
    summary: "Record the freight (duty…) vendor's bill of a landed cost: it clears the landed-cost clearing account into the vendor's payable",
    input: z.object({ id: Id, vendorId: Id, vendorReference: text("Vendor's bill number", 60, 1), billDate: IsoDate }).strict(),
    output: LandedCost,
  }),

  'purchasing.attachment.add': command({
    access: 'purchasing.write',
    summary: 'Attach a file (confirmation, bill, certificate) to an order, receipt or bill',
    input: z
      .object({
        ownerKind: z.enum(['purchase_order', 'receipt', 'vendor_bill']),
        ownerId: Id,
        fileName: text('File name', 200, 1),
        mimeType: z.string().trim().max(100),
        contentBase64: z.string().max(Math.ceil((ATTACHMENT_MAX_BYTES * 4) / 3) + 8, { message: `The file is larger than ${ATTACHMENT_MAX_BYTES / 1024 / 1024} MB` }),
      })
      .strict(),
    output: Attachment,
  }),
  'purchasing.attachment.list': query({ access: 'purchasing.read', summary: 'Files attached to a document', input: z.object({ ownerKind: z.enum(['purchase_order', 'receipt', 'vendor_bill']), ownerId: Id }).strict(), output: z.object({ rows: z.array(Attachment) }) }),
} as const;
