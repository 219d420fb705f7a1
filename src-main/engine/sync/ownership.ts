import { REPLICATED_TABLE_NAMES, REPLICATED_TABLES, type ReplicatedTableName } from '../../../migrations/replicated-tables';

export { REPLICATED_TABLES, REPLICATED_TABLE_NAMES, type ReplicatedTableName };

export function isReplicated(table: string): table is ReplicatedTableName {
  return Object.prototype.hasOwnProperty.call(REPLICATED_TABLES, table);
}

export function ownershipOf(table: ReplicatedTableName) {
  return REPLICATED_TABLES[table].class;
}

/**
 * Order in which rows are written so foreign keys hold (parents first); deletes go in reverse.
 * Central master data comes first for pulls; branches never push it.
 */
export const APPLY_ORDER: ReplicatedTableName[] = [
  'company',
  'branch',
  'app_user',
  'uom',
  'category',
  'product',
  'uom_conversion',
  'warehouse',
  'channel',
  'location',
  'operation_type',
  'channel_policy',
  'pricelist',
  'approval_rule',
  'service_team',
  'sla_policy',
  'assignment_rule',
  'account',
  'journal',
  'tax_rate',
  'fiscal_position',
  'company_lock',
  'partner',
  'partner_address',
  'partner_contact',
  'price_rule',
  'lot',
  'document_series',
  'wave',
  'transfer',
  'transfer_line',
  'reservation',
  'cycle_count',
  'count_line',
  'sales_order',
  'sales_order_line',
  'approval_request',
  'activity',
  'invoice',
  'invoice_line',
  'import_mapping',
  'sku_alias',
  'import_key',
  'edi_document',
  'notification_template',
  'notification',
  'ticket',
  'ticket_message',
  'ticket_attachment',
  'rma',
  'rma_line',
  'classifier_example',
  'vendor_profile',
  'vendor_price',
  'product_vendor',
  'purchase_category_policy',
  'reorder_rule',
  'replenishment_run',
  'purchase_order',
  'purchase_order_line',
  'replenishment_proposal',
  'purchase_receipt_line',
  'purchase_inspection',
  'landed_cost',
  'landed_cost_line',
  'vendor_bill',
  'vendor_bill_line',
  'purchase_attachment',
  'replenishment_schedule',
  'purchase_order_ack',
  'purchase_order_ack_line',
  'dropship_product',
  'dropship_line',
  'dropship_shipment',
  'stock_move',
  'journal_line',
  'journal_entry',
  'journal_draft',
  'payment',
  'payment_allocation',
  'bank_statement',
  'bank_statement_line',
  'branch_lock',
  'audit_log',
  'sync_exception',
];

/** Methods that write central master data: refused on a branch bound to a centre (edit them at the centre). */
export const CENTRAL_ONLY_METHOD_PREFIXES = ['catalog.product.', 'catalog.category.', 'catalog.uom.create', 'catalog.uom.addConversion', 'inventory.warehouse.create', 'inventory.warehouse.configure', 'inventory.location.create', 'users.', 'inventory.abc.', 'pricing.', 'sales.channel.', 'sales.approvalRule.', 'finance.account.', 'finance.tax.', 'finance.company.', 'service.team.', 'service.sla.', 'service.assignmentRule.', 'purchasing.categoryPolicy.', 'purchasing.dropship.product'];
