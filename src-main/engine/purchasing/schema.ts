/** Row types of the procure-to-pay tables, merged into the engine's `Database` (see partners/schema.ts). */
import type { RowMeta } from '../platform/schema';

export type PoState = 'draft' | 'to_approve' | 'approved' | 'sent' | 'confirmed' | 'partially_received' | 'received' | 'billed' | 'done' | 'cancelled';
export type BillState = 'unmatched' | 'held' | 'ready_to_pay' | 'credit_requested' | 'cancelled';

export interface VendorProfileTable extends RowMeta {
  partner_id: string;
  currency: string;
  min_order_qty: number;
  order_multiple: number;
  edi_enabled: number;
  edi_id: string | null;
}

export interface VendorPriceTable extends RowMeta {
  vendor_id: string;
  product_id: string;
  min_quantity: number;
  price_minor: number;
  vendor_sku: string | null;
  valid_from: string | null;
  valid_to: string | null;
  active: number;
}

export interface ProductVendorTable extends RowMeta {
  product_id: string;
  warehouse_id: string;
  vendor_id: string;
}

export interface PurchaseCategoryPolicyTable extends RowMeta {
  category_id: string;
  requires_inspection: number;
}

export interface ReorderRuleTable extends RowMeta {
  product_id: string;
  warehouse_id: string;
  method: 'min_max' | 'demand';
  min_qty: number;
  max_qty: number;
  multiple: number;
  window_days: number;
  service_level_bp: number;
  cover_days: number;
  active: number;
}

export interface PurchaseOrderTable extends RowMeta {
  number: string;
  state: PoState;
  vendor_id: string;
  warehouse_id: string;
  currency: string;
  order_date: string;
  expected_date: string;
  urgent: number;
  total_minor: number;
  /** 0: none, 1: one approver, 2: double validation (two different people). */
  approvals_needed: number;
  approved_by: string | null;
  approved2_by: string | null;
  sent_at: string | null;
  confirmed_at: string | null;
  vendor_reference: string | null;
  /** Drop ship: the customer the vendor ships to. */
  ship_to_partner_id: string | null;
  sales_order_id: string | null;
  run_id: string | null;
  notes: string | null;
  search_text: string;
}

export interface PurchaseOrderLineTable extends RowMeta {
  order_id: string;
  line_no: number;
  product_id: string;
  quantity: number;
  unit_price_minor: number;
  subtotal_minor: number;
  unit_weight_g: number;
  qty_received: number;
  qty_rejected: number;
  qty_billed: number;
  needs_inspection: number;
  reason: string | null;
}

export interface PurchaseReceiptLineTable extends RowMeta {
  order_id: string;
  order_line_id: string;
  vendor_id: string;
  transfer_id: string | null;
  quantity: number;
  received_at: string;
  on_time: number;
  lead_days: number;
}

export interface PurchaseInspectionTable extends RowMeta {
  order_id: string;
  order_line_id: string;
  warehouse_id: string;
  product_id: string;
  quantity: number;
  state: 'pending' | 'done';
  passed: number;
  failed: number;
  note: string | null;
  decided_by: string | null;
  return_transfer_id: string | null;
}

export interface LandedCostTable extends RowMeta {
  order_id: string;
  number: string;
  kind: 'freight' | 'duty' | 'insurance' | 'other';
  method: 'value' | 'weight' | 'quantity';
  amount_minor: number;
  capitalized_minor: number;
  expensed_minor: number;
  /** The landed cost's journal entry (Dr stock / COGS, Cr landed-cost clearing). */
  entry_id: string | null;
  /** The freight (duty…) vendor's bill that clears it. */
  bill_vendor_id: string | null;
  bill_reference: string | null;
  bill_entry_id: string | null;
}

export interface LandedCostLineTable extends RowMeta {
  landed_cost_id: string;
  order_line_id: string;
  product_id: string;
  allocated_minor: number;
  capitalized_minor: number;
}

export interface ReplenishmentScheduleTable extends RowMeta {
  warehouse_id: string | null;
  /** HH:MM, UTC. */
  time_of_day: string;
  active: number;
  next_run_at: string;
  last_run_at: string | null;
  last_run_id: string | null;
  last_result: string | null;
  set_by: string | null;
}

export type AckLineStatus = 'accepted' | 'changed' | 'rejected' | 'backordered';

export interface PurchaseOrderAckTable extends RowMeta {
  order_id: string;
  control_number: string;
  ack_type: string;
  vendor_reference: string | null;
  ack_date: string | null;
  attachment_id: string | null;
  accepted: number;
  changed: number;
  rejected: number;
}

export interface PurchaseOrderAckLineTable extends RowMeta {
  ack_id: string;
  order_line_id: string;
  status: AckLineStatus;
  ack_code: string;
  quantity: number;
  unit_price_minor: number | null;
  ship_date: string | null;
  note: string | null;
}

export interface VendorBillTable extends RowMeta {
  number: string;
  vendor_id: string;
  order_id: string;
  vendor_reference: string;
  bill_date: string;
  due_date: string;
  currency: string;
  state: BillState;
  total_minor: number;
  difference_minor: number;
  hold_reason: string | null;
  approved_by: string | null;
  approved_at: string | null;
}

export interface VendorBillLineTable extends RowMeta {
  bill_id: string;
  line_no: number;
  order_line_id: string;
  product_id: string;
  quantity: number;
  unit_price_minor: number;
  subtotal_minor: number;
  po_price_minor: number;
  price_difference_minor: number;
  qty_short: number;
  status: 'matched' | 'price' | 'quantity' | 'unreceived';
}

export interface ReplenishmentRunTable extends RowMeta {
  number: string;
  warehouse_id: string | null;
  dry_run: number;
  products_checked: number;
  proposals: number;
  orders_created: number;
  in_review: number;
  schedule_id: string | null;
  dismissed_at: string | null;
  dismissed_by: string | null;
  dismiss_reason: string | null;
}

export interface ReplenishmentProposalTable extends RowMeta {
  run_id: string;
  product_id: string;
  warehouse_id: string;
  kind: 'buy' | 'transfer';
  vendor_id: string | null;
  source_warehouse_id: string | null;
  quantity: number;
  unit_price_minor: number;
  value_minor: number;
  projected: number;
  reason: string;
  exception: 'urgent' | 'high_value' | 'poor_vendor' | null;
  state: 'proposed' | 'review' | 'ordered' | 'transferred' | 'rejected';
  order_id: string | null;
  transfer_id: string | null;
  dismiss_reason: string | null;
}

export interface PurchaseAttachmentTable extends RowMeta {
  owner_kind: 'purchase_order' | 'receipt' | 'vendor_bill';
  owner_id: string;
  file_name: string;
  mime_type: string;
  size_bytes: number;
  sha256: string;
  content_base64: string;
}

declare module '../platform/schema' {
  interface Database {
    vendor_profile: VendorProfileTable;
    vendor_price: VendorPriceTable;
    product_vendor: ProductVendorTable;
    purchase_category_policy: PurchaseCategoryPolicyTable;
    reorder_rule: ReorderRuleTable;
    purchase_order: PurchaseOrderTable;
    purchase_order_line: PurchaseOrderLineTable;
    purchase_receipt_line: PurchaseReceiptLineTable;
    purchase_inspection: PurchaseInspectionTable;
    landed_cost: LandedCostTable;
    landed_cost_line: LandedCostLineTable;
    vendor_bill: VendorBillTable;
    vendor_bill_line: VendorBillLineTable;
    replenishment_run: ReplenishmentRunTable;
    replenishment_proposal: ReplenishmentProposalTable;
    purchase_attachment: PurchaseAttachmentTable;
    replenishment_schedule: ReplenishmentScheduleTable;
    purchase_order_ack: PurchaseOrderAckTable;
    purchase_order_ack_line: PurchaseOrderAckLineTable;
  }
}
