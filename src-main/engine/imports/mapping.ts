import type { ImportField } from '../../../src-shared/contract/imports';
import type { Db, Tx } from '../platform/db';
import { preparedQuery } from '../platform/prepared';

export interface ChannelMapping {
  fields: Partial<Record<ImportField, string>>;
  delimiter: string;
  priceToleranceBp: number;
  paid: boolean;
  saved: boolean;
}

/** Without a saved mapping a column named like the field (order_id, orderId, "Order ID") is taken. */
export const DEFAULT_FIELDS: Partial<Record<ImportField, string>> = {
  orderId: 'order_id',
  customerCode: 'customer_code',
  customerEmail: 'customer_email',
  customerName: 'customer_name',
  customerPo: 'customer_po',
  sku: 'sku',
  quantity: 'quantity',
  unit: 'unit',
  unitPrice: 'unit_price',
  requestedDate: 'requested_date',
};

const latest = preparedQuery<{ channel: string }, { fields: string; delimiter: string; price_tolerance_bp: number; paid: number }>(['channel'], (db, p) =>
  db.selectFrom('import_mapping').select(['fields', 'delimiter', 'price_tolerance_bp', 'paid']).where('channel_code', '=', p.channel).orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(1),
);

export async function readMapping(db: Db | Tx, channel: string): Promise<ChannelMapping> {
  const row = await latest.first(db, { channel });
  if (!row) return { fields: DEFAULT_FIELDS, delimiter: ',', priceToleranceBp: 100, paid: channel === 'ecommerce' || channel === 'marketplace', saved: false };
  return { fields: JSON.parse(row.fields) as ChannelMapping['fields'], delimiter: row.delimiter, priceToleranceBp: row.price_tolerance_bp, paid: row.paid === 1, saved: true };
}
