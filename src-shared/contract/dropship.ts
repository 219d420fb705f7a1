import { z } from 'zod';
import { Id, text } from './common';
import { command, query } from './method';
import { PO_STATES } from './purchasing';

/**
 * Drop ship: a sales line the vendor ships straight to the customer. Confirming the order buys
 * it on a drop-ship purchase order (ship-to = the customer); the vendor's shipment confirmation
 * delivers the sales line and receives the PO line in one stock move Vendors → Customers.
 */
export const DROPSHIP_LINE_STATES = ['planned', 'ordered', 'shipped', 'cancelled'] as const;

const ShipQuantity = z.number({ message: 'Quantity must be a number' }).int({ message: 'Quantity must be a whole number' }).min(0, { message: 'Quantity cannot be negative' }).max(1_000_000_000);

export const DropShipLine = z.object({
  id: Id,
  salesOrderId: Id,
  salesLineId: Id,
  lineNo: z.number().int(),
  productId: Id,
  sku: z.string(),
  productName: z.string(),
  vendorId: Id.nullable(),
  vendorName: z.string().nullable(),
  state: z.enum(DROPSHIP_LINE_STATES),
  quantity: z.number().int(),
  qtyShipped: z.number().int(),
  qtyCancelled: z.number().int(),
  purchaseOrderId: Id.nullable(),
  purchaseOrderNumber: z.string().nullable(),
  purchaseOrderState: z.enum(PO_STATES).nullable(),
  trackingNumbers: z.array(z.string()),
});
export type DropShipLine = z.infer<typeof DropShipLine>;

export const DropShipShipment = z.object({ id: Id, trackingNumber: z.string(), carrier: z.string().nullable(), shippedAt: z.string(), units: z.number().int(), valueMinor: z.number().int() });

export const DropShipOrderInfo = z.object({
  dropShip: z.boolean(),
  customerId: Id.nullable(),
  customerName: z.string().nullable(),
  shipTo: z.string().nullable(),
  salesOrders: z.array(z.object({ id: Id, number: z.string() })),
  lines: z.array(DropShipLine),
  shipments: z.array(DropShipShipment),
});
export type DropShipOrderInfo = z.infer<typeof DropShipOrderInfo>;

export const dropshipContract = {
  'sales.dropship.mark': command({
    access: 'sales.write',
    summary: "Mark (or unmark) a quotation's line as drop ship: the vendor (default: the preferred one with a price) ships it straight to the customer",
    input: z.object({ orderId: Id, lineId: Id, dropShip: z.boolean(), vendorId: Id.nullable().default(null) }).strict(),
    output: z.object({ lines: z.array(DropShipLine) }),
  }),
  'sales.dropship.list': query({
    access: 'sales.read',
    summary: "An order's drop-ship lines with their purchase order, state and tracking numbers",
    input: z.object({ orderId: Id }).strict(),
    output: z.object({ lines: z.array(DropShipLine) }),
  }),
  'sales.dropship.cancelLine': command({
    access: 'sales.write',
    summary: 'Cancel a drop-ship line the vendor has not shipped: its purchase order line is reduced (the order cancelled when nothing is left)',
    input: z.object({ lineId: Id, reason: text('Reason', 500, 1) }).strict(),
    output: z.object({ lines: z.array(DropShipLine) }),
  }),
  'purchasing.dropship.product': command({
    access: 'purchasing.write',
    summary: 'Sell a product by drop ship by default (optionally from a given vendor), or stop',
    input: z.object({ productId: Id, dropShip: z.boolean(), vendorId: Id.nullable().default(null) }).strict(),
    output: z.object({ productId: Id, dropShip: z.boolean(), vendorId: Id.nullable() }),
  }),
  'purchasing.dropship.get': query({
    access: 'purchasing.read',
    summary: 'The drop-ship side of a purchase order: the customer and address it ships to, the sales orders it serves, the shipments',
    input: z.object({ orderId: Id }).strict(),
    output: DropShipOrderInfo,
  }),
  'purchasing.dropship.ship': command({
    access: 'purchasing.receive',
    summary: "Record the vendor's shipment to the customer (tracking number): receives the PO lines and delivers the sales lines, one stock move Vendors → Customers each, no warehouse stock",
    input: z
      .object({
        orderId: Id,
        trackingNumber: text('Tracking number', 60, 1),
        carrier: text('Carrier', 60).nullable().default(null),
        /** Quantities per PO line; omitted: everything still open. */
        lines: z.array(z.object({ lineId: Id, quantity: ShipQuantity }).strict()).max(2000).optional(),
      })
      .strict(),
    output: DropShipOrderInfo,
  }),
};
