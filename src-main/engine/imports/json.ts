import { z } from 'zod';
import { DomainError } from '../platform/errors';
import { type ImportedOrder, type ParsedOrder, parseDate, parsePrice, parseQuantity } from './model';

/** Numbers may come as JSON numbers or decimal text; both are read exactly. */
const Num = z.union([z.string(), z.number()]);
const JsonLine = z.object({ sku: z.string().min(1, 'SKU is missing'), quantity: Num, unit: z.string().optional(), unitPrice: Num.optional(), description: z.string().optional() });
const JsonOrder = z.object({
  orderId: z.string().min(1).optional(),
  customer: z.object({ code: z.string().optional(), email: z.string().optional(), externalId: z.string().optional(), gln: z.string().optional(), name: z.string().optional() }),
  customerPo: z.string().optional(),
  orderDate: z.string().optional(),
  requestedDate: z.string().optional(),
  notes: z.string().optional(),
  paid: z.boolean().optional(),
  lines: z.array(JsonLine).min(1, 'The order has no lines'),
});

/** JSON orders: `{ "orders": [...] }` or a bare array; each order checked on its own. */
export function ordersFromJson(content: string, channelCode: string, paidByDefault: boolean): ParsedOrder[] {
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch (e) {
    throw new DomainError('VALIDATION', `The file is not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as { orders?: unknown }).orders) ? (doc as { orders: unknown[] }).orders : null;
  if (!list) throw new DomainError('VALIDATION', 'The JSON file must hold an array of orders, or { "orders": [...] }');
  return list.map((raw, i): ParsedOrder => {
    const at = `orders[${i}]`;
    const parsed = JsonOrder.safeParse(raw);
    const ref = (raw && typeof raw === 'object' && typeof (raw as { orderId?: unknown }).orderId === 'string' ? (raw as { orderId: string }).orderId : null) ?? at;
    if (!parsed.success) return { ref, source: at, order: null, errors: parsed.error.issues.map((iss) => ({ location: [at, ...iss.path].join('.').replace(/\.(\d+)/g, '[$1]'), message: iss.message })) };
    const o = parsed.data;
    const errors: { location: string; message: string }[] = [];
    if (!o.customer.code && !o.customer.email && !o.customer.externalId && !o.customer.gln) errors.push({ location: `${at}.customer`, message: 'The customer is missing (code, e-mail, external id or GLN)' });
    if (o.lines.length > 5000) errors.push({ location: `${at}.lines`, message: `The order has ${o.lines.length} lines; at most 5,000 lines per order` });
    const lines = o.lines.map((l, j) => {
      const loc = `${at}.lines[${j}]`;
      const q = parseQuantity(l.quantity);
      if (typeof q === 'string') errors.push({ location: `${loc}.quantity`, message: q });
      const p = parsePrice(l.unitPrice);
      if (typeof p === 'string') errors.push({ location: `${loc}.unitPrice`, message: p });
      return { lineNo: j + 1, location: loc, skus: [l.sku.trim()], description: l.description ?? null, quantity: typeof q === 'number' ? q : 0, unit: l.unit ?? null, unitPriceMinor: typeof p === 'number' ? p : null };
    });
    const date = (s: string | undefined, label: string, field: string) => {
      const d = parseDate(s, label);
      if (d && typeof d === 'object') {
        errors.push({ location: `${at}.${field}`, message: d.error });
        return null;
      }
      return d;
    };
    const order: ImportedOrder = {
      ref,
      source: at,
      idemKey: o.orderId ? `order:${channelCode}:${o.orderId}` : null,
      customer: o.customer,
      shipToGln: null,
      customerPo: o.customerPo ?? null,
      orderDate: date(o.orderDate, 'Order date', 'orderDate'),
      requestedDate: date(o.requestedDate, 'Requested date', 'requestedDate'),
      notes: o.notes ?? null,
      paid: o.paid ?? paidByDefault,
      lines,
    };
    return { ref, source: at, order: errors.length ? null : order, errors };
  });
}
