import { z } from 'zod';
import { Id, PageInput, pageOf, text } from './common';
import { command, query } from './method';
import { BasisPoints } from './partners';
import { CHANNEL_CODES } from './pricing';

/** Largest file an import takes; bigger files are refused before anything is written. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
export const IMPORT_FORMATS = ['csv', 'xlsx', 'json', 'x12'] as const;
export const IMPORT_STATUSES = ['pending', 'accepted', 'held', 'rejected', 'duplicate', 'cancelled'] as const;
/** Why an order waits: an item code we do not know, a price off the customer's by more than the tolerance, credit, approval. */
export const HOLD_KINDS = ['unknown_sku', 'price_mismatch', 'credit', 'approval'] as const;
/** Fields a CSV/XLSX column can be mapped to. `orderId` groups rows into orders (one row per line). */
export const IMPORT_FIELDS = ['orderId', 'customerCode', 'customerEmail', 'customerName', 'customerPo', 'sku', 'quantity', 'unit', 'unitPrice', 'orderDate', 'requestedDate', 'notes'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const ImportError = z.object({ location: z.string(), message: z.string() });
export const UnmappedLine = z.object({ lineNo: z.number().int(), sku: z.string(), description: z.string().nullable(), quantity: z.number() });

export const ImportOrder = z.object({
  id: Id,
  seq: z.number().int(),
  ref: z.string(),
  source: z.string(),
  status: z.enum(IMPORT_STATUSES),
  holdKind: z.enum(HOLD_KINDS).nullable(),
  message: z.string().nullable(),
  errors: z.array(ImportError),
  unmapped: z.array(UnmappedLine),
  orderId: Id.nullable(),
  orderNumber: z.string().nullable(),
});
export type ImportOrder = z.infer<typeof ImportOrder>;

export const ImportCounts = z.object({
  pending: z.number().int(),
  accepted: z.number().int(),
  held: z.number().int(),
  rejected: z.number().int(),
  duplicate: z.number().int(),
  cancelled: z.number().int(),
});

export const ImportBatch = z.object({
  id: Id,
  kind: z.enum(['orders', 'edi']),
  format: z.enum(IMPORT_FORMATS),
  channelCode: z.enum(CHANNEL_CODES),
  fileName: z.string(),
  fileBytes: z.number().int(),
  state: z.enum(['staged', 'running', 'done', 'cancelled']),
  total: z.number().int(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  counts: ImportCounts,
});

/** The report of an import: its batch, counts and (a page of) its orders. */
export const ImportReport = z.object({
  batch: ImportBatch,
  /** The same file was imported before (batch id): nothing new was staged. */
  duplicateOfBatchId: Id.nullable(),
  orders: z.array(ImportOrder),
  /** Orders still waiting to be applied. */
  remaining: z.number().int(),
});
export type ImportReport = z.infer<typeof ImportReport>;

export const ImportMapping = z.object({
  channelCode: z.enum(CHANNEL_CODES),
  /** Field → the column header that holds it (case-insensitive). */
  fields: z.partialRecord(z.enum(IMPORT_FIELDS), z.string()),
  delimiter: z.string(),
  /** An imported unit price further than this from the customer's price holds the order (basis points). */
  priceToleranceBp: z.number().int(),
  /** Orders of this file arrive paid (web store, marketplace). */
  paid: z.boolean(),
  saved: z.boolean(),
});

export const EdiDocument = z.object({
  id: Id,
  kind: z.enum(['855', '856']),
  orderId: Id,
  controlNumber: z.string(),
  content: z.string(),
  createdAt: z.string(),
});

export const importsContract = {
  'imports.stage': command({
    access: 'sales.write',
    summary: 'Read an order file (CSV, XLSX, JSON or EDI X12 850) into an import batch: malformed orders are rejected with line or segment; nothing is ordered yet',
    input: z
      .object({
        kind: z.enum(['orders', 'edi']),
        /** Defaults from the file name's extension. */
        format: z.enum(IMPORT_FORMATS).optional(),
        /** The channel orders come from (EDI files: edi). */
        channelCode: z.enum(CHANNEL_CODES).optional(),
        fileName: text('File name', 255, 1),
        /** Text files as text; XLSX base64-encoded. */
        content: z.string().max(Math.ceil((MAX_IMPORT_BYTES * 4) / 3) + 4, { message: `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it into smaller files` }),
        encoding: z.enum(['text', 'base64']).default('text'),
      })
      .strict(),
    output: ImportReport,
  }),
  'imports.apply': command({
    access: 'sales.write',
    summary: "Apply the next orders of a batch through the order pipeline (each order all or nothing): accepted, held (unknown SKU, price, credit, approval) or duplicate",
    input: z
      .object({
        batchId: Id,
        limit: z.number().int().min(1).max(2000).default(250),
        /** Apply the orders without a savepoint each (faster); the first refused order fails the call with CONFLICT (details.reapply 'order_by_order') and nothing of the chunk is written: call again without it. */
        atOnce: z.boolean().default(false),
      })
      .strict(),
    output: ImportReport,
  }),
  'imports.cancel': command({
    access: 'sales.write',
    summary: 'Cancel the rest of an import: orders already applied stay, the others are not imported',
    input: z.object({ batchId: Id }).strict(),
    output: ImportReport,
  }),
  'imports.get': query({
    access: 'sales.read',
    summary: "An import's report; orders filtered by status",
    input: z.object({ batchId: Id, status: z.enum(IMPORT_STATUSES).optional(), ...PageInput, limit: z.number().int().min(1).max(10_000).default(1000) }).strict(),
    output: ImportReport,
  }),
  'imports.list': query({
    access: 'sales.read',
    summary: 'Import batches, newest first',
    input: z.object({ ...PageInput }).strict(),
    output: pageOf(ImportBatch),
  }),
  'imports.mapping.get': query({
    access: 'sales.read',
    summary: "A channel's column mapping for CSV/XLSX order files (the default when none is saved)",
    input: z.object({ channelCode: z.enum(CHANNEL_CODES) }).strict(),
    output: ImportMapping,
  }),
  'imports.mapping.set': command({
    access: 'sales.config',
    summary: "Save a channel's column mapping for CSV/XLSX order files",
    input: z
      .object({
        channelCode: z.enum(CHANNEL_CODES),
        fields: z.partialRecord(z.enum(IMPORT_FIELDS), text('Column', 100, 1)),
        delimiter: z.enum([',', ';', '\t', '|']).default(','),
        priceToleranceBp: BasisPoints('Price tolerance').default(100),
        paid: z.boolean().default(false),
      })
      .strict(),
    output: ImportMapping,
  }),
  'imports.mapping.preview': query({
    access: 'sales.read',
    summary: "The headers and first rows of a sample CSV/XLSX file, and which column the channel's mapping (saved or default) takes for each field",
    input: z
      .object({
        channelCode: z.enum(CHANNEL_CODES),
        fileName: text('File name', 255, 1),
        /** CSV as text (the first part of the file is enough); XLSX base64-encoded. */
        content: z.string().max(Math.ceil((MAX_IMPORT_BYTES * 4) / 3) + 4, { message: `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB` }),
        encoding: z.enum(['text', 'base64']).default('text'),
        delimiter: z.enum([',', ';', '\t', '|']).optional(),
      })
      .strict(),
    output: z.object({ headers: z.array(z.string()), rows: z.array(z.array(z.string())), matched: z.partialRecord(z.enum(IMPORT_FIELDS), z.string()) }),
  }),
  'imports.sku.map': command({
    access: 'sales.write',
    summary: "Map an unknown item code to a product (for the customer, or the whole channel) and re-apply the batch's orders held for it",
    input: z.object({ batchId: Id, externalSku: text('Item code', 100, 1), productId: Id, forCustomerOnly: z.boolean().default(true) }).strict(),
    output: ImportReport,
  }),
  'imports.edi.documents': query({
    access: 'sales.read',
    summary: 'Outbound EDI documents (855 acknowledgements, 856 ship notices) of an order',
    input: z.object({ orderId: Id }).strict(),
    output: z.object({ rows: z.array(EdiDocument) }),
  }),
  'imports.edi.shipNotice': command({
    access: 'sales.write',
    summary: 'Generate the 856 ship notice for what an EDI order has shipped so far (also made automatically when it ships)',
    input: z.object({ orderId: Id }).strict(),
    output: EdiDocument,
  }),
} as const;
