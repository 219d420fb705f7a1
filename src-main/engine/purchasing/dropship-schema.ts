/** Row types of the drop-ship tables (migrations/0014_dropship.ts), merged into the engine's `Database`. */
import type { RowMeta } from '../platform/schema';

export type DropShipLineState = 'planned' | 'ordered' | 'shipped' | 'cancelled';

export interface DropShipProductTable extends RowMeta {
  product_id: string;
  /** null: the preferred vendor of the warehouse, else the cheapest vendor price. */
  vendor_id: string | null;
  active: number;
}

export interface DropShipLineTable extends RowMeta {
  sales_order_id: string;
  sales_line_id: string;
  product_id: string;
  vendor_id: string | null;
  state: DropShipLineState;
  /** In the product's stock unit, as the sales line's quantity. */
  quantity: number;
  qty_shipped: number;
  qty_cancelled: number;
  purchase_order_id: string | null;
  purchase_order_line_id: string | null;
  /** The order's drop-ship delivery (Vendors → Customers) for this vendor. */
  transfer_id: string | null;
}

export interface DropShipShipmentTable extends RowMeta {
  purchase_order_id: string;
  tracking_number: string;
  carrier: string | null;
  shipped_at: string;
  units: number;
  value_minor: number;
}

declare module './schema' {
  interface PurchaseOrderTable {
    /** Drop ship: the customer's ship-to address the vendor ships to (null: the customer's default). */
    ship_to_address_id?: string | null;
  }
}

declare module '../platform/schema' {
  interface Database {
    dropship_product: DropShipProductTable;
    dropship_line: DropShipLineTable;
    dropship_shipment: DropShipShipmentTable;
  }
}
