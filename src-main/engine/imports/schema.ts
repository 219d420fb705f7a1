/** Row types of the import tables, merged into the engine's `Database` (see partners/schema.ts). */
import type { RowMeta } from '../platform/schema';

export interface ImportBatchTable extends RowMeta {
  kind: 'orders' | 'edi';
  format: 'csv' | 'xlsx' | 'json' | 'x12';
  channel_code: string;
  file_name: string;
  file_sha256: string;
  file_bytes: number;
  state: 'staged' | 'running' | 'done' | 'cancelled';
  total: number;
  created_by: string | null;
  finished_at: string | null;
}

export type ImportOrderStatus = 'pending' | 'accepted' | 'held' | 'rejected' | 'duplicate' | 'cancelled';

export interface ImportOrderTable extends RowMeta {
  batch_id: string;
  /** Position of the order in the file (0-based). */
  seq: number;
  /** What the sender calls the order (marketplace order id, PO number). */
  ref: string;
  /** Where it is in the file: "rows 2–4", "ST 0001 (segments 3–35)". */
  source: string;
  idem_key: string | null;
  status: ImportOrderStatus;
  hold_kind: string | null;
  message: string | null;
  /** JSON array of { location, message }. */
  errors: string;
  /** JSON array of the lines whose item code matched no product. */
  unmapped: string;
  /** JSON of the normalised order (ImportedOrder). */
  payload: string;
  order_id: string | null;
  order_number: string | null;
}

export interface ImportKeyTable extends RowMeta {
  key: string;
  order_id: string;
  order_number: string;
}

export interface ImportMappingTable extends RowMeta {
  channel_code: string;
  /** JSON: field → column header. */
  fields: string;
  delimiter: string;
  price_tolerance_bp: number;
  paid: number;
}

export interface SkuAliasTable extends RowMeta {
  channel_code: string;
  partner_id: string | null;
  external_sku: string;
  product_id: string;
}

export interface EdiDocumentTable extends RowMeta {
  kind: '855' | '856';
  order_id: string;
  control_number: string;
  partner_id: string;
  reference: string | null;
  content: string;
}

declare module '../platform/schema' {
  interface Database {
    import_batch: ImportBatchTable;
    import_order: ImportOrderTable;
    import_key: ImportKeyTable;
    import_mapping: ImportMappingTable;
    sku_alias: SkuAliasTable;
    edi_document: EdiDocumentTable;
  }
}
