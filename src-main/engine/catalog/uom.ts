import type { Db, Tx } from '../platform/db';
import { DomainError } from '../platform/errors';

interface Ratio {
  num: bigint;
  den: bigint;
}

/**
 * Converts a whole quantity between units exactly, with integer ratios (never floats).
 * Looks for a product-specific conversion (a box of 12 of this product) before a general
 * one, in either direction. Refuses when the result would not be a whole quantity.
 */
export async function convertQuantity(
  db: Db | Tx,
  q: { productId: string | null; fromUomId: string; toUomId: string; quantity: number },
): Promise<number> {
  if (q.fromUomId === q.toUomId) return q.quantity;
  const rows = await db
    .selectFrom('uom_conversion')
    .select(['product_id', 'from_uom_id', 'to_uom_id', 'numerator', 'denominator'])
    .where((eb) =>
      eb.or([
        eb.and([eb('from_uom_id', '=', q.fromUomId), eb('to_uom_id', '=', q.toUomId)]),
        eb.and([eb('from_uom_id', '=', q.toUomId), eb('to_uom_id', '=', q.fromUomId)]),
      ]),
    )
    .where((eb) => (q.productId ? eb.or([eb('product_id', '=', q.productId), eb('product_id', 'is', null)]) : eb('product_id', 'is', null)))
    .execute();
  // Product-specific first.
  rows.sort((a, b) => (a.product_id === null ? 1 : 0) - (b.product_id === null ? 1 : 0));
  const row = rows[0];
  if (!row) {
    const units = await db.selectFrom('uom').select(['id', 'code']).where('id', 'in', [q.fromUomId, q.toUomId]).execute();
    const code = (id: string) => units.find((u) => u.id === id)?.code ?? 'unknown unit';
    throw new DomainError('BUSINESS_RULE', `${code(q.fromUomId)} does not convert to ${code(q.toUomId)}${q.productId ? ' for this product' : ''}`);
  }
  const ratio: Ratio =
    row.from_uom_id === q.fromUomId ? { num: BigInt(row.numerator), den: BigInt(row.denominator) } : { num: BigInt(row.denominator), den: BigInt(row.numerator) };
  const scaled = BigInt(q.quantity) * ratio.num;
  if (scaled % ratio.den !== 0n) {
    throw new DomainError('BUSINESS_RULE', `${q.quantity} does not convert to a whole quantity (${q.quantity} × ${ratio.num}/${ratio.den})`);
  }
  return Number(scaled / ratio.den);
}
