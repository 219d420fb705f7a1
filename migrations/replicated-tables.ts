/**
 * The ownership class of every replicated table — the one place replication reads it.
 *  - central: master data, written at the centre, read-only on branches, pulled by all.
 *  - branch:  documents, written by the branch that owns them (branch_id); the centre may
 *             change their status. `private` ones are invisible to other branches.
 *  - ledger:  append-only facts, merged by union (never updated, never deleted).
 * Tables not listed (stock_level, product_valuation, valuation_layer, outbox, meta, …) are
 * local or derived: each database computes them from the replicated ones.
 */
export type OwnershipClass = 'central' | 'branch' | 'ledger';

export interface ReplicatedTable {
  class: OwnershipClass;
  private?: boolean;
}

export const REPLICATED_TABLES = {
  company: { class: 'central' },
  branch: { class: 'central' },
  app_user: { class: 'central' },
  uom: { class: 'central' },
  uom_conversion: { class: 'central' },
  category: { class: 'central' },
  product: { class: 'central' },
  warehouse: { class: 'central' },
  channel: { class: 'central' },
  location: { class: 'central' },
  operation_type: { class: 'central' },
  channel_policy: { class: 'central' },
  pricelist: { class: 'central' },
  price_rule: { class: 'central' },
  approval_rule: { class: 'central' },
  // Import mappings, SKU aliases and notification templates: a new row per save (latest wins), seen by all.
  import_mapping: { class: 'branch' },
  sku_alias: { class: 'branch' },
  notification_template: { class: 'branch' },
  // Service configuration (teams, SLA policies, assignment rules) is the centre's.
  service_team: { class: 'central' },
  sla_policy: { class: 'central' },
  assignment_rule: { class: 'central' },
  // Finance master data (chart, journals, taxes, company lock dates) is the centre's.
  account: { class: 'central' },
  journal: { class: 'central' },
  tax_rate: { class: 'central' },
  fiscal_position: { class: 'central' },
  company_lock: { class: 'central' },
  // Customers may be created at any branch and are seen by all.
  partner: { class: 'branch' },
  partner_address: { class: 'branch' },
  partner_contact: { class: 'branch' },
  // Lots: unique per (branch, product, name), so two branches receiving one vendor lot offline never clash (0029).
  lot: { class: 'branch' },
  document_series: { class: 'branch', private: true },
  transfer: { class: 'branch', private: true },
  transfer_line: { class: 'branch', private: true },
  reservation: { class: 'branch', private: true },
  wave: { class: 'branch', private: true },
  cycle_count: { class: 'branch', private: true },
  count_line: { class: 'branch', private: true },
  sales_order: { class: 'branch', private: true },
  sales_order_line: { class: 'branch', private: true },
  approval_request: { class: 'branch', private: true },
  activity: { class: 'branch', private: true },
  invoice: { class: 'branch', private: true },
  invoice_line: { class: 'branch', private: true },
  import_key: { class: 'branch', private: true },
  edi_document: { class: 'branch', private: true },
  notification: { class: 'branch', private: true },
  ticket: { class: 'branch', private: true },
  ticket_message: { class: 'branch', private: true },
  ticket_attachment: { class: 'branch', private: true },
  rma: { class: 'branch', private: true },
  rma_line: { class: 'branch', private: true },
  // Labelled reasons train every branch's classifier: seen by all.
  classifier_example: { class: 'branch' },
  // Raised by the centre for the branch concerned (branch_id), which resolves it; seen by all.
  sync_exception: { class: 'branch' },
  // Procure to pay: vendor terms, prices and rules are seen by every branch; documents are the branch's own.
  // (A vendor's terms change only at the branch that made the vendor; preferred vendors and reorder
  // rules are each branch's own, unique per branch: migrations 0028, 0029.)
  vendor_profile: { class: 'branch' },
  vendor_price: { class: 'branch' },
  product_vendor: { class: 'branch' },
  // A category's receiving rule is catalog data, like the category (0029).
  purchase_category_policy: { class: 'central' },
  reorder_rule: { class: 'branch' },
  purchase_order: { class: 'branch', private: true },
  purchase_order_line: { class: 'branch', private: true },
  purchase_receipt_line: { class: 'branch', private: true },
  purchase_inspection: { class: 'branch', private: true },
  landed_cost: { class: 'branch', private: true },
  landed_cost_line: { class: 'branch', private: true },
  vendor_bill: { class: 'branch', private: true },
  vendor_bill_line: { class: 'branch', private: true },
  replenishment_run: { class: 'branch', private: true },
  replenishment_proposal: { class: 'branch', private: true },
  purchase_attachment: { class: 'branch', private: true },
  replenishment_schedule: { class: 'branch', private: true },
  purchase_order_ack: { class: 'branch', private: true },
  purchase_order_ack_line: { class: 'branch', private: true },
  // Drop ship: which products go by drop ship is catalog data (0029); the order links and shipments are the branch's.
  dropship_product: { class: 'central' },
  dropship_line: { class: 'branch', private: true },
  dropship_shipment: { class: 'branch', private: true },
  journal_draft: { class: 'branch', private: true },
  payment: { class: 'branch', private: true },
  payment_allocation: { class: 'branch', private: true },
  bank_statement: { class: 'branch', private: true },
  bank_statement_line: { class: 'branch', private: true },
  // A branch's own close (lock dates): seen by all, so the centre knows who has closed.
  branch_lock: { class: 'branch' },
  // Posted entries are append-only facts (a correction is a reversing entry).
  journal_entry: { class: 'ledger', private: true },
  journal_line: { class: 'ledger', private: true },
  stock_move: { class: 'ledger' },
  audit_log: { class: 'ledger', private: true },
} as const satisfies Record<string, ReplicatedTable>;

export type ReplicatedTableName = keyof typeof REPLICATED_TABLES;
export const REPLICATED_TABLE_NAMES = Object.keys(REPLICATED_TABLES) as ReplicatedTableName[];
