import { X12Interchange, X12Parser, type X12Segment, type X12Transaction } from 'node-x12';
import { DomainError } from '../platform/errors';
import { type EdiEnvelope, type ImportedLine, type ImportedOrder, type ImportErrorItem, type ParsedOrder, parseDate, parsePrice, parseQuantity } from './model';

/** Item id qualifiers in PO1, best first: our item number, then barcodes, then the buyer's code (mapped by alias). */
const ID_PREFERENCE = ['VN', 'VP', 'SK', 'UP', 'UK', 'EN', 'EA', 'UI', 'BP', 'CB', 'IN', 'MG'];

const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Splits a file into its interchanges (ISA … IEA), each with the delimiters its own ISA header
 * declares (element at position 3, component separator at 104, segment terminator at 105), so
 * one bad interchange does not take the others with it.
 */
export function splitInterchanges(text: string): { text: string; index: number }[] | { error: string } {
  const out: { text: string; index: number }[] = [];
  let pos = 0;
  while (pos < text.length) {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
    if (pos >= text.length) break;
    if (text.slice(pos, pos + 3) !== 'ISA') return { error: out.length === 0 ? 'This is not an X12 file: it must start with an ISA segment' : `Unexpected data after interchange ${out.length}: "${text.slice(pos, pos + 20)}…"` };
    if (text.length - pos < 106) return { error: `Interchange ${out.length + 1}: the ISA header is cut short (it is 106 characters long)` };
    const el = text[pos + 3]!;
    const seg = text[pos + 105]!;
    const trailer = new RegExp(`${esc(seg)}\\s*IEA${esc(el)}[^${esc(seg)}]*${esc(seg)}`, 'g');
    trailer.lastIndex = pos;
    const m = trailer.exec(text);
    if (!m) return { error: `Interchange ${out.length + 1} (${text.slice(pos, pos + 106).split(el)[13] ?? '?'}) has no IEA trailer: the file is cut short` };
    const end = m.index + m[0].length;
    out.push({ text: text.slice(pos, end), index: out.length + 1 });
    pos = end;
  }
  if (out.length === 0) return { error: 'The file holds no interchange (ISA … IEA)' };
  return out;
}

const v = (s: X12Segment | undefined, i: number) => (s?.elements[i - 1]?.value ?? '').trim();

/**
 * Reads EDI X12 850 purchase orders with node-x12 (strict: segment counts and control numbers
 * of every envelope are checked). Each transaction set becomes one order; a broken interchange
 * rejects all of its orders, with where and why.
 */
export function ordersFromX12(text: string): ParsedOrder[] {
  const parts = splitInterchanges(text);
  if ('error' in parts) throw new DomainError('VALIDATION', parts.error);
  const out: ParsedOrder[] = [];
  for (const part of parts) {
    const isa = part.text.slice(0, 106);
    const el = isa[3]!;
    const isa13 = isa.split(el)[13]?.trim() ?? '?';
    const where = `interchange ${isa13}`;
    let interchange: X12Interchange;
    try {
      const parsed = new X12Parser(true).parse(part.text);
      if (!(parsed instanceof X12Interchange)) throw new Error('more than one interchange in one envelope');
      interchange = parsed;
    } catch (e) {
      out.push({ ref: `ISA ${isa13}`, source: where, order: null, errors: [{ location: where, message: String((e as Error).message).replace(/^X12 Standard: /, '') }] });
      continue;
    }
    const h = interchange.header;
    const delimiters = { element: el, segment: isa[105]!, component: isa[104]! };
    if (!interchange.trailer || interchange.functionalGroups.length === 0) {
      out.push({ ref: `ISA ${isa13}`, source: where, order: null, errors: [{ location: where, message: 'The interchange holds no functional group (GS … GE)' }] });
      continue;
    }
    for (const group of interchange.functionalGroups) {
      const gs = group.header;
      for (const t of group.transactions) {
        const st02 = v(t.header, 2);
        const source = `${where}, ST ${st02}`;
        if (!group.trailer || !t.trailer) {
          out.push({ ref: `ST ${st02}`, source, order: null, errors: [{ location: source, message: 'The transaction set has no SE trailer' }] });
          continue;
        }
        const env: EdiEnvelope = {
          senderQualifier: v(h, 5),
          senderId: v(h, 6),
          receiverQualifier: v(h, 7),
          receiverId: v(h, 8),
          controlNumber: isa13,
          groupControl: v(gs, 6),
          setControl: st02,
          version: v(h, 12),
          gsVersion: v(gs, 8),
          delimiters,
        };
        out.push(orderFrom850(t, env, source));
      }
    }
  }
  return out;
}

function orderFrom850(t: X12Transaction, env: EdiEnvelope, source: string): ParsedOrder {
  const errors: ImportErrorItem[] = [];
  const setId = v(t.header, 1);
  const at = (i: number, s: X12Segment) => `${source}, segment ${i + 2} (${s.tag})`;
  if (setId !== '850') return { ref: `ST ${env.setControl}`, source, order: null, errors: [{ location: source, message: `Transaction set ${setId} is not a purchase order (850)` }] };
  const segs = t.segments;
  const beg = segs.find((s) => s.tag === 'BEG');
  const po = v(beg, 3);
  if (!po) errors.push({ location: source, message: 'The BEG segment with the PO number is missing' });
  const lines: ImportedLine[] = [];
  let buyer: string | null = null;
  let shipTo: string | null = null;
  let requested: string | null = null;
  let ctt: { count: number; where: string } | null = null;
  segs.forEach((s, i) => {
    if (s.tag === 'N1' && v(s, 1) === 'BY') buyer = v(s, 4) || null;
    if (s.tag === 'N1' && v(s, 1) === 'ST') shipTo = v(s, 4) || null;
    if (s.tag === 'DTM' && (v(s, 1) === '002' || v(s, 1) === '010')) {
      const d = parseDate(v(s, 2), 'Requested date');
      if (d && typeof d === 'object') errors.push({ location: at(i, s), message: d.error });
      else requested = d;
    }
    if (s.tag === 'CTT') ctt = { count: Number(v(s, 1)), where: at(i, s) };
    if (s.tag === 'PID') {
      const last = lines.at(-1);
      if (last && !last.description) last.description = v(s, 5) || null;
    }
    if (s.tag !== 'PO1') return;
    const loc = at(i, s);
    const q = parseQuantity(v(s, 2));
    if (typeof q === 'string') errors.push({ location: loc, message: q });
    const p = parsePrice(v(s, 4));
    if (typeof p === 'string') errors.push({ location: loc, message: p });
    const ids: { q: string; id: string }[] = [];
    for (let k = 6; k + 1 <= s.elements.length; k += 2) if (v(s, k + 1)) ids.push({ q: v(s, k), id: v(s, k + 1) });
    ids.sort((a, b) => rank(a.q) - rank(b.q));
    if (ids.length === 0) errors.push({ location: loc, message: 'The line names no item (PO106/PO107)' });
    lines.push({ lineNo: lines.length + 1, location: loc, skus: ids.map((x) => x.id), description: null, quantity: typeof q === 'number' ? q : 0, unit: v(s, 3) || null, unitPriceMinor: typeof p === 'number' ? p : null });
  });
  if (lines.length === 0) errors.push({ location: source, message: 'The purchase order has no PO1 lines' });
  const c = ctt as { count: number; where: string } | null;
  if (c && c.count !== lines.length) errors.push({ location: c.where, message: `CTT01 says ${c.count} lines but the order has ${lines.length} PO1 lines` });
  const orderDate = parseDate(v(beg, 5), 'PO date');
  const order: ImportedOrder = {
    ref: po || `ST ${env.setControl}`,
    source,
    idemKey: `edi:${env.senderQualifier}:${env.senderId}:${env.controlNumber}:${env.setControl}`,
    customer: { externalId: env.senderId, gln: buyer },
    shipToGln: shipTo,
    customerPo: po || null,
    orderDate: orderDate && typeof orderDate === 'string' ? orderDate : null,
    requestedDate: requested,
    notes: null,
    paid: false,
    lines,
    edi: env,
  };
  return { ref: order.ref, source, order: errors.length ? null : order, errors };
}

function rank(q: string): number {
  const i = ID_PREFERENCE.indexOf(q);
  return i === -1 ? ID_PREFERENCE.length : i;
}

// --- outbound: 855 acknowledgement, 856 ship notice ----------------------------------------

export interface OutboundLine {
  lineNo: number;
  sku: string;
  quantity: number;
  unit: string;
  unitPriceMinor: number;
}

const pad = (s: string, n: number) => s.slice(0, n).padEnd(n, ' ');
const ymd = (iso: string) => iso.slice(0, 10).replace(/-/g, '');
const hm = (iso: string) => iso.slice(11, 16).replace(':', '');
const price = (minor: number) => (minor / 100).toFixed(2);

/** An interchange back to the sender: receiver and sender swapped, in the sender's delimiters, our control number. */
function envelope(env: EdiEnvelope, control: number, now: string, functionalId: string) {
  const ix = new X12Interchange({ segmentTerminator: env.delimiters.segment, elementDelimiter: env.delimiters.element, subElementDelimiter: env.delimiters.component, endOfLine: '\n', format: env.delimiters.segment !== '\n' });
  const isa13 = String(control).padStart(9, '0');
  ix.setHeader(['00', pad('', 10), '00', pad('', 10), env.receiverQualifier, pad(env.receiverId, 15), env.senderQualifier, pad(env.senderId, 15), ymd(now).slice(2), hm(now), 'U', env.version || '00401', isa13, '0', 'P', env.delimiters.component]);
  const group = ix.addFunctionalGroup();
  group.setHeader([functionalId, env.receiverId, env.senderId, ymd(now), hm(now), String(control), 'X', env.gsVersion || '004010']);
  return { ix, group, isa13 };
}

/** 855: the PO accepted line by line (ACK*IA), with our order number. */
export function build855(env: EdiEnvelope, control: number, now: string, o: { po: string; orderNumber: string; lines: OutboundLine[] }): { content: string; controlNumber: string } {
  const { ix, group, isa13 } = envelope(env, control, now, 'PR');
  const t = group.addTransaction();
  t.setHeader(['855', '0001']);
  t.addSegment('BAK', ['00', 'AC', o.po, ymd(now), '', '', '', o.orderNumber]);
  for (const l of o.lines) {
    t.addSegment('PO1', [String(l.lineNo), String(l.quantity), l.unit, price(l.unitPriceMinor), '', 'VN', l.sku]);
    t.addSegment('ACK', ['IA', String(l.quantity), l.unit]);
  }
  t.addSegment('CTT', [String(o.lines.length)]);
  return { content: ix.toString(), controlNumber: isa13 };
}

/** 856: shipment → order → items (HL levels), what shipped per line, with carrier and shipment reference. */
export function build856(env: EdiEnvelope, control: number, now: string, s: { po: string; shipmentRef: string; carrier: string | null; lines: OutboundLine[] }): { content: string; controlNumber: string } {
  const { ix, group, isa13 } = envelope(env, control, now, 'SH');
  const t = group.addTransaction();
  t.setHeader(['856', '0001']);
  t.addSegment('BSN', ['00', s.shipmentRef, ymd(now), hm(now)]);
  t.addSegment('HL', ['1', '', 'S']);
  if (s.carrier) t.addSegment('TD5', ['', '2', s.carrier]);
  t.addSegment('REF', ['CN', s.shipmentRef]);
  t.addSegment('HL', ['2', '1', 'O']);
  t.addSegment('PRF', [s.po]);
  let hl = 2;
  for (const l of s.lines) {
    t.addSegment('HL', [String(++hl), '2', 'I']);
    t.addSegment('LIN', [String(l.lineNo), 'VN', l.sku]);
    t.addSegment('SN1', ['', String(l.quantity), l.unit]);
  }
  t.addSegment('CTT', [String(hl)]);
  return { content: ix.toString(), controlNumber: isa13 };
}
