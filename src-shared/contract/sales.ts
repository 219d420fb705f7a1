import { z } from 'zod';
import { ROLES } from '../permissions';
import { Id, PageInput, PriceMinor, SortDir, pageOf, text } from './common';
import { Quantity } from './inventory';
import { command, query } from './method';
import { BasisPoints, CUSTOMER_CLASSES, INVOICE_POLICIES, optionalFields } from './partners';
import { CHANNEL_CODES } from './pricing';

/** draft (a quotation) → awaiting approval → credit hold → confirmed → partially delivered → delivered → invoiced → done / cancelled. */
export const ORDER_STATES = ['draft', 'awaiting_approval', 'credit_hold', 'confirmed', 'partially_delivered', 'delivered', 'invoiced', 'done', 'cancelled'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** What happens to what cannot ship now: ship what is there (backorder the rest), wait to ship all, or ship what is there and cancel the rest. */
export const BACKORDER_POLICIES = ['ship_partial', 'ship_complete', 'cancel_rest'] as const;
export const ROUTING_RULES = ['region', 'default_warehouse'] as const;
/** Order fields a channel can require before an order is confirmed. */
export const REQUIRED_FIELDS = ['customerPo', 'shipTo', 'requestedDate'] as const;
export const APPROVAL_KINDS = ['discount', 'margin', 'order_value', 'customer', 'channel'] as const;
export const ACTIVITY_KINDS = ['approval', 'credit_hold', 'stock_short', 'pricing', 'task'] as const;

const IsoTime = z.string().datetime({ offset: true, message: 'Use a date-time like 2026-12-31T17:00:00Z' });

export const SalesOrderLine = z.object({
  id: Id,
  lineNo: z.number().int(),
  productId: Id,
  sku: z.string(),
  productName: z.string(),
  /** The unit the clerk entered and the quantity in it. */
  uomId: Id,
  uomCode: z.string(),
  uomQuantity: z.number().int(),
  /** Ordered quantity in the product's stock unit (exact conversion). */
  quantity: z.number().int(),
  /** Unit price per stock unit, before the manual discount. */
  unitPriceMinor: z.number().int(),
  listPriceMinor: z.number().int(),
  priceOverridden: z.boolean(),
  priceRuleId: Id.nullable(),
  /** Why this price: the rule (or list price or manual price) that set it. */
  priceReason: z.string(),
  discountBp: z.number().int(),
  costMinor: z.number().int(),
  taxRateBp: z.number().int(),
  subtotalMinor: z.number().int(),
  taxMinor: z.number().int(),
  totalMinor: z.number().int(),
  reserved: z.number().int(),
  delivered: z.number().int(),
  invoiced: z.number().int(),
  returned: z.number().int(),
  cancelled: z.number().int(),
});

export const SalesOrder = z.object({
  id: Id,
  number: z.string(),
  state: z.enum(ORDER_STATES),
  customerId: Id,
  customerCode: z.string(),
  customerName: z.string(),
  customerClass: z.enum(CUSTOMER_CLASSES),
  channelCode: z.enum(CHANNEL_CODES),
  customerPo: z.string().nullable(),
  currency: z.string(),
  shipToAddressId: Id.nullable(),
  warehouseId: Id.nullable(),
  warehouseCode: z.string().nullable(),
  orderDate: z.string(),
  requestedDate: z.string().nullable(),
  promisedDate: z.string().nullable(),
  paymentCaptured: z.boolean(),
  invoicePolicy: z.enum(INVOICE_POLICIES),
  backorderPolicy: z.enum(BACKORDER_POLICIES),
  priorityRank: z.number().int(),
  untaxedMinor: z.number().int(),
  taxMinor: z.number().int(),
  totalMinor: z.number().int(),
  costMinor: z.number().int(),
  /** (untaxed − cost) ÷ untaxed in basis points; null for an empty order. */
  marginBp: z.number().int().nullable(),
  invoicedMinor: z.number().int(),
  cancelledMinor: z.number().int(),
  /** Why the order waits (approval, credit hold) or was rejected or cancelled. */
  holdReason: z.string().nullable(),
  deliveryTransferId: Id.nullable(),
  confirmedAt: z.string().nullable(),
  notes: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lines: z.array(SalesOrderLine),
});
export type SalesOrder = z.infer<typeof SalesOrder>;

/** A command's answer: the order and warnings that did not stop it (e.g. a customer PO number used before). */
export const SalesOrderResult = SalesOrder.extend({ warnings: z.array(z.string()) });

export const SalesOrderSummary = SalesOrder.omit({ lines: true }).extend({ lineCount: z.number().int() });

export const OrderLineInput = z
  .object({
    productId: Id,
    quantity: Quantity,
    /** The unit the quantity is in; defaults to the product's stock unit. */
    uomId: Id.optional(),
    /** A manual unit price per stock unit (minor units), instead of the pricelist's. */
    unitPriceMinor: PriceMinor.optional(),
    /** A manual discount on the line, in basis points (10 % = 1000). */
    discountBp: BasisPoints('Discount').default(0),
  })
  .strict();

const orderHeader = {
  channelCode: z.enum(CHANNEL_CODES).default('rep'),
  customerPo: text('Customer PO number', 60).nullable().default(null),
  shipToAddressId: Id.nullable().default(null),
  /** Ship from this warehouse instead of the routing rule's choice. */
  warehouseId: Id.nullable().default(null),
  requestedDate: IsoTime.nullable().default(null),
  /** Payment already taken (web store, marketplace). */
  paymentCaptured: z.boolean().default(false),
  notes: text('Notes', 2000).nullable().default(null),
};

export const SalesOrderCreateInput = z
  .object({
    customerId: Id,
    ...orderHeader,
    orderDate: IsoTime.optional(),
    lines: z.array(OrderLineInput).max(5000, { message: 'At most 5,000 lines per order' }).default([]),
    /** Confirm right away (e.g. an order that arrives paid from the web store). */
    confirm: z.boolean().default(false),
  })
  .strict();
export type SalesOrderCreateInput = z.input<typeof SalesOrderCreateInput>;

export const SalesOrderUpdateInput = z
  .object({
    id: Id,
    version: z.number().int().min(1),
    ...optionalFields(orderHeader),
    /** The full list of lines: replaces the draft's lines. */
    lines: z.array(OrderLineInput).max(5000, { message: 'At most 5,000 lines per order' }).optional(),
  })
  .strict();

export const Reason = text('Reason', 500, 3);

export const ApprovalRequest = z.object({
  id: Id,
  orderId: Id,
  orderNumber: z.string(),
  customerName: z.string(),
  totalMinor: z.number().int(),
  approverRole: z.enum(ROLES),
  state: z.enum(['pending', 'approved', 'rejected']),
  reasons: z.array(z.string()),
  ruleIds: z.array(Id),
  requestedBy: z.string().nullable(),
  requestedAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionReason: z.string().nullable(),
});

export const ApprovalRule = z.object({
  id: Id,
  name: z.string(),
  kind: z.enum(APPROVAL_KINDS),
  /** discount: a line discount above this; margin: an order margin below this (basis points). */
  thresholdBp: z.number().int().nullable(),
  /** order_value: an order total above this (minor units). */
  thresholdMinor: z.number().int().nullable(),
  channelCode: z.enum(CHANNEL_CODES).nullable(),
  partnerId: Id.nullable(),
  customerClass: z.enum(CUSTOMER_CLASSES).nullable(),
  approverRole: z.enum(ROLES),
  active: z.boolean(),
  version: z.number().int(),
});

const approvalRuleFields = {
  name: text('Name', 120, 1),
  kind: z.enum(APPROVAL_KINDS),
  thresholdBp: BasisPoints('Threshold').nullable().default(null),
  thresholdMinor: PriceMinor.nullable().default(null),
  channelCode: z.enum(CHANNEL_CODES).nullable().default(null),
  partnerId: Id.nullable().default(null),
  customerClass: z.enum(CUSTOMER_CLASSES).nullable().default(null),
  approverRole: z.enum(ROLES).default('admin'),
};

export const ChannelPolicy = z.object({
  channelId: Id,
  code: z.enum(CHANNEL_CODES),
  name: z.string(),
  active: z.boolean(),
  /** Lower is served first when stock is scarce (key accounts always rank ahead). */
  reservationPriority: z.number().int(),
  requiredFields: z.array(z.enum(REQUIRED_FIELDS)),
  /** Orders are released to the warehouse only once paid (web store, marketplace). */
  paymentBeforeRelease: z.boolean(),
  backorderPolicy: z.enum(BACKORDER_POLICIES),
  substitutesAllowed: z.boolean(),
  routingRule: z.enum(ROUTING_RULES),
  defaultWarehouseId: Id.nullable(),
  /** Service level: ship within this many hours of confirmation (the promised date). */
  shipWithinHours: z.number().int(),
  approvalRules: z.array(ApprovalRule),
  version: z.number().int(),
});

export const InvoiceLine = z.object({
  id: Id,
  lineNo: z.number().int(),
  orderLineId: Id.nullable(),
  productId: Id.nullable(),
  sku: z.string().nullable(),
  description: z.string(),
  quantity: z.number().int(),
  unitPriceMinor: z.number().int(),
  discountBp: z.number().int(),
  subtotalMinor: z.number().int(),
  taxRateBp: z.number().int(),
  taxMinor: z.number().int(),
  totalMinor: z.number().int(),
});

export const Invoice = z.object({
  id: Id,
  number: z.string(),
  state: z.enum(['open', 'paid', 'cancelled']),
  customerId: Id,
  customerName: z.string(),
  orderId: Id.nullable(),
  orderNumber: z.string().nullable(),
  currency: z.string(),
  invoiceDate: z.string(),
  dueDate: z.string(),
  untaxedMinor: z.number().int(),
  taxMinor: z.number().int(),
  totalMinor: z.number().int(),
  paidMinor: z.number().int(),
  openMinor: z.number().int(),
  createdAt: z.string(),
  lines: z.array(InvoiceLine),
});
export type Invoice = z.infer<typeof Invoice>;
export const InvoiceSummary = Invoice.omit({ lines: true }).extend({ lineCount: z.number().int() });

export const Activity = z.object({
  id: Id,
  role: z.enum(ROLES),
  kind: z.enum(ACTIVITY_KINDS),
  title: z.string(),
  body: z.string().nullable(),
  documentKind: z.string().nullable(),
  documentId: Id.nullable(),
  documentNumber: z.string().nullable(),
  state: z.enum(['open', 'done']),
  createdAt: z.string(),
  doneBy: z.string().nullable(),
  doneAt: z.string().nullable(),
  doneNote: z.string().nullable(),
});

export const SalesSettings = z.object({
  /** A line priced below cost × (1 + this) needs approval (basis points). */
  minMarginBp: z.number().int(),
  /** The manual discount each role may give without approval (basis points). */
  discountLimitBp: z.record(z.enum(ROLES), z.number().int()),
  /** Tax rate of products without their own (basis points). */
  defaultTaxRateBp: z.number().int(),
});

const ORDER_SORT = ['number', 'orderDate', 'state', 'customer', 'totalMinor', 'promisedDate'] as const;

export const salesContract = {
  'sales.order.create': command({
    access: 'sales.write',
    summary: 'Create a quotation (draft order) with lines priced from the pricelists; optionally confirm it at once',
    input: SalesOrderCreateInput,
    output: SalesOrderResult,
  }),
  'sales.order.update': command({
    access: 'sales.write',
    summary: 'Edit a draft order (optimistic: pass the version you read); lines given replace the lines',
    input: SalesOrderUpdateInput,
    output: SalesOrderResult,
  }),
  'sales.order.confirm': command({
    access: 'sales.write',
    summary: 'Confirm an order: approval rules, credit control, then routing and the delivery flow',
    input: z.object({ id: Id }).strict(),
    output: SalesOrderResult,
  }),
  'sales.order.releaseCredit': command({
    access: 'sales.credit.release',
    summary: 'Release an order from credit hold, with a reason (audited); it is then released to the warehouse',
    input: z.object({ id: Id, reason: Reason }).strict(),
    output: SalesOrderResult,
  }),
  'sales.order.cancel': command({
    access: 'sales.write',
    summary: 'Cancel an order, or the remainder of an order already partly delivered',
    input: z.object({ id: Id, reason: Reason }).strict(),
    output: SalesOrderResult,
  }),
  'sales.order.refresh': command({
    access: 'sales.read',
    summary: "Recompute an order's reserved, delivered and cancelled quantities and its state from its deliveries",
    input: z.object({ id: Id }).strict(),
    output: SalesOrderResult,
  }),
  'sales.order.get': query({
    access: 'sales.read',
    summary: 'One order with its lines',
    input: z.object({ id: Id }).strict(),
    output: SalesOrder,
  }),
  'sales.order.list': query({
    access: 'sales.read',
    summary: 'A page of orders, filtered and sorted in SQL',
    input: z
      .object({
        query: text('Search', 100).default(''),
        state: z.enum(ORDER_STATES).optional(),
        customerId: Id.optional(),
        channelCode: z.enum(CHANNEL_CODES).optional(),
        sort: z.enum(ORDER_SORT).default('number'),
        dir: SortDir,
        ...PageInput,
      })
      .strict(),
    output: pageOf(SalesOrderSummary),
  }),
  'sales.approval.list': query({
    access: 'sales.read',
    summary: 'Approval requests, pending first',
    input: z.object({ state: z.enum(['pending', 'approved', 'rejected']).optional(), orderId: Id.optional(), ...PageInput }).strict(),
    output: pageOf(ApprovalRequest),
  }),
  'sales.approval.decide': command({
    access: 'sales.approve',
    summary: 'Approve (the order goes on to credit control and the warehouse) or reject (back to draft) with a reason',
    input: z.object({ id: Id, decision: z.enum(['approve', 'reject']), reason: Reason }).strict(),
    output: SalesOrderResult,
  }),
  'sales.approvalRule.create': command({
    access: 'sales.config',
    summary: 'Add an approval rule (by discount, margin, order value, customer or channel)',
    input: z.object(approvalRuleFields).strict(),
    output: ApprovalRule,
  }),
  'sales.approvalRule.update': command({
    access: 'sales.config',
    summary: 'Edit an approval rule (optimistic: pass the version you read)',
    input: z
      .object({ id: Id, version: z.number().int().min(1), active: z.boolean().optional(), ...optionalFields(approvalRuleFields) })
      .strict(),
    output: ApprovalRule,
  }),
  'sales.channel.list': query({
    access: 'sales.read',
    summary: 'Channels with their policies and approval rules',
    input: z.object({}).strict(),
    output: z.object({ rows: z.array(ChannelPolicy) }),
  }),
  'sales.channel.setPolicy': command({
    access: 'sales.config',
    summary: "Edit a channel's policy (one per channel)",
    input: z
      .object({
        code: z.enum(CHANNEL_CODES),
        name: text('Name', 60, 1).optional(),
        active: z.boolean().optional(),
        reservationPriority: z.number().int().min(1).max(1000).optional(),
        requiredFields: z.array(z.enum(REQUIRED_FIELDS)).max(REQUIRED_FIELDS.length).optional(),
        paymentBeforeRelease: z.boolean().optional(),
        backorderPolicy: z.enum(BACKORDER_POLICIES).optional(),
        substitutesAllowed: z.boolean().optional(),
        routingRule: z.enum(ROUTING_RULES).optional(),
        defaultWarehouseId: Id.nullable().optional(),
        shipWithinHours: z.number().int().min(1).max(24 * 365).optional(),
      })
      .strict(),
    output: ChannelPolicy,
  }),
  'sales.invoice.create': command({
    access: 'sales.invoice',
    summary: "Invoice an order: what was delivered and not yet invoiced (or everything, for customers invoiced on order)",
    input: z.object({ orderId: Id }).strict(),
    output: Invoice,
  }),
  'sales.invoice.run': command({
    access: 'sales.invoice',
    summary: 'Batch invoicing: invoice every order with something to invoice (optionally one customer)',
    input: z.object({ customerId: Id.optional(), limit: z.number().int().min(1).max(5000).default(500) }).strict(),
    output: z.object({ invoices: z.array(InvoiceSummary), ordersChecked: z.number().int() }),
  }),
  'sales.invoice.get': query({
    access: 'sales.read',
    summary: 'One invoice with its lines',
    input: z.object({ id: Id }).strict(),
    output: Invoice,
  }),
  'sales.invoice.list': query({
    access: 'sales.read',
    summary: 'A page of invoices (newest first), with amounts, dates and due dates',
    input: z.object({ customerId: Id.optional(), orderId: Id.optional(), state: z.enum(['open', 'paid', 'cancelled']).optional(), ...PageInput }).strict(),
    output: pageOf(InvoiceSummary),
  }),
  'sales.settings.get': query({
    access: 'sales.read',
    summary: 'Sales policies: minimum margin, discount limits per role, default tax rate',
    input: z.object({}).strict(),
    output: SalesSettings,
  }),
  'sales.settings.set': command({
    access: 'sales.config',
    summary: 'Change sales policies',
    input: z
      .object({
        minMarginBp: BasisPoints('Minimum margin').optional(),
        discountLimitBp: z.partialRecord(z.enum(ROLES), BasisPoints('Discount limit')).optional(),
        defaultTaxRateBp: BasisPoints('Tax rate').optional(),
      })
      .strict(),
    output: SalesSettings,
  }),
  'activity.list': query({
    access: 'authenticated',
    summary: "Tasks in your roles' inboxes (or one role's), open first",
    input: z.object({ role: z.enum(ROLES).optional(), state: z.enum(['open', 'done']).optional(), documentId: Id.optional(), ...PageInput }).strict(),
    output: pageOf(Activity),
  }),
  'activity.complete': command({
    access: 'authenticated',
    summary: 'Mark a task in your inbox done',
    input: z.object({ id: Id, note: text('Note', 500).nullable().default(null) }).strict(),
    output: Activity,
  }),
} as const;
