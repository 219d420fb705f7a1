/** Row types of the order-to-cash tables, merged into the engine's `Database` (see partners/schema.ts). */
import type { OrderState } from '../../../src-shared/contract/sales';
import type { RowMeta } from '../platform/schema';

export interface SalesOrderTable extends RowMeta {
  number: string;
  state: OrderState;
  partner_id: string;
  channel_code: string;
  customer_po: string | null;
  currency: string;
  ship_to_address_id: string | null;
  warehouse_id: string | null;
  order_date: string;
  requested_date: string | null;
  promised_date: string | null;
  payment_captured: number;
  invoice_policy: 'on_order' | 'on_delivery';
  payment_terms_days: number;
  backorder_policy: 'ship_partial' | 'ship_complete' | 'cancel_rest';
  priority_rank: number;
  untaxed_minor: number;
  tax_minor: number;
  total_minor: number;
  cost_minor: number;
  invoiced_minor: number;
  cancelled_minor: number;
  hold_reason: string | null;
  approved_by: string | null;
  credit_released_by: string | null;
  credit_release_reason: string | null;
  delivery_transfer_id: string | null;
  confirmed_at: string | null;
  notes: string | null;
  /** lower(number customer PO): what the order list's search looks in. */
  search_text: string;
}

export interface SalesOrderLineTable extends RowMeta {
  order_id: string;
  line_no: number;
  product_id: string;
  uom_id: string;
  uom_quantity: number;
  quantity: number;
  list_price_minor: number;
  unit_price_minor: number;
  price_overridden: number;
  price_rule_id: string | null;
  price_reason: string;
  discount_bp: number;
  cost_minor: number;
  tax_rate_bp: number;
  subtotal_minor: number;
  tax_minor: number;
  total_minor: number;
  qty_delivered: number;
  qty_invoiced: number;
  qty_returned: number;
  qty_cancelled: number;
}

export interface ApprovalRuleTable extends RowMeta {
  name: string;
  kind: 'discount' | 'margin' | 'order_value' | 'customer' | 'channel';
  threshold_bp: number | null;
  threshold_minor: number | null;
  channel_code: string | null;
  partner_id: string | null;
  customer_class: string | null;
  approver_role: string;
  active: number;
}

export interface ApprovalRequestTable extends RowMeta {
  order_id: string;
  state: 'pending' | 'approved' | 'rejected';
  approver_role: string;
  /** JSON array of sentences. */
  reasons: string;
  /** JSON array of approval rule ids (built-in checks have none). */
  rule_ids: string;
  requested_by: string | null;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
}

export interface ActivityTable extends RowMeta {
  role: string;
  kind: string;
  title: string;
  body: string | null;
  document_kind: string | null;
  document_id: string | null;
  document_number: string | null;
  state: 'open' | 'done';
  done_by: string | null;
  done_at: string | null;
  done_note: string | null;
}

export interface InvoiceTable extends RowMeta {
  number: string;
  state: 'open' | 'paid' | 'cancelled';
  partner_id: string;
  order_id: string | null;
  currency: string;
  invoice_date: string;
  due_date: string;
  untaxed_minor: number;
  tax_minor: number;
  total_minor: number;
  paid_minor: number;
}

export interface InvoiceLineTable extends RowMeta {
  invoice_id: string;
  line_no: number;
  order_line_id: string | null;
  product_id: string | null;
  description: string;
  quantity: number;
  unit_price_minor: number;
  discount_bp: number;
  subtotal_minor: number;
  tax_rate_bp: number;
  tax_minor: number;
  total_minor: number;
}

declare module '../platform/schema' {
  interface TransferLineTable {
    /** The order line this transfer line delivers (sales module; null for other transfers). */
    sales_line_id?: string | null;
  }
  interface Database {
    approval_rule: ApprovalRuleTable;
    sales_order: SalesOrderTable;
    sales_order_line: SalesOrderLineTable;
    approval_request: ApprovalRequestTable;
    activity: ActivityTable;
    invoice: InvoiceTable;
    invoice_line: InvoiceLineTable;
  }
}
