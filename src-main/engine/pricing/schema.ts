/** Row types of the pricing tables, merged into the engine's `Database` (see partners/schema.ts). */
import type { RowMeta } from '../platform/schema';

export interface PricelistTable extends RowMeta {
  code: string;
  name: string;
  currency: string;
  customer_class: 'key_account' | 'regular' | 'consumer' | null;
  channel_code: string | null;
  is_default: number;
  valid_from: string | null;
  valid_to: string | null;
  active: number;
}

export interface PriceRuleTable extends RowMeta {
  pricelist_id: string;
  product_id: string | null;
  category_id: string | null;
  partner_id: string | null;
  min_quantity: number;
  method: 'fixed' | 'list_discount' | 'cost_plus';
  price_minor: number | null;
  percent_bp: number | null;
  valid_from: string | null;
  valid_to: string | null;
  label: string | null;
  active: number;
}

declare module '../platform/schema' {
  interface Database {
    pricelist: PricelistTable;
    price_rule: PriceRuleTable;
  }
}
