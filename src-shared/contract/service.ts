import { z } from 'zod';
import { Id, PageInput, PriceMinor, SortDir, pageOf, text } from './common';
import { Quantity } from './inventory';
import { command, query } from './method';
import { CUSTOMER_CLASSES } from './partners';

export const TICKET_TYPES = ['failed_delivery', 'damaged_goods', 'wrong_item', 'invoice_dispute', 'return_request', 'general'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];
/** open → waiting for the customer (SLA timers pause) → open … → resolved → closed. */
export const TICKET_STATES = ['open', 'waiting_customer', 'resolved', 'closed'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
/** How the SLA stands: met (answered/resolved in time), ok, warning (past the warn share of the time), breached, paused. */
export const SLA_STATUSES = ['ok', 'warning', 'breached', 'paused', 'met', 'none'] as const;
export const RMA_STATES = ['awaiting_approval', 'authorised', 'rejected', 'received', 'inspected', 'resolved', 'cancelled'] as const;
export const DISPOSITIONS = ['restock', 'scrap', 'return_to_vendor', 'repair'] as const;
export const RESOLUTIONS = ['credit_note', 'refund', 'replacement'] as const;
export const RETURN_CATEGORIES = ['damaged_in_transit', 'wrong_item_picked', 'not_as_described', 'late_delivery', 'no_longer_needed', 'quality_defect', 'other'] as const;
export type ReturnCategory = (typeof RETURN_CATEGORIES)[number];
/** Attachments the helpdesk accepts (proof of delivery, photos, documents). */
export const ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf', 'text/plain'] as const;
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;

const Body = text('Text', 20_000, 1);

export const Suggestion = z.object({
  category: z.enum(RETURN_CATEGORIES),
  /** Posterior probability of the category, in basis points (0–10000). */
  confidenceBp: z.number().int(),
  scores: z.array(z.object({ category: z.enum(RETURN_CATEGORIES), probabilityBp: z.number().int() })),
  replyTemplate: z.string(),
});

export const TicketSummary = z.object({
  id: Id,
  number: z.string(),
  type: z.enum(TICKET_TYPES),
  state: z.enum(TICKET_STATES),
  priority: z.enum(TICKET_PRIORITIES),
  subject: z.string(),
  customerId: Id,
  customerName: z.string(),
  customerClass: z.enum(CUSTOMER_CLASSES),
  region: z.string().nullable(),
  orderId: Id.nullable(),
  orderNumber: z.string().nullable(),
  deliveryId: Id.nullable(),
  invoiceId: Id.nullable(),
  source: z.enum(['manual', 'email', 'event']),
  assignee: z.string().nullable(),
  firstResponseDueAt: z.string().nullable(),
  resolutionDueAt: z.string().nullable(),
  firstRespondedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  pausedAt: z.string().nullable(),
  /** SLA state now: of the first response until it is given, then of the resolution. */
  slaStatus: z.enum(SLA_STATUSES),
  /** Milliseconds left until the deadline that matters now (negative when breached; frozen while paused). */
  slaRemainingMs: z.number().int().nullable(),
  category: z.enum(RETURN_CATEGORIES).nullable(),
  categoryConfidenceBp: z.number().int().nullable(),
  createdAt: z.string(),
  version: z.number().int(),
});
export type TicketSummary = z.infer<typeof TicketSummary>;

export const TicketMessage = z.object({
  id: Id,
  kind: z.enum(['note', 'reply', 'inbound', 'system']),
  author: z.string().nullable(),
  toAddress: z.string().nullable(),
  subject: z.string().nullable(),
  body: z.string(),
  /** A reply's state in the notification outbox (queued, sent, failed); null for other messages. */
  outboxState: z.string().nullable(),
  /** A reply's notification (the customer notification outbox). */
  notificationId: Id.nullable(),
  createdAt: z.string(),
});

export const TicketAttachment = z.object({ id: Id, fileName: z.string(), contentType: z.string(), sizeBytes: z.number().int(), sha256: z.string(), createdAt: z.string() });

export const RmaLine = z.object({
  id: Id,
  lineNo: z.number().int(),
  orderLineId: Id,
  productId: Id,
  sku: z.string(),
  productName: z.string(),
  /** The lot or serial number returned (lot/serial-tracked products). */
  lotName: z.string().nullable(),
  quantity: z.number().int(),
  qtyReceived: z.number().int(),
  unitPriceMinor: z.number().int(),
  unitCostMinor: z.number().int(),
  condition: z.string().nullable(),
  disposition: z.enum(DISPOSITIONS).nullable(),
  inspectionNote: z.string().nullable(),
});

export const Rma = z.object({
  id: Id,
  number: z.string(),
  state: z.enum(RMA_STATES),
  ticketId: Id.nullable(),
  ticketNumber: z.string().nullable(),
  orderId: Id,
  orderNumber: z.string(),
  deliveryId: Id.nullable(),
  customerId: Id,
  customerName: z.string(),
  warehouseId: Id,
  reason: z.string(),
  reasonCategory: z.enum(RETURN_CATEGORIES).nullable(),
  deliveredAt: z.string().nullable(),
  valueMinor: z.number().int(),
  /** Why it waits for approval (outside the return window, above the value threshold). */
  approvalReason: z.string().nullable(),
  decidedBy: z.string().nullable(),
  instructions: z.string(),
  receiptTransferId: Id.nullable(),
  receiptNumber: z.string().nullable(),
  resolution: z.enum(RESOLUTIONS).nullable(),
  creditNoteId: Id.nullable(),
  creditNoteNumber: z.string().nullable(),
  creditNoteTotalMinor: z.number().int().nullable(),
  replacementOrderId: Id.nullable(),
  replacementOrderNumber: z.string().nullable(),
  refundMinor: z.number().int(),
  /** The outgoing payment that paid the refund back (finance). */
  refundPaymentId: Id.nullable(),
  refundPaymentNumber: z.string().nullable(),
  createdAt: z.string(),
  version: z.number().int(),
  lines: z.array(RmaLine),
});
export type Rma = z.infer<typeof Rma>;
export const RmaSummary = Rma.omit({ lines: true });

export const Ticket = TicketSummary.extend({
  description: z.string(),
  fromEmail: z.string().nullable(),
  customerEmail: z.string().nullable(),
  invoiceNumber: z.string().nullable(),
  deliveryNumber: z.string().nullable(),
  categorySource: z.string().nullable(),
  messages: z.array(TicketMessage),
  attachments: z.array(TicketAttachment),
  rmas: z.array(RmaSummary),
  /** The classifier's suggestion for the ticket's text (null before a model is trained). */
  suggestion: Suggestion.nullable(),
});
export type Ticket = z.infer<typeof Ticket>;

export const SlaPolicy = z.object({
  id: Id,
  name: z.string(),
  customerClass: z.enum(CUSTOMER_CLASSES).nullable(),
  ticketType: z.enum(TICKET_TYPES).nullable(),
  firstResponseMinutes: z.number().int(),
  resolutionMinutes: z.number().int(),
  warnPercent: z.number().int(),
  active: z.boolean(),
});

export const AssignmentRule = z.object({
  id: Id,
  name: z.string(),
  ticketType: z.enum(TICKET_TYPES).nullable(),
  region: z.string().nullable(),
  teamId: Id.nullable(),
  assignees: z.array(z.string()),
  position: z.number().int(),
  active: z.boolean(),
});

export const ServiceTeam = z.object({ id: Id, code: z.string(), name: z.string(), inboundEmail: z.string().nullable(), region: z.string().nullable(), active: z.boolean() });

export const ServiceSettings = z.object({
  /** Returns within this many days of delivery are authorised without approval. */
  returnWindowDays: z.number().int(),
  /** Returns worth more than this (minor units) wait for approval. */
  approvalThresholdMinor: z.number().int(),
});

const Minutes = z.number().int().min(1, { message: 'At least one minute' }).max(525_600, { message: 'At most a year' });

const TicketLinks = {
  orderId: Id.nullable().default(null),
  deliveryId: Id.nullable().default(null),
  invoiceId: Id.nullable().default(null),
};

const TICKET_SORT = ['due', 'created', 'number', 'priority', 'customer', 'state'] as const;

export const serviceContract = {
  'service.settings.get': query({ access: 'service.read', summary: 'Return window and approval threshold', input: z.object({}).strict(), output: ServiceSettings }),
  'service.settings.set': command({
    access: 'service.config',
    summary: 'Set the return window (days after delivery) and the value above which a return needs approval',
    input: z.object({ returnWindowDays: z.number().int().min(0).max(3650).optional(), approvalThresholdMinor: PriceMinor.optional() }).strict(),
    output: ServiceSettings,
  }),
  'service.team.create': command({
    access: 'service.config',
    summary: 'Add a service team with the e-mail address its incoming mail arrives at',
    input: z.object({ code: text('Code', 20, 1), name: text('Name', 120, 1), inboundEmail: z.email({ message: 'Inbound e-mail must be an e-mail address' }).nullable().default(null), region: text('Region', 60).nullable().default(null) }).strict(),
    output: ServiceTeam,
  }),
  'service.team.list': query({ access: 'service.read', summary: 'Service teams', input: z.object({}).strict(), output: z.object({ rows: z.array(ServiceTeam) }) }),
  'service.sla.create': command({
    access: 'service.config',
    summary: 'Add an SLA policy (customer class and/or ticket type; empty matches all): first response and resolution times',
    input: z
      .object({
        name: text('Name', 120, 1),
        customerClass: z.enum(CUSTOMER_CLASSES).nullable().default(null),
        ticketType: z.enum(TICKET_TYPES).nullable().default(null),
        firstResponseMinutes: Minutes,
        resolutionMinutes: Minutes,
        warnPercent: z.number().int().min(1).max(99).default(75),
      })
      .strict()
      .refine((v) => v.firstResponseMinutes <= v.resolutionMinutes, { message: 'First response must come before the resolution', path: ['firstResponseMinutes'] }),
    output: SlaPolicy,
  }),
  'service.sla.list': query({ access: 'service.read', summary: 'SLA policies', input: z.object({}).strict(), output: z.object({ rows: z.array(SlaPolicy) }) }),
  'service.assignmentRule.create': command({
    access: 'service.config',
    summary: 'Add an assignment rule: tickets of a type and/or region go to these users in turn (round-robin)',
    input: z
      .object({
        name: text('Name', 120, 1),
        ticketType: z.enum(TICKET_TYPES).nullable().default(null),
        region: text('Region', 60).nullable().default(null),
        teamId: Id.nullable().default(null),
        assignees: z.array(text('User', 60, 1)).min(1, { message: 'Name at least one user' }).max(50),
        position: z.number().int().min(0).max(10_000).default(100),
      })
      .strict(),
    output: AssignmentRule,
  }),
  'service.assignmentRule.list': query({ access: 'service.read', summary: 'Assignment rules in the order they are tried', input: z.object({}).strict(), output: z.object({ rows: z.array(AssignmentRule) }) }),

  'service.ticket.create': command({
    access: 'service.write',
    summary: 'Open a ticket by hand for a customer, linked to an order, delivery or invoice where it applies',
    input: z
      .object({
        type: z.enum(TICKET_TYPES),
        customerId: Id,
        subject: text('Subject', 200, 1),
        description: Body,
        priority: z.enum(TICKET_PRIORITIES).default('normal'),
        ...TicketLinks,
      })
      .strict(),
    output: Ticket,
  }),
  'service.ticket.fromEmail': command({
    access: 'service.write',
    summary: 'Open a ticket from a received e-mail (the raw .eml): the sender finds the customer, the recipient the team; a repeated message is refused',
    input: z.object({ eml: z.string().min(1, { message: 'The e-mail is empty' }).max(12_000_000, { message: 'The e-mail is larger than 12 MB' }) }).strict(),
    output: Ticket,
  }),
  'service.ticket.fromEvent': command({
    access: 'service.write',
    summary: 'Open a ticket for an event: a delivery the carrier marked failed, an invoice the customer disputes',
    input: z.object({ event: z.enum(['delivery_failed', 'invoice_disputed']), documentId: Id, note: text('Note', 2000, 1) }).strict(),
    output: Ticket,
  }),
  'service.ticket.get': query({ access: 'service.read', summary: 'A ticket with its messages, attachments, RMAs and the suggested category', input: z.object({ id: Id }).strict(), output: Ticket }),
  'service.ticket.list': query({
    access: 'service.read',
    summary: 'The ticket queue, filtered and sorted in SQL (due = the resolution deadline)',
    input: z
      .object({
        query: text('Search', 100).default(''),
        state: z.enum([...TICKET_STATES, 'active']).default('active'),
        type: z.enum(TICKET_TYPES).optional(),
        assignee: text('Assignee', 60).optional(),
        customerId: Id.optional(),
        /** Only tickets whose resolution deadline has passed (breached) or whose warning time has (warning, breached too). */
        sla: z.enum(['breached', 'at_risk']).optional(),
        sort: z.enum(TICKET_SORT).default('due'),
        dir: SortDir,
        ...PageInput,
      })
      .strict(),
    output: pageOf(TicketSummary),
  }),
  'service.ticket.reply': command({
    access: 'service.write',
    summary: "Reply to the customer (queued in the notification outbox); the first reply meets the first-response SLA; optionally wait for the customer (timers pause)",
    input: z.object({ id: Id, body: Body, waitForCustomer: z.boolean().default(false) }).strict(),
    output: Ticket,
  }),
  'service.ticket.note': command({ access: 'service.write', summary: 'Add an internal note (never sent)', input: z.object({ id: Id, body: Body }).strict(), output: Ticket }),
  'service.ticket.setState': command({
    access: 'service.write',
    summary: 'Move a ticket: open (timers run), waiting for the customer (timers pause), resolved, closed',
    input: z.object({ id: Id, state: z.enum(TICKET_STATES) }).strict(),
    output: Ticket,
  }),
  'service.ticket.assign': command({ access: 'service.write', summary: 'Assign a ticket to a user (or nobody)', input: z.object({ id: Id, assignee: text('Assignee', 60, 1).nullable() }).strict(), output: Ticket }),
  'service.ticket.attach': command({
    access: 'service.write',
    summary: 'Attach a file (proof of delivery, photo, PDF) to a ticket; only allowed types up to 5 MB',
    input: z.object({ id: Id, fileName: text('File name', 200, 1), contentType: text('Content type', 100, 1), contentBase64: z.string().min(1, { message: 'The file is empty' }).max(8_000_000, { message: 'The file is larger than 5 MB' }) }).strict(),
    output: Ticket,
  }),
  'service.ticket.categorize': command({
    access: 'service.write',
    summary: "Set a ticket's reason category (an agent's correction): kept as a labelled example and taught to the classifier at once",
    input: z.object({ id: Id, category: z.enum(RETURN_CATEGORIES) }).strict(),
    output: Ticket,
  }),

  'service.rma.create': command({
    access: 'service.write',
    summary: 'Start a return (RMA) from an order or delivery: lines, quantities and a reason; the rules authorise it or send it for approval',
    input: z
      .object({
        orderId: Id.optional(),
        deliveryId: Id.optional(),
        ticketId: Id.nullable().default(null),
        reason: text('Reason', 2000, 3),
        lines: z
          .array(
            z
              .object({
                orderLineId: Id,
                quantity: Quantity,
                /** Lot/serial-tracked products: the lot (or the serial number, quantity 1) delivered. */
                lotName: text('Lot or serial number', 60, 1).optional(),
              })
              .strict(),
          )
          .min(1, { message: 'Choose at least one line to return' })
          .max(500),
      })
      .strict()
      .refine((v) => v.orderId || v.deliveryId, { message: 'Give the order or the delivery the goods came with', path: ['orderId'] }),
    output: Rma,
  }),
  'service.rma.decide': command({
    access: 'service.approve',
    summary: 'Approve or reject a return waiting for approval, with a note',
    input: z.object({ id: Id, decision: z.enum(['approve', 'reject']), note: text('Note', 500, 3) }).strict(),
    output: Rma,
  }),
  'service.rma.receive': command({
    access: 'inventory.operate',
    summary: 'Receive the returned goods into the Returns location (a receipt transfer); goods received damaged open a ticket',
    input: z.object({ id: Id, lines: z.array(z.object({ lineId: Id, quantity: z.number().int().min(0), condition: z.enum(['ok', 'damaged']).default('ok') }).strict()).min(1) }).strict(),
    output: Rma,
  }),
  'service.rma.inspect': command({
    access: 'inventory.operate',
    summary: 'Decide per line: restock, scrap, return to vendor or repair; stock and valuation follow',
    input: z.object({ id: Id, lines: z.array(z.object({ lineId: Id, disposition: z.enum(DISPOSITIONS), note: text('Note', 500).nullable().default(null) }).strict()).min(1) }).strict(),
    output: Rma,
  }),
  'service.rma.resolve': command({
    access: 'sales.invoice',
    summary: 'Resolve a return: a credit note, a refund of the original payment (credit note paid back by an outgoing payment) or a replacement shipment',
    input: z.object({ id: Id, resolution: z.enum(RESOLUTIONS) }).strict(),
    output: Rma,
  }),
  'service.rma.get': query({ access: 'service.read', summary: 'One RMA with its lines', input: z.object({ id: Id }).strict(), output: Rma }),
  'service.rma.list': query({
    access: 'service.read',
    summary: 'RMAs, newest first',
    input: z.object({ state: z.enum(RMA_STATES).optional(), orderId: Id.optional(), ...PageInput }).strict(),
    output: pageOf(RmaSummary),
  }),

  'service.classifier.train': command({
    access: 'service.write',
    summary: 'Train the reason classifier (naive Bayes on word 1-2-grams) on every labelled example',
    input: z.object({}).strict(),
    output: z.object({ examples: z.number().int(), vocabulary: z.number().int(), trainedAt: z.string() }),
  }),
  'service.classifier.predict': query({
    access: 'service.read',
    summary: 'Suggest a reason category, its confidence and a reply template for a text',
    input: z.object({ text: text('Text', 20_000, 1) }).strict(),
    output: Suggestion,
  }),
  'service.classifier.evaluate': query({
    access: 'service.read',
    summary: 'Accuracy of the classifier on a held-out part of generated demo texts (trained on the rest)',
    input: z.object({ count: z.number().int().min(100).max(50_000).default(2000), holdoutPercent: z.number().int().min(5).max(50).default(20), seed: z.number().int().default(1) }).strict(),
    output: z.object({ trained: z.number().int(), tested: z.number().int(), accuracyBp: z.number().int(), perCategory: z.array(z.object({ category: z.enum(RETURN_CATEGORIES), tested: z.number().int(), correct: z.number().int() })) }),
  }),
  'service.demo.seed': command({
    access: 'service.config',
    summary: 'Load labelled demo texts (return reasons) as classifier history, default SLA policies and train the model',
    input: z.object({ count: z.number().int().min(10).max(50_000).default(1000), seed: z.number().int().default(1) }).strict(),
    output: z.object({ examples: z.number().int(), policies: z.number().int() }),
  }),
} as const;
