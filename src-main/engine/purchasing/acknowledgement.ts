/**
 * The vendor's acknowledgement of a purchase order: an inbound ASC X12 855, read with node-x12
 * (the library imports reads inbound 850s with, through the same interchange splitter). BAK
 * names our order; each PO1 + ACK pair says whether a line is accepted, changed, rejected or
 * backordered. The order becomes "confirmed by the vendor" and shows the differences.
 */
import { X12Interchange, X12Parser, type X12Segment } from 'node-x12';
import type { z } from 'zod';
import type { VendorAcknowledgement } from '../../../src-shared/contract/purchasing';
import { splitInterchanges } from '../imports/edi';
import { parseDate, parsePrice, parseQuantity } from '../imports/model';
import { type CommandContext, newRowMeta } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError } from '../platform/errors';
import { formatMinor } from '../pricing/money';
import { setState } from './orders';
import type { AckLineStatus } from './schema';

type Ack = z.infer<typeof VendorAcknowledgement>;

/** ACK01 line status codes (X12 element 668) and what they mean for the order line. */
const ACK_CODES: Record<string, AckLineStatus> = {
  IA: 'accepted',
  AC: 'accepted',
  IB: 'backordered',
  BP: 'backordered',
  IC: 'changed',
  IP: 'changed',
  IQ: 'changed',
  DR: 'changed',
  IS: 'changed',
  IR: 'rejected',
  ID: 'rejected',
  R1: 'rejected',
};
/** BAK02 acknowledgement types that reject the whole order. */
const REJECTING = new Set(['RJ', 'RD']);

const v = (s: X12Segment | undefined, i: number) => (s?.elements[i - 1]?.value ?? '').trim();
const refuse = (message: string) => new DomainError('VALIDATION', message, { fields: [{ path: 'content', message }] });

interface ParsedLine {
  where: string;
  lineNo: string;
  sku: string;
  ackCode: string;
  quantity: number | null;
  priceMinor: number | null;
  shipDate: string | null;
}

/** Reads one 855 transaction set out of the file; every problem names its segment. */
export function parse855(text: string) {
  const parts = splitInterchanges(text.replace(/^\uFEFF/, ''));
  if ('error' in parts) throw refuse(parts.error);
  if (parts.length > 1) throw refuse(`The file holds ${parts.length} interchanges; import one acknowledgement per file`);
  const part = parts[0]!;
  const isa13 = part.text.slice(0, 106).split(part.text[3]!)[13]?.trim() ?? '?';
  let ix: X12Interchange;
  try {
    const parsed = new X12Parser(true).parse(part.text);
    if (!(parsed instanceof X12Interchange)) throw new Error('more than one interchange in one envelope');
    ix = parsed;
  } catch (e) {
    throw refuse(`Interchange ${isa13}: ${String((e as Error).message).replace(/^X12 Standard: /, '')}`);
  }
  const sets = ix.functionalGroups.flatMap((g) => g.transactions);
  if (sets.length !== 1) throw refuse(`Interchange ${isa13} holds ${sets.length} transaction sets; an acknowledgement file holds one 855`);
  const t = sets[0]!;
  const setId = v(t.header, 1);
  if (setId !== '855') throw refuse(`Transaction set ${setId || '(none)'} is not a purchase order acknowledgement (855)`);
  const bak = t.segments.find((s) => s.tag === 'BAK');
  if (!bak) throw refuse('The BAK segment (which order is acknowledged) is missing');
  const poNumber = v(bak, 3);
  // The vendor's own order number: BAK08 in the 4010 guides, BAK06 (request reference) in many
  // vendors' files, including the sample 855 we test with.
  if (!poNumber) throw refuse('BAK03, the purchase order number, is empty');
  const ackDate = parseDate(v(bak, 4), 'BAK04 acknowledgement date');
  if (ackDate && typeof ackDate === 'object') throw refuse(ackDate.error);
  const lines: ParsedLine[] = [];
  let current: ParsedLine | null = null;
  t.segments.forEach((s, i) => {
    const where = `segment ${i + 2} (${s.tag})`;
    if (s.tag === 'PO1') {
      let sku = '';
      for (let k = 6; k + 1 <= s.elements.length; k += 2) if (['VP', 'VN', 'SK', 'BP'].includes(v(s, k)) && v(s, k + 1)) sku ||= v(s, k + 1);
      const qty = v(s, 2) ? parseQuantity(v(s, 2)) : null;
      if (typeof qty === 'string') throw refuse(`${where}: ${qty}`);
      const price = parsePrice(v(s, 4));
      if (typeof price === 'string') throw refuse(`${where}: ${price}`);
      current = { where, lineNo: v(s, 1), sku, ackCode: '', quantity: qty, priceMinor: price, shipDate: null };
      lines.push(current);
    } else if (s.tag === 'ACK') {
      if (!current) throw refuse(`${where}: an ACK comes before any PO1 line`);
      const line: ParsedLine = current;
      if (line.ackCode) throw refuse(`${where}: line ${line.lineNo || line.sku} is acknowledged twice`);
      const code = v(s, 1);
      if (!ACK_CODES[code]) throw refuse(`${where}: line status "${code}" is not known (IA accepted, IC/IP/IQ/DR changed, IB backordered, IR/ID rejected)`);
      line.ackCode = code;
      if (v(s, 2)) {
        const q = parseQuantity(v(s, 2));
        if (typeof q === 'string' && ACK_CODES[code] !== 'rejected') throw refuse(`${where}: ${q}`);
        line.quantity = typeof q === 'number' ? q : 0;
      }
      const date = v(s, 5) ? parseDate(v(s, 5), `${where}: ship date`) : null;
      if (date && typeof date === 'object') throw refuse(date.error);
      line.shipDate = date ? date.slice(0, 10) : null;
    }
  });
  for (const l of lines) if (!l.ackCode) throw refuse(`${l.where}: line ${l.lineNo || l.sku} has no ACK segment saying whether it is accepted`);
  return { controlNumber: isa13, senderId: v(ix.header, 6), ackType: v(bak, 2), poNumber, vendorReference: v(bak, 8) || v(bak, 6) || null, ackDate: ackDate ? ackDate.slice(0, 10) : null, lines };
}

/** Stores the acknowledgement against its order; the raw file is attached by the caller. Returns the acknowledgement id. */
export async function recordAcknowledgement(ctx: CommandContext, parsed: ReturnType<typeof parse855>, attach: (orderId: string) => Promise<string>): Promise<{ orderId: string; number: string; ackId: string }> {
  const po = await ctx.db.selectFrom('purchase_order').selectAll().where('number', '=', parsed.poNumber).executeTakeFirst();
  if (!po) throw refuse(`BAK03: there is no purchase order ${parsed.poNumber}`);
  if (!['sent', 'confirmed'].includes(po.state)) throw new DomainError('BUSINESS_RULE', `${po.number} is ${po.state.replaceAll('_', ' ')}: a vendor acknowledges an order that was sent and not yet received`);
  const vendor = await ctx.db.selectFrom('vendor_profile as v').innerJoin('partner as p', 'p.id', 'v.partner_id').select(['p.name', 'v.edi_id']).where('v.partner_id', '=', po.vendor_id).executeTakeFirstOrThrow();
  if (vendor.edi_id && parsed.senderId && parsed.senderId !== vendor.edi_id) {
    throw refuse(`The acknowledgement was sent by ${parsed.senderId}, but ${po.number} is ordered from ${vendor.name} (EDI id ${vendor.edi_id})`);
  }
  const dup = await ctx.db.selectFrom('purchase_order_ack').select('id').where('order_id', '=', po.id).where('control_number', '=', parsed.controlNumber).executeTakeFirst();
  if (dup) throw new DomainError('CONFLICT', `This acknowledgement (interchange ${parsed.controlNumber}) of ${po.number} was already imported`);
  const orderLines = await ctx.db.selectFrom('purchase_order_line as l').innerJoin('product as p', 'p.id', 'l.product_id').select(['l.id', 'l.line_no', 'l.quantity', 'l.unit_price_minor', 'p.sku']).where('l.order_id', '=', po.id).orderBy('l.line_no').execute();
  const byNo = new Map(orderLines.map((l) => [String(l.line_no), l]));
  const bySku = new Map(orderLines.map((l) => [l.sku.toUpperCase(), l]));
  const seen = new Set<string>();
  const headerStatus: AckLineStatus = REJECTING.has(parsed.ackType) ? 'rejected' : 'accepted';
  const rows: { order_line_id: string; status: AckLineStatus; ack_code: string; quantity: number; unit_price_minor: number | null; ship_date: string | null; note: string | null }[] = [];
  for (const l of parsed.lines) {
    const o = byNo.get(String(Number(l.lineNo))) ?? bySku.get(l.sku.toUpperCase());
    if (!o) throw refuse(`${l.where}: line ${l.lineNo}${l.sku ? ` (${l.sku})` : ''} is not a line of ${po.number}`);
    if (seen.has(o.id)) throw refuse(`${l.where}: line ${o.line_no} of ${po.number} is acknowledged twice`);
    seen.add(o.id);
    let status = ACK_CODES[l.ackCode]!;
    const quantity = status === 'rejected' ? 0 : (l.quantity ?? Number(o.quantity));
    // An "accepted" line whose quantity or price differs is a change all the same.
    if (status === 'accepted' && (quantity !== Number(o.quantity) || (l.priceMinor !== null && l.priceMinor !== Number(o.unit_price_minor)))) status = 'changed';
    rows.push({ order_line_id: o.id, status, ack_code: l.ackCode, quantity, unit_price_minor: l.priceMinor, ship_date: l.shipDate, note: null });
  }
  // Lines the 855 does not list take the acknowledgement's own answer (accepted, or rejected with RJ/RD).
  for (const o of orderLines) if (!seen.has(o.id)) rows.push({ order_line_id: o.id, status: headerStatus, ack_code: parsed.ackType || 'AK', quantity: headerStatus === 'rejected' ? 0 : Number(o.quantity), unit_price_minor: null, ship_date: null, note: 'not listed in the acknowledgement' });
  const count = (s: AckLineStatus) => rows.filter((r) => r.status === s).length;
  const ackId = ctx.newId();
  const attachmentId = await attach(po.id);
  await ctx.db
    .insertInto('purchase_order_ack')
    .values({ ...newRowMeta(ctx, ackId), order_id: po.id, control_number: parsed.controlNumber, ack_type: parsed.ackType, vendor_reference: parsed.vendorReference, ack_date: parsed.ackDate, attachment_id: attachmentId, accepted: count('accepted'), changed: count('changed') + count('backordered'), rejected: count('rejected') })
    .execute();
  await ctx.db.insertInto('purchase_order_ack_line').values(rows.map((r) => ({ ...newRowMeta(ctx), ack_id: ackId, ...r }))).execute();
  const allRejected = count('rejected') === rows.length;
  // Fully rejected: the order stays sent (the buyer cancels or re-sources it); otherwise the vendor has confirmed it.
  if (!allRejected) await setState(ctx, po.id, 'confirmed', { confirmed_at: po.confirmed_at ?? ctx.now, vendor_reference: parsed.vendorReference ?? po.vendor_reference });
  ctx.summarize(`855 from ${vendor.name} for ${po.number}: ${count('accepted')} accepted, ${count('changed') + count('backordered')} changed, ${count('rejected')} rejected`);
  return { orderId: po.id, number: po.number, ackId };
}

/** The latest acknowledgement of an order, line by line against what was ordered. */
export async function latestAcknowledgement(db: Db | Tx, orderId: string): Promise<Ack | null> {
  const a = await db.selectFrom('purchase_order_ack').selectAll().where('order_id', '=', orderId).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
  if (!a) return null;
  const lines = await db
    .selectFrom('purchase_order_ack_line as k')
    .innerJoin('purchase_order_line as l', 'l.id', 'k.order_line_id')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .select(['k.order_line_id', 'k.status', 'k.ack_code', 'k.quantity', 'k.unit_price_minor', 'k.ship_date', 'k.note', 'l.line_no', 'l.quantity as ordered', 'l.unit_price_minor as order_price', 'p.sku'])
    .where('k.ack_id', '=', a.id)
    .orderBy('l.line_no')
    .execute();
  return {
    id: a.id,
    controlNumber: a.control_number,
    ackType: a.ack_type,
    vendorReference: a.vendor_reference,
    ackDate: a.ack_date,
    receivedAt: a.created_at,
    attachmentId: a.attachment_id,
    accepted: Number(a.accepted),
    changed: Number(a.changed),
    rejected: Number(a.rejected),
    lines: lines.map((l) => {
      const quantity = Number(l.quantity);
      const ordered = Number(l.ordered);
      const price = l.unit_price_minor === null ? null : Number(l.unit_price_minor);
      const diffs: string[] = [];
      if (l.status === 'rejected') diffs.push('rejected by the vendor');
      else {
        if (l.status === 'backordered') diffs.push('backordered');
        if (quantity !== ordered) diffs.push(`quantity ${quantity} instead of ${ordered}`);
        if (price !== null && price !== Number(l.order_price)) diffs.push(`price ${formatMinor(price)} instead of ${formatMinor(Number(l.order_price))}`);
        if (l.ship_date) diffs.push(`ships ${l.ship_date}`);
      }
      return {
        orderLineId: l.order_line_id,
        lineNo: l.line_no,
        sku: l.sku,
        status: l.status,
        ackCode: l.ack_code,
        orderedQuantity: ordered,
        quantity,
        orderPriceMinor: Number(l.order_price),
        unitPriceMinor: price,
        shipDate: l.ship_date,
        difference: diffs.join('; '),
      };
    }),
  };
}
