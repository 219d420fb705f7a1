import { defineHandlers, newRowMeta } from '../platform/context';
import { DomainError, notFound } from '../platform/errors';
import { cancelDropShipLine, dropShipLinesOfOrder, dropShipVendor } from '../purchasing/dropship';
import { refreshOrder } from './progress';

/**
 * The sales side of drop ship (rules in purchasing/dropship.ts): a clerk marks a quotation's
 * line as drop ship (checked at once: the product needs a vendor price), sees each drop-ship
 * line's purchase order, state and tracking, and cancels a line the vendor has not shipped.
 */
export const salesDropShipHandlers = defineHandlers({
  'sales.dropship.mark': async (ctx, input) => {
    const o = await ctx.db.selectFrom('sales_order').select(['id', 'number', 'state', 'warehouse_id']).where('id', '=', input.orderId).executeTakeFirst();
    if (!o) throw notFound('Sales order');
    if (o.state !== 'draft') throw new DomainError('BUSINESS_RULE', `${o.number} is ${o.state.replace(/_/g, ' ')}; only a quotation's lines can be marked drop ship`);
    const line = await ctx.db
      .selectFrom('sales_order_line as l')
      .innerJoin('product as p', 'p.id', 'l.product_id')
      .select(['l.id', 'l.line_no', 'l.product_id', 'l.quantity', 'p.sku'])
      .where('l.id', '=', input.lineId)
      .where('l.order_id', '=', o.id)
      .executeTakeFirst();
    if (!line) throw new DomainError('VALIDATION', `That line is not on ${o.number}`, { fields: [{ path: 'lineId', message: 'Not on this order' }] });
    const existing = await ctx.db.selectFrom('dropship_line').select(['id']).where('sales_line_id', '=', line.id).executeTakeFirst();
    if (input.dropShip) {
      // Checked now, so the clerk hears of a missing vendor price before confirming.
      const vendor = await dropShipVendor(ctx.db, { productId: line.product_id, warehouseId: o.warehouse_id, vendorId: input.vendorId, quantity: Number(line.quantity), date: ctx.now.slice(0, 10), sku: line.sku, branchId: ctx.branchId });
      const vendorId = vendor.vendorId;
      if (existing) await ctx.db.updateTable('dropship_line').set((eb) => ({ vendor_id: vendorId, quantity: Number(line.quantity), updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', '=', existing.id).execute();
      else await ctx.db.insertInto('dropship_line').values({ ...newRowMeta(ctx), sales_order_id: o.id, sales_line_id: line.id, product_id: line.product_id, vendor_id: vendorId, state: 'planned', quantity: Number(line.quantity), qty_shipped: 0, qty_cancelled: 0, purchase_order_id: null, purchase_order_line_id: null, transfer_id: null }).execute();
      const v = await ctx.db.selectFrom('partner').select('name').where('id', '=', vendor.vendorId).executeTakeFirst();
      ctx.summarize(`${o.number} line ${line.line_no} (${line.sku}) is drop ship (from ${v?.name ?? 'the vendor'})`);
    } else {
      if (existing) await ctx.db.deleteFrom('dropship_line').where('id', '=', existing.id).execute();
      ctx.summarize(`${o.number} line ${line.line_no} (${line.sku}) ships from the warehouse`);
    }
    return { lines: await dropShipLinesOfOrder(ctx.db, o.id) };
  },
  'sales.dropship.list': async (ctx, input) => ({ lines: await dropShipLinesOfOrder(ctx.db, input.orderId) }),
  'sales.dropship.cancelLine': async (ctx, input) => {
    const { salesOrderId } = await cancelDropShipLine(ctx, input.lineId);
    await refreshOrder(ctx, salesOrderId);
    ctx.summarize(`Cancelled a drop-ship line: ${input.reason}`);
    return { lines: await dropShipLinesOfOrder(ctx.db, salesOrderId) };
  },
});
