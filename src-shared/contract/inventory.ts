import { z } from 'zod';
import { Id, PageInput, PriceMinor, SortDir, pageOf, text } from './common';
import { command, query } from './method';

export const OPERATION_KINDS = ['receipt', 'delivery', 'internal', 'pick', 'pack', 'quality', 'transit_out', 'transit_in'] as const;
export const TRANSFER_STATES = ['draft', 'waiting', 'ready', 'done', 'cancelled'] as const;

const Steps = z.number().int().min(1, { message: 'Steps are 1, 2 or 3' }).max(3, { message: 'Steps are 1, 2 or 3' });
/** A quantity in the product's stock unit (or the line's unit): whole and positive. */
export const Quantity = z
  .number({ message: 'Quantity must be a number' })
  .int({ message: 'Quantity must be a whole number in this unit' })
  .min(1, { message: 'Quantity must be more than zero' })
  .max(1_000_000_000, { message: 'Quantity is too large' });
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Use a date like 2026-12-31' });
const IsoTime = z.string().datetime({ offset: true, message: 'Use a date-time like 2026-12-31T17:00:00Z' });

export const Warehouse = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  region: z.string(),
  receptionSteps: z.number().int(),
  deliverySteps: z.number().int(),
  allowNegative: z.boolean(),
  /** Receipts go straight from Input to Output for waiting deliveries (the XD operation type). */
  crossDock: z.boolean(),
});

export const Location = z.object({
  id: Id,
  warehouseId: Id.nullable(),
  parentId: Id.nullable(),
  name: z.string(),
  path: z.string(),
  usage: z.string(),
  zone: z.string().nullable(),
});

export const Availability = z.object({
  productId: Id,
  onHand: z.number().int(),
  reserved: z.number().int(),
  available: z.number().int(),
  incoming: z.number().int(),
  outgoing: z.number().int(),
  byWarehouse: z.array(
    z.object({ warehouseId: Id, code: z.string(), onHand: z.number().int(), reserved: z.number().int(), available: z.number().int(), incoming: z.number().int(), outgoing: z.number().int() }),
  ),
});

export const TransferLine = z.object({
  id: Id,
  lineNo: z.number().int(),
  productId: Id,
  sku: z.string(),
  productName: z.string(),
  barcode: z.string().nullable(),
  tracking: z.string(),
  uomCode: z.string(),
  quantity: z.number().int(),
  quantityDone: z.number().int(),
  reserved: z.number().int(),
  fromLocationId: Id,
  fromPath: z.string(),
  toLocationId: Id,
  toPath: z.string(),
  state: z.enum(TRANSFER_STATES),
  unitCostMinor: z.number().int().nullable(),
});

export const Transfer = z.object({
  id: Id,
  number: z.string(),
  kind: z.enum(OPERATION_KINDS),
  state: z.enum(TRANSFER_STATES),
  warehouseId: Id,
  warehouseCode: z.string(),
  fromLocationId: Id,
  fromPath: z.string(),
  toLocationId: Id,
  toPath: z.string(),
  partnerId: Id.nullable(),
  partnerName: z.string().nullable(),
  origin: z.string().nullable(),
  channelCode: z.string().nullable(),
  priorityRank: z.number().int(),
  scheduledDate: z.string(),
  promisedDate: z.string().nullable(),
  shippingPolicy: z.enum(['asap', 'all']),
  carrier: z.string().nullable(),
  carrierCutoff: z.string().nullable(),
  backorderOfId: Id.nullable(),
  backorderReason: z.string().nullable(),
  linkedTransferId: Id.nullable(),
  waveId: Id.nullable(),
  doneAt: z.string().nullable(),
  lines: z.array(TransferLine),
});
export type Transfer = z.infer<typeof Transfer>;

export const TransferSummary = Transfer.omit({ lines: true }).extend({ lineCount: z.number().int(), totalQuantity: z.number().int() });

export const TransferLineInput = z
  .object({
    productId: Id,
    quantity: Quantity,
    /** Unit the quantity is in; defaults to the product's stock unit. */
    uomId: Id.optional(),
    unitCostMinor: PriceMinor.optional(),
  })
  .strict();

export const TransferCreateInput = z
  .object({
    kind: z.enum(['receipt', 'delivery', 'internal']),
    warehouseId: Id,
    partnerId: Id.nullable().default(null),
    origin: text('Origin', 120).nullable().default(null),
    channelCode: z.enum(['rep', 'portal', 'ecommerce', 'marketplace', 'edi', 'contract']).nullable().default(null),
    /** Lower is served first; defaults from the channel's reservation priority. */
    priorityRank: z.number().int().min(0).max(1000).optional(),
    promisedDate: IsoTime.nullable().default(null),
    orderDate: IsoTime.nullable().default(null),
    scheduledDate: IsoTime.optional(),
    shippingPolicy: z.enum(['asap', 'all']).default('asap'),
    carrier: text('Carrier', 60).nullable().default(null),
    carrierCutoff: IsoTime.nullable().default(null),
    orderValueMinor: PriceMinor.default(0),
    fromLocationId: Id.optional(),
    toLocationId: Id.optional(),
    lines: z.array(TransferLineInput).min(1, { message: 'Add at least one line' }).max(5000, { message: 'At most 5,000 lines per transfer' }),
    confirm: z.boolean().default(true),
    /**
     * The goods are here: validate the first step in the same command ("receive now"), as
     * `inventory.transfer.validate` would with every line done. Needs `confirm`.
     */
    validate: z.boolean().optional(),
  })
  .strict()
  .refine((t) => !t.validate || t.confirm, { message: 'A transfer validated at once must be confirmed', path: ['validate'] });

export const ValidateLineInput = z
  .object({
    lineId: Id,
    quantity: z.number().int({ message: 'Quantity must be a whole number' }).min(0, { message: 'Quantity cannot be negative' }),
    lotName: text('Lot', 60, 1).optional(),
    expiryDate: IsoDate.optional(),
    serials: z.array(text('Serial number', 60, 1)).optional(),
    toLocationId: Id.optional(),
  })
  .strict();

export const StockRow = z.object({
  productId: Id,
  sku: z.string(),
  name: z.string(),
  uomCode: z.string(),
  abcClass: z.string().nullable(),
  onHand: z.number().int(),
  reserved: z.number().int(),
  available: z.number().int(),
  incoming: z.number().int(),
  outgoing: z.number().int(),
});

export const StockLevelRow = z.object({
  locationId: Id,
  path: z.string(),
  warehouseCode: z.string().nullable(),
  lotName: z.string().nullable(),
  expiryDate: z.string().nullable(),
  onHand: z.number().int(),
  reserved: z.number().int(),
  incoming: z.number().int(),
  outgoing: z.number().int(),
});

export const MoveRow = z.object({
  id: Id,
  movedAt: z.string(),
  productId: Id,
  sku: z.string(),
  quantity: z.number().int(),
  fromPath: z.string(),
  toPath: z.string(),
  lotName: z.string().nullable(),
  reference: z.string(),
  transferId: Id.nullable(),
  unitCostMinor: z.number().int(),
  valueMinor: z.number().int(),
  reason: z.string().nullable(),
  reversalOfId: Id.nullable(),
});

export const PickListRow = z.object({
  locationPath: z.string(),
  productId: Id,
  sku: z.string(),
  name: z.string(),
  barcode: z.string().nullable(),
  lotName: z.string().nullable(),
  quantity: z.number().int(),
  transferNumbers: z.array(z.string()),
});

export const Wave = z.object({
  id: Id,
  number: z.string(),
  warehouseId: Id,
  state: z.enum(['open', 'done', 'cancelled']),
  carrier: z.string().nullable(),
  zone: z.string().nullable(),
  cutoffBefore: z.string().nullable(),
  transfers: z.array(z.object({ id: Id, number: z.string(), carrier: z.string().nullable(), carrierCutoff: z.string().nullable(), priorityRank: z.number().int(), orderValueMinor: z.number().int(), state: z.string() })),
  pickList: z.array(PickListRow),
});

export const CountLine = z.object({
  id: Id,
  productId: Id,
  sku: z.string(),
  name: z.string(),
  lotName: z.string().nullable(),
  expectedQuantity: z.number().int(),
  countedQuantity: z.number().int().nullable(),
  varianceQuantity: z.number().int().nullable(),
  varianceValueMinor: z.number().int().nullable(),
  reason: z.string().nullable(),
});

export const CycleCount = z.object({
  id: Id,
  number: z.string(),
  warehouseId: Id,
  locationId: Id,
  locationPath: z.string(),
  state: z.enum(['open', 'awaiting_approval', 'posted', 'cancelled']),
  scheduledDate: z.string(),
  abcClass: z.string().nullable(),
  lines: z.array(CountLine),
  needsApprovalReason: z.string().nullable(),
});

const TRANSFER_SORT = ['scheduledDate', 'number', 'state', 'priority', 'carrierCutoff'] as const;
const STOCK_SORT = ['sku', 'name', 'onHand', 'available', 'reserved'] as const;

export const inventoryContract = {
  'inventory.warehouse.list': query({
    access: 'inventory.read',
    summary: 'Warehouses with their step configuration',
    input: z.object({}).strict(),
    output: z.object({ rows: z.array(Warehouse) }),
  }),
  'inventory.warehouse.create': command({
    access: 'inventory.config',
    summary: 'Create a warehouse with its location tree and operation types',
    input: z
      .object({
        code: z.string().trim().regex(/^[A-Z][A-Z0-9]{1,7}$/, { message: 'Code is 2–8 capital letters or digits (e.g. WH3)' }),
        name: text('Name', 120, 1),
        region: text('Region', 60, 1),
        receptionSteps: Steps.default(1),
        deliverySteps: Steps.default(1),
        allowNegative: z.boolean().default(false),
        crossDock: z.boolean().default(false),
      })
      .strict(),
    output: Warehouse,
  }),
  'inventory.warehouse.configure': command({
    access: 'inventory.config',
    summary: 'Change reception/delivery steps, negative-stock policy or cross-docking of a warehouse',
    input: z.object({ id: Id, receptionSteps: Steps.optional(), deliverySteps: Steps.optional(), allowNegative: z.boolean().optional(), crossDock: z.boolean().optional() }).strict(),
    output: Warehouse,
  }),
  'inventory.location.list': query({
    access: 'inventory.read',
    summary: 'Locations (internal and virtual), ordered by path',
    input: z.object({ warehouseId: Id.optional(), usage: z.string().max(20).optional() }).strict(),
    output: z.object({ rows: z.array(Location) }),
  }),
  'inventory.location.create': command({
    access: 'inventory.config',
    summary: 'Create a bin or shelf under an internal location',
    input: z.object({ parentId: Id, name: z.string().trim().min(1, { message: 'Name is required' }).max(40).regex(/^[A-Za-z0-9 ._-]+$/, { message: 'Name may only contain letters, digits, space . _ -' }) }).strict(),
    output: Location,
  }),
  'inventory.availability': query({
    access: 'inventory.read',
    summary: 'Available to promise of a product: on hand − reserved, per warehouse and in total (from the summary)',
    input: z.object({ productId: Id, warehouseId: Id.optional() }).strict(),
    output: Availability,
  }),
  'inventory.forecast': query({
    access: 'inventory.read',
    summary: 'Forecast quantity by date: on hand + incoming − outgoing scheduled up to each date',
    input: z.object({ productId: Id, warehouseId: Id.optional(), days: z.number().int().min(1).max(365).default(30) }).strict(),
    output: z.object({ rows: z.array(z.object({ date: z.string(), incoming: z.number().int(), outgoing: z.number().int(), forecast: z.number().int() })) }),
  }),
  'inventory.stock.list': query({
    access: 'inventory.read',
    summary: 'Stock by product with availability, filtered and sorted in SQL',
    input: z.object({ warehouseId: Id.optional(), query: z.string().trim().max(100).default(''), onlyInStock: z.boolean().default(false), sort: z.enum(STOCK_SORT).default('sku'), dir: SortDir, ...PageInput }).strict(),
    output: pageOf(StockRow),
  }),
  'inventory.stock.byProduct': query({
    access: 'inventory.read',
    summary: 'Where a product is: stock levels by location and lot',
    input: z.object({ productId: Id, warehouseId: Id.optional() }).strict(),
    output: z.object({ rows: z.array(StockLevelRow) }),
  }),
  'inventory.ledger': query({
    access: 'inventory.read',
    summary: 'The stock ledger (moves), newest first, filtered in SQL',
    input: z
      .object({ productId: Id.optional(), locationId: Id.optional(), transferId: Id.optional(), from: IsoTime.optional(), to: IsoTime.optional(), ...PageInput })
      .strict(),
    output: pageOf(MoveRow),
  }),
  'inventory.check': query({
    access: 'inventory.read',
    summary: 'Proves the stock summary equals the ledger; lists every difference',
    input: z.object({}).strict(),
    output: z.object({ ok: z.boolean(), differences: z.array(z.object({ productId: Id, locationId: Id, lotKey: z.string(), field: z.string(), summary: z.number(), ledger: z.number() })) }),
  }),
  'inventory.transfer.create': command({
    access: 'inventory.operate',
    summary: 'Create a receipt, delivery or internal transfer (multi-step warehouses get the whole chain)',
    input: TransferCreateInput,
    output: Transfer,
  }),
  'inventory.transfer.confirm': command({
    access: 'inventory.operate',
    summary: 'Confirm a draft transfer; reserves stock when its operation type reserves at confirmation',
    input: z.object({ id: Id }).strict(),
    output: Transfer,
  }),
  'inventory.transfer.reserve': command({
    access: 'inventory.operate',
    summary: 'Check availability: reserve what stock allows for this transfer',
    input: z.object({ id: Id }).strict(),
    output: Transfer,
  }),
  'inventory.transfer.unreserve': command({
    access: 'inventory.operate',
    summary: 'Release the reservations of a transfer',
    input: z.object({ id: Id }).strict(),
    output: Transfer,
  }),
  'inventory.transfer.validate': command({
    access: 'inventory.operate',
    summary: 'Post the done quantities as stock moves; what is left becomes a backorder (or is cancelled)',
    input: z.object({ id: Id, lines: z.array(ValidateLineInput).optional(), createBackorder: z.boolean().default(true) }).strict(),
    output: z.object({ transfer: Transfer, backorder: Transfer.nullable() }),
  }),
  'inventory.transfer.cancel': command({
    access: 'inventory.operate',
    summary: 'Cancel a transfer that is not done; its reservations are released',
    input: z.object({ id: Id }).strict(),
    output: Transfer,
  }),
  'inventory.transfer.get': query({
    access: 'inventory.read',
    summary: 'One transfer with its lines',
    input: z.object({ id: Id }).strict(),
    output: Transfer,
  }),
  'inventory.transfer.list': query({
    access: 'inventory.read',
    summary: 'Transfers, filtered and sorted in SQL',
    input: z
      .object({
        warehouseId: Id.optional(),
        kind: z.enum(OPERATION_KINDS).optional(),
        state: z.enum([...TRANSFER_STATES, 'open']).optional().describe('open = waiting or ready'),
        productId: Id.optional(),
        query: z.string().trim().max(100).default(''),
        sort: z.enum(TRANSFER_SORT).default('scheduledDate'),
        dir: SortDir,
        ...PageInput,
      })
      .strict(),
    output: pageOf(TransferSummary),
  }),
  'inventory.interWarehouse.create': command({
    access: 'inventory.operate',
    summary: 'Move stock between warehouses through Transit: an outbound and an inbound transfer',
    input: z
      .object({ fromWarehouseId: Id, toWarehouseId: Id, lines: z.array(TransferLineInput).min(1, { message: 'Add at least one line' }).max(5000), scheduledDate: IsoTime.optional(), origin: text('Origin', 120).nullable().default(null) })
      .strict(),
    output: z.object({ outbound: Transfer, inbound: Transfer }),
  }),
  'inventory.allocate': command({
    access: 'inventory.operate',
    summary: 'Allocate available stock to waiting demand by channel and customer priority, then promised date, then order date',
    input: z.object({ warehouseId: Id.optional(), productIds: z.array(Id).max(10_000).optional() }).strict(),
    output: z.object({ linesReserved: z.number().int(), quantityReserved: z.number().int(), preempted: z.number().int() }),
  }),
  'inventory.settings.get': query({
    access: 'inventory.read',
    summary: 'Inventory policies: preemption, count thresholds',
    input: z.object({}).strict(),
    output: z.object({ preemptLowerPriority: z.boolean(), countApprovalValueMinor: z.number().int(), countApprovalPercent: z.number().int() }),
  }),
  'inventory.settings.set': command({
    access: 'inventory.config',
    summary: 'Change inventory policies',
    input: z.object({ preemptLowerPriority: z.boolean().optional(), countApprovalValueMinor: PriceMinor.optional(), countApprovalPercent: z.number().int().min(0).max(100).optional() }).strict(),
    output: z.object({ preemptLowerPriority: z.boolean(), countApprovalValueMinor: z.number().int(), countApprovalPercent: z.number().int() }),
  }),
  'inventory.adjust': command({
    access: 'inventory.adjust',
    summary: 'Adjust stock at a location (+ found, − lost) against Inventory Loss, with a reason',
    input: z
      .object({
        productId: Id,
        locationId: Id,
        delta: z.number().int({ message: 'Quantity must be a whole number' }).refine((n) => n !== 0, { message: 'Quantity change cannot be zero' }),
        reason: text('Reason', 200, 3),
        lotName: text('Lot', 60, 1).optional(),
        expiryDate: IsoDate.optional(),
        unitCostMinor: PriceMinor.optional(),
      })
      .strict(),
    output: z.object({ moveId: Id }),
  }),
  'inventory.wave.build': command({
    access: 'inventory.operate',
    summary: 'Group ready pick/delivery transfers into a wave; the pick list walks the aisles once',
    input: z.object({ warehouseId: Id, carrier: z.string().trim().max(60).optional(), cutoffBefore: IsoTime.optional(), zone: z.string().trim().max(60).optional(), maxTransfers: z.number().int().min(1).max(2000).default(500) }).strict(),
    output: Wave,
  }),
  'inventory.wave.get': query({
    access: 'inventory.read',
    summary: 'A wave with its transfers and pick list ordered by location path',
    input: z.object({ id: Id }).strict(),
    output: Wave,
  }),
  'inventory.wave.list': query({
    access: 'inventory.read',
    summary: 'Waves, newest first',
    input: z.object({ warehouseId: Id.optional(), state: z.enum(['open', 'done', 'cancelled']).optional(), ...PageInput }).strict(),
    output: pageOf(Wave.omit({ transfers: true, pickList: true }).extend({ transferCount: z.number().int() })),
  }),
  'inventory.scan': query({
    access: 'inventory.read',
    summary: 'Interpret a scan (EAN/UPC or GS1-128) and, for a transfer, which line it confirms',
    input: z.object({ code: z.string().min(1, { message: 'Empty scan' }).max(200), transferId: Id.optional() }).strict(),
    output: z.object({
      productId: Id.nullable(),
      sku: z.string().nullable(),
      lot: z.string().nullable(),
      serial: z.string().nullable(),
      expiry: z.string().nullable(),
      count: z.number().int().nullable(),
      lineId: Id.nullable(),
      verdict: z.enum(['match', 'wrong_product', 'unknown', 'complete']),
      message: z.string(),
    }),
  }),
  'inventory.count.create': command({
    access: 'inventory.adjust',
    summary: 'Open a cycle count on a location (and the bins below it)',
    input: z.object({ locationId: Id, productIds: z.array(Id).max(5000).optional(), scheduledDate: IsoTime.optional() }).strict(),
    output: CycleCount,
  }),
  'inventory.count.schedule': command({
    access: 'inventory.adjust',
    summary: 'Open the counts that are due by ABC class (A monthly, B quarterly, C yearly) and variance history',
    input: z.object({ warehouseId: Id, asOf: IsoTime.optional(), maxCounts: z.number().int().min(1).max(500).default(50) }).strict(),
    output: z.object({ counts: z.array(z.object({ id: Id, number: z.string(), locationPath: z.string(), lines: z.number().int() })) }),
  }),
  'inventory.count.record': command({
    access: 'inventory.adjust',
    summary: 'Record counted quantities',
    input: z
      .object({
        id: Id,
        lines: z.array(z.object({ lineId: Id, countedQuantity: z.number().int({ message: 'Counted quantity must be whole' }).min(0, { message: 'Counted quantity cannot be negative' }), reason: text('Reason', 200).optional() }).strict()).min(1),
      })
      .strict(),
    output: CycleCount,
  }),
  'inventory.count.submit': command({
    access: 'inventory.adjust',
    summary: 'Submit a count: posts adjustments, or waits for approval when a variance exceeds the threshold',
    input: z.object({ id: Id }).strict(),
    output: CycleCount,
  }),
  'inventory.count.approve': command({
    access: 'inventory.count.approve',
    summary: 'Approve a count held for its variance and post it (warehouse manager)',
    input: z.object({ id: Id }).strict(),
    output: CycleCount,
  }),
  'inventory.count.get': query({
    access: 'inventory.read',
    summary: 'A cycle count with its lines and variances',
    input: z.object({ id: Id }).strict(),
    output: CycleCount,
  }),
  'inventory.count.list': query({
    access: 'inventory.read',
    summary: 'Cycle counts (filter by state: the approval queue is awaiting_approval)',
    input: z.object({ warehouseId: Id.optional(), state: z.enum(['open', 'awaiting_approval', 'posted', 'cancelled']).optional(), ...PageInput }).strict(),
    output: pageOf(CycleCount.omit({ lines: true }).extend({ lineCount: z.number().int() })),
  }),
  'inventory.abc.classify': command({
    access: 'inventory.config',
    summary: 'Classify products A/B/C by consumption value over the last 12 months (80% / 15% / 5%)',
    input: z.object({ asOf: IsoTime.optional() }).strict(),
    output: z.object({ a: z.number().int(), b: z.number().int(), c: z.number().int() }),
  }),
} as const;
