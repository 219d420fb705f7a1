import type { OPERATION_KINDS, TRANSFER_STATES } from '../../../src-shared/contract/index';

export type OperationKind = (typeof OPERATION_KINDS)[number];
export type TransferState = (typeof TRANSFER_STATES)[number];

export const KIND_LABELS: Record<OperationKind, string> = {
  receipt: 'Receipt',
  delivery: 'Delivery',
  internal: 'Internal',
  pick: 'Pick',
  pack: 'Pack',
  quality: 'Quality',
  transit_out: 'Ship to warehouse',
  transit_in: 'Receive from warehouse',
};

export const STATE_LABELS: Record<TransferState, string> = { draft: 'Draft', waiting: 'Waiting', ready: 'Ready', done: 'Done', cancelled: 'Cancelled' };
export const STATE_COLORS: Record<TransferState, string> = { draft: 'gray', waiting: 'orange', ready: 'indigo', done: 'teal', cancelled: 'red' };

export const COUNT_STATE_LABELS: Record<string, string> = { open: 'Open', awaiting_approval: 'Awaiting approval', posted: 'Posted', cancelled: 'Cancelled' };
export const COUNT_STATE_COLORS: Record<string, string> = { open: 'indigo', awaiting_approval: 'orange', posted: 'teal', cancelled: 'red' };

/** Whole units with thousands separators; "—" for nothing. */
export function qty(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

/** "2026-11-30 14:05" from an ISO timestamp, in the user's local time. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function dateOnly(iso: string | null | undefined): string {
  return iso ? dateTime(iso).slice(0, 10) : '—';
}

/** The value of a datetime-local input ("2026-11-30T17:00") as an ISO instant, or null when empty or invalid. */
export function localInputToIso(value: string): string | null {
  if (!value.trim()) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** A date input value ("2026-11-30") as the ISO instant at the start (or end) of that local day. */
export function dayToIso(value: string, end = false): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const d = new Date(`${value}T${end ? '23:59:59.999' : '00:00:00'}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Whether a line's done quantity is typed by the user against a source the company does not own (receipts: lots and serials are named here). */
export function namesLots(kind: OperationKind): boolean {
  return kind === 'receipt';
}

const STEP_LABELS: Record<string, string> = { IN: 'Receipt', QC: 'Quality', PUT: 'Put-away', PICK: 'Pick', PACK: 'Pack', OUT: 'Delivery', INT: 'Internal', TOUT: 'Ship to warehouse', TIN: 'Receive from warehouse' };

/** The step a transfer is, from its operation type code in the number (B01-WH1-PUT-2026-00012 → Put-away); falls back to its kind. */
export function stepLabel(t: { number: string; kind: OperationKind }): string {
  const code = /-([A-Z]+)-\d{4}-\d+$/.exec(t.number)?.[1];
  return (code && STEP_LABELS[code]) || KIND_LABELS[t.kind];
}
