import { defineHandlers, newRowMeta } from '../platform/context';
import { DomainError } from '../platform/errors';
import { refreshOrder } from '../sales/progress';
import { dropShipOfPo, shipDropShip } from './dropship';
import { requireVendor } from './vendors';

/** The purchasing side of drop ship (rules in dropship.ts). */
export const purchasingDropShipHandlers = defineHandlers({
  'purchasing.dropship.product': async (ctx, input) => {
    const product = await ctx.db.selectFrom('product').select(['id', 'sku']).where('id', '=', input.productId).executeTakeFirst();
    if (!product) throw new DomainError('VALIDATION', 'Product: no such product', { fields: [{ path: 'productId', message: 'No such product' }] });
    if (input.vendorId) await requireVendor(ctx.db, input.vendorId);
    const existing = await ctx.db.selectFrom('dropship_product').select('id').where('product_id', '=', product.id).executeTakeFirst();
    const values = { vendor_id: input.dropShip ? input.vendorId : null, active: input.dropShip ? 1 : 0 };
    if (existing) await ctx.db.updateTable('dropship_product').set((eb) => ({ ...values, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', '=', existing.id).execute();
    else await ctx.db.insertInto('dropship_product').values({ ...newRowMeta(ctx), product_id: product.id, ...values }).execute();
    ctx.summarize(input.dropShip ? `${product.sku} is sold by drop ship` : `${product.sku} ships from the warehouse`);
    return { productId: product.id, dropShip: input.dropShip, vendorId: values.vendor_id };
  },
  'purchasing.dropship.get': async (ctx, input) => dropShipOfPo(ctx.db, input.orderId),
  'purchasing.dropship.ship': async (ctx, input) => {
    const { salesOrderIds } = await shipDropShip(ctx, input);
    // The sales lines read their delivered quantities from the validated deliveries.
    for (const id of salesOrderIds) await refreshOrder(ctx, id);
    return dropShipOfPo(ctx.db, input.orderId);
  },
});
