import type { Generated } from 'kysely';

/**
 * Row types of the branch (SQLite) and central (PostgreSQL) databases.
 * Conventions every business table follows: a client-generated UUIDv7 text `id`,
 * the `branch_id` that created the row, ISO `created_at`/`updated_at`, a `version`
 * counter for optimistic concurrency. Money in integer minor units (`*_minor`).
 * Flags are integers 0/1 so both databases store them alike.
 */
export interface RowMeta {
  id: string;
  branch_id: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface ClientStateTable {
  singleton: number;
  client_id: string;
  branch_id: string | null;
  last_mutation_id: number;
  demo: number;
  /** 1 once the install is bound to a centre: triggers then capture every replicated row written. */
  capture: Generated<number>;
}

export interface ChangeCaptureTable {
  seq: Generated<number>;
  table_name: string;
  row_id: string;
  op: 'insert' | 'update' | 'delete';
}

export interface SyncStateTable {
  singleton: number;
  central_label: string | null;
  pull_cursor: string | null;
  snapshot_table: string | null;
  snapshot_after: string | null;
  snapshot_done: Generated<number>;
  last_push_at: string | null;
  last_pull_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  blocked_reason: string | null;
}

export interface SyncExceptionTable extends RowMeta {
  kind: string;
  status: Generated<'open' | 'resolved'>;
  message: string;
  details: string;
  origin_branch_id: string | null;
  document_id: string | null;
  resolved_by: string | null;
  resolution: string | null;
}

/** Centre only. */
export interface ChangeLogTable {
  seq: Generated<number>;
  txid: Generated<string>;
  table_name: string;
  row_id: string;
  op: string;
  row_json: unknown;
  branch_id: string | null;
  private: boolean;
}

export interface SyncClientTable {
  client_id: string;
  branch_id: string;
  role_name: string;
  secret: string;
  last_mutation_id: number;
  app_version: string | null;
  registered_at: string;
  last_seen_at: string | null;
  retired: number;
}

export interface SyncAppliedTable {
  client_id: string;
  mutation_id: number;
  payload_hash: string;
  applied_at: string;
}

export interface SyncQuarantineTable {
  id: Generated<number>;
  client_id: string;
  mutation_id: number;
  payload: string;
  reason: string;
  at: string;
}

export interface SyncSettingTable {
  key: string;
  value: string;
}

export interface CompanyTable extends RowMeta {
  name: string;
  currency: string;
}

export interface BranchTable extends RowMeta {
  company_id: string;
  code: string;
  name: string;
}

export interface AppUserTable extends RowMeta {
  username: string;
  display_name: string;
  password_hash: string;
  /** JSON array of role names. */
  roles: string;
  active: number;
}

export interface OutboxTable {
  mutation_id: number;
  client_id: string;
  branch_id: string | null;
  method: string;
  method_version: number;
  schema_version: string;
  /** JSON of the parsed input as the command used it (secrets replaced). */
  input: string;
  /** JSON: the ids and the clock the command drew, so a replay is identical. */
  effects: string;
  /** JSON array of the row images the command wrote (captured when bound to a centre). */
  changes: Generated<string>;
  /** HMAC of the mutation with the client's secret, set when pushed. */
  signature: string | null;
  user_id: string | null;
  created_at: string;
}

export interface AuditLogTable {
  id: string;
  branch_id: string | null;
  at: string;
  user_id: string | null;
  username: string | null;
  method: string;
  mutation_id: number;
  summary: string;
  input: string;
}

export interface UomTable extends RowMeta {
  code: string;
  name: string;
  kind: string;
}

export interface UomConversionTable extends RowMeta {
  product_id: string | null;
  from_uom_id: string;
  to_uom_id: string;
  numerator: number;
  denominator: number;
}

export interface CategoryTable extends RowMeta {
  name: string;
  parent_id: string | null;
  removal_strategy: Generated<'fifo' | 'fefo'>;
  costing_method: Generated<'avco' | 'fifo'>;
}

export interface ProductTable extends RowMeta {
  sku: string;
  name: string;
  category_id: string | null;
  uom_id: string;
  barcode: string | null;
  list_price_minor: number;
  cost_minor: number;
  tracking: string;
  active: number;
  /** lower(sku name barcode): what substring search looks in. */
  search_text: string;
  abc_class: string | null;
}

export interface WarehouseTable extends RowMeta {
  code: string;
  name: string;
  region: string;
  active: number;
  reception_steps: Generated<number>;
  delivery_steps: Generated<number>;
  allow_negative: Generated<number>;
}

export type LocationUsage = 'view' | 'internal' | 'vendor' | 'customer' | 'inventory_loss' | 'scrap' | 'transit';
export type LocationZone = 'stock' | 'input' | 'quality' | 'pack' | 'output' | 'returns';

export interface DocumentSeriesTable extends RowMeta {
  prefix: string;
  next_number: number;
}

export interface LocationTable extends RowMeta {
  warehouse_id: string | null;
  parent_id: string | null;
  name: string;
  path: string;
  usage: LocationUsage;
  zone: LocationZone | null;
  active: number;
}

export interface LotTable extends RowMeta {
  product_id: string;
  name: string;
  expiry_date: string | null;
}

export type OperationKind = 'receipt' | 'delivery' | 'internal' | 'pick' | 'pack' | 'quality' | 'transit_out' | 'transit_in';

export interface OperationTypeTable extends RowMeta {
  warehouse_id: string;
  kind: OperationKind;
  code: string;
  name: string;
  default_from_location_id: string;
  default_to_location_id: string;
  reservation_method: 'at_confirm' | 'manual' | 'before_days';
  reservation_days: number;
  active: number;
}

export interface WaveTable extends RowMeta {
  number: string;
  warehouse_id: string;
  state: 'open' | 'done' | 'cancelled';
  carrier: string | null;
  zone: string | null;
  cutoff_before: string | null;
}

export type TransferState = 'draft' | 'waiting' | 'ready' | 'done' | 'cancelled';

export interface TransferTable extends RowMeta {
  number: string;
  operation_type_id: string;
  warehouse_id: string;
  kind: OperationKind;
  state: TransferState;
  from_location_id: string;
  to_location_id: string;
  partner_id: string | null;
  origin: string | null;
  channel_code: string | null;
  priority_rank: number;
  promised_date: string | null;
  order_date: string | null;
  scheduled_date: string;
  shipping_policy: 'asap' | 'all';
  carrier: string | null;
  carrier_cutoff: string | null;
  order_value_minor: number;
  backorder_of_id: string | null;
  linked_transfer_id: string | null;
  wave_id: string | null;
  backorder_reason: string | null;
  done_at: string | null;
}

export interface TransferLineTable extends RowMeta {
  transfer_id: string;
  line_no: number;
  product_id: string;
  uom_id: string;
  uom_quantity: number;
  quantity: number;
  quantity_done: number;
  from_location_id: string;
  to_location_id: string;
  state: TransferState;
  unit_cost_minor: number | null;
  origin_line_id: string | null;
  next_line_id: string | null;
}

export interface StockMoveTable extends RowMeta {
  product_id: string;
  quantity: number;
  from_location_id: string;
  to_location_id: string;
  lot_id: string | null;
  moved_at: string;
  reference: string;
  transfer_id: string | null;
  transfer_line_id: string | null;
  unit_cost_minor: number;
  value_minor: number;
  reversal_of_id: string | null;
  reason: string | null;
}

export interface StockLevelTable {
  product_id: string;
  location_id: string;
  lot_key: string;
  warehouse_id: string | null;
  on_hand: number;
  reserved: number;
  incoming: number;
  outgoing: number;
  updated_at: string;
}

export interface ReservationTable extends RowMeta {
  transfer_line_id: string;
  product_id: string;
  location_id: string;
  lot_key: string;
  quantity: number;
}

export interface ProductValuationTable {
  product_id: string;
  quantity: number;
  value_minor: number;
  updated_at: string;
}

export interface ValuationLayerTable extends RowMeta {
  product_id: string;
  move_id: string;
  remaining_quantity: number;
  remaining_value_minor: number;
}

export interface CycleCountTable extends RowMeta {
  number: string;
  warehouse_id: string;
  location_id: string;
  state: 'open' | 'awaiting_approval' | 'posted' | 'cancelled';
  scheduled_date: string;
  abc_class: string | null;
  approved_by: string | null;
  posted_at: string | null;
}

export interface CountLineTable extends RowMeta {
  count_id: string;
  product_id: string;
  location_id: string;
  lot_key: string;
  expected_quantity: number;
  counted_quantity: number | null;
  unit_cost_minor: number;
  reason: string | null;
}

export interface ChannelTable extends RowMeta {
  code: string;
  name: string;
  reservation_priority: number;
  active: number;
}

export interface PartnerTable extends RowMeta {
  code: string;
  kind: 'customer' | 'vendor';
  name: string;
  customer_class: 'key_account' | 'regular' | 'consumer' | null;
  region: string | null;
  email: string | null;
  phone: string | null;
  tax_id: string | null;
  credit_limit_minor: number | null;
  payment_terms_days: number;
  lead_time_days: number | null;
  active: number;
}

export interface Database {
  meta: MetaTable;
  client_state: ClientStateTable;
  company: CompanyTable;
  branch: BranchTable;
  app_user: AppUserTable;
  outbox: OutboxTable;
  audit_log: AuditLogTable;
  uom: UomTable;
  uom_conversion: UomConversionTable;
  category: CategoryTable;
  product: ProductTable;
  warehouse: WarehouseTable;
  channel: ChannelTable;
  partner: PartnerTable;
  document_series: DocumentSeriesTable;
  location: LocationTable;
  lot: LotTable;
  operation_type: OperationTypeTable;
  wave: WaveTable;
  transfer: TransferTable;
  transfer_line: TransferLineTable;
  stock_move: StockMoveTable;
  stock_level: StockLevelTable;
  reservation: ReservationTable;
  product_valuation: ProductValuationTable;
  valuation_layer: ValuationLayerTable;
  cycle_count: CycleCountTable;
  count_line: CountLineTable;
  change_capture: ChangeCaptureTable;
  sync_state: SyncStateTable;
  sync_exception: SyncExceptionTable;
  change_log: ChangeLogTable;
  sync_client: SyncClientTable;
  sync_applied: SyncAppliedTable;
  sync_quarantine: SyncQuarantineTable;
  sync_setting: SyncSettingTable;
}

/** Helper for inserts where the database fills a column. */
export type Auto<T> = Generated<T>;
