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
  result: string;
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
}

export interface WarehouseTable extends RowMeta {
  code: string;
  name: string;
  region: string;
  active: number;
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
}

/** Helper for inserts where the database fills a column. */
export type Auto<T> = Generated<T>;
