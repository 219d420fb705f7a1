import type { z } from 'zod';
import { type OutputOf, ValidateLineInput } from '../../../src-shared/contract/index';
import { namesLots } from './format';

export type Transfer = OutputOf<'inventory.transfer.get'>;
export type TransferLine = Transfer['lines'][number];
export type ScanAnswer = OutputOf<'inventory.scan'>;

/** What the user has entered on a line before validating: done quantity, lot/serials, put-away bin. */
export interface LineEdit {
  done: number;
  lotName: string;
  expiryDate: string;
  serials: string[];
  toLocationId: string | null;
}
export type Edits = Record<string, LineEdit>;

export const isOpen = (l: TransferLine) => l.state === 'waiting' || l.state === 'ready' || l.state === 'draft';
/** What is left to do on a line. */
export const needOf = (l: TransferLine) => Math.max(0, l.quantity - l.quantityDone);
/** Receipts may bring more than planned (the vendor over-delivered); stock that is ours may not leave beyond plan. */
export const allowsOver = (t: Transfer) => t.kind === 'receipt' || t.kind === 'transit_in';

export function emptyEdit(): LineEdit {
  return { done: 0, lotName: '', expiryDate: '', serials: [], toLocationId: null };
}

/** Every open line starts at 0 done: the picker confirms by scanning or typing. */
export function initialEdits(t: Transfer): Edits {
  return Object.fromEntries(t.lines.filter(isOpen).map((l) => [l.id, emptyEdit()]));
}

/** "Fill quantities": receipts take the planned quantity, everything else what is reserved for it. */
export function filledEdits(t: Transfer, edits: Edits): Edits {
  const next: Edits = { ...edits };
  for (const l of t.lines.filter(isOpen)) {
    const e = next[l.id] ?? emptyEdit();
    const want = t.kind === 'receipt' ? needOf(l) : Math.min(l.reserved, needOf(l));
    next[l.id] = { ...e, done: want };
  }
  return next;
}

export interface ScanOutcome {
  tone: 'ok' | 'warn' | 'error';
  message: string;
  lineId: string | null;
  edits: Edits;
}

/**
 * Applies what the engine said about a scan to the lines being confirmed: a match adds one
 * (or the GS1 (37) count) to its line's done quantity and fills the lot (10) and serial (21);
 * a wrong or unknown product changes nothing and says so.
 */
export function applyScan(t: Transfer, edits: Edits, scan: ScanAnswer): ScanOutcome {
  if (scan.verdict === 'wrong_product' || scan.verdict === 'unknown') return { tone: 'error', message: scan.message, lineId: null, edits };
  if (scan.verdict === 'complete') return { tone: 'warn', message: scan.message, lineId: scan.lineId, edits };
  const line = t.lines.find((l) => l.id === scan.lineId);
  if (!line) return { tone: 'error', message: `Wrong product: ${scan.sku ?? 'this product'} is not on ${t.number}`, lineId: null, edits };
  const e = edits[line.id] ?? emptyEdit();
  const need = needOf(line);
  let add = scan.count ?? 1;
  const next: LineEdit = { ...e };
  if (line.tracking === 'serial' && namesLots(t.kind)) {
    if (!scan.serial) return { tone: 'warn', message: `${line.sku} is tracked by serial number: scan the label with the serial (21)`, lineId: line.id, edits };
    if (e.serials.includes(scan.serial)) return { tone: 'warn', message: `Serial ${scan.serial} is already scanned on this line`, lineId: line.id, edits };
    next.serials = [...e.serials, scan.serial];
    add = 1;
  } else if (line.tracking === 'lot' && namesLots(t.kind)) {
    if (scan.lot) next.lotName = scan.lot;
    if (scan.expiry) next.expiryDate = scan.expiry;
  }
  const done = e.done + add;
  if (done > need && !allowsOver(t)) {
    return { tone: 'warn', message: `${line.sku}: only ${need} to do on this line — ${e.done} already confirmed. Put the extra back.`, lineId: line.id, edits };
  }
  next.done = done;
  const lotNote = next.lotName && line.tracking === 'lot' && namesLots(t.kind) ? ` · lot ${next.lotName}` : '';
  return {
    tone: done > need ? 'warn' : 'ok',
    message: `${line.sku} — ${line.productName}: ${done} of ${need}${lotNote}${done > need ? ' (more than planned)' : ''}`,
    lineId: line.id,
    edits: { ...edits, [line.id]: next },
  };
}

type ValidateLine = z.input<typeof ValidateLineInput>;

export interface ValidationPlan {
  lines: ValidateLine[];
  /** Lines done less than what is left: the user chooses backorder or not. */
  short: { sku: string; done: number; need: number }[];
  errors: Record<string, string>;
  anyDone: boolean;
}

/** Builds the validate input from the edits, checked by the shared ValidateLineInput schema and the tracking rules. */
export function planValidation(t: Transfer, edits: Edits): ValidationPlan {
  const lines: ValidateLine[] = [];
  const short: ValidationPlan['short'] = [];
  const errors: Record<string, string> = {};
  for (const l of t.lines.filter(isOpen)) {
    const e = edits[l.id] ?? emptyEdit();
    const input: ValidateLine = { lineId: l.id, quantity: e.done };
    if (namesLots(t.kind) && e.done > 0) {
      if (l.tracking === 'lot') {
        if (!e.lotName.trim()) errors[l.id] = `${l.sku} is tracked by lot: enter the lot number`;
        else input.lotName = e.lotName.trim();
        if (e.expiryDate.trim()) input.expiryDate = e.expiryDate.trim();
      } else if (l.tracking === 'serial') {
        if (e.serials.length !== e.done) errors[l.id] = `${l.sku} is tracked by serial number: ${e.done} done needs ${e.done} serial numbers (${e.serials.length} given)`;
        input.serials = e.serials;
      }
    }
    if (e.toLocationId && e.toLocationId !== l.toLocationId) input.toLocationId = e.toLocationId;
    const parsed = ValidateLineInput.safeParse(input);
    if (!parsed.success && !errors[l.id]) errors[l.id] = parsed.error.issues[0]?.message ?? 'Invalid line';
    if (e.done < needOf(l)) short.push({ sku: l.sku, done: e.done, need: needOf(l) });
    lines.push(input);
  }
  return { lines, short, errors, anyDone: lines.some((l) => l.quantity > 0) };
}
