/**
 * Row types of the partner tables, merged into the engine's `Database` (platform/schema.ts)
 * by declaration merging, so Kysely checks every query against them.
 */
import type { RowMeta } from '../platform/schema';

export interface PartnerAddressTable extends RowMeta {
  partner_id: string;
  kind: 'bill_to' | 'ship_to';
  label: string | null;
  line1: string;
  line2: string | null;
  city: string;
  postal_code: string | null;
  region: string | null;
  country: string;
  gln: string | null;
  is_default: number;
  active: number;
}

export interface PartnerContactTable extends RowMeta {
  partner_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: string | null;
  active: number;
}

export interface ChannelPolicyTable extends RowMeta {
  channel_code: string;
  /** JSON array of required order fields. */
  required_fields: string;
  payment_before_release: number;
  backorder_policy: 'ship_partial' | 'ship_complete' | 'cancel_rest';
  substitutes_allowed: number;
  routing_rule: 'region' | 'default_warehouse';
  default_warehouse_id: string | null;
  ship_within_hours: number;
}

declare module '../platform/schema' {
  interface PartnerTable {
    legal_name?: string | null;
    pricelist_id?: string | null;
    external_id?: string | null;
    gln?: string | null;
    /** lower(code name legal name e-mail tax id GLN external id): what customer search looks in. */
    search_text?: string | null;
    merged_into_id?: string | null;
    invoice_policy?: 'on_order' | 'on_delivery';
    grace_days?: number;
    tax_rate_bp?: number | null;
  }
  interface ProductTable {
    tax_rate_bp?: number | null;
  }
  interface Database {
    partner_address: PartnerAddressTable;
    partner_contact: PartnerContactTable;
    channel_policy: ChannelPolicyTable;
  }
}
