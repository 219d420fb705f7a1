import type { DISPOSITIONS, RESOLUTIONS, RETURN_CATEGORIES, RMA_STATES, SLA_STATUSES, TICKET_PRIORITIES, TICKET_STATES, TICKET_TYPES } from '../../../src-shared/contract/index';

export type TicketType = (typeof TICKET_TYPES)[number];
export type TicketState = (typeof TICKET_STATES)[number];
export type SlaStatus = (typeof SLA_STATUSES)[number];
export type Category = (typeof RETURN_CATEGORIES)[number];

export const TYPE_LABELS: Record<TicketType, string> = {
  failed_delivery: 'Failed delivery',
  damaged_goods: 'Damaged goods',
  wrong_item: 'Missing / wrong item',
  invoice_dispute: 'Invoice dispute',
  return_request: 'Return request',
  general: 'General',
};
export const STATE_LABELS: Record<TicketState, string> = { open: 'Open', waiting_customer: 'Waiting for customer', resolved: 'Resolved', closed: 'Closed' };
export const STATE_COLORS: Record<TicketState, string> = { open: 'blue', waiting_customer: 'grape', resolved: 'teal', closed: 'gray' };
export const PRIORITY_LABELS: Record<(typeof TICKET_PRIORITIES)[number], string> = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' };
export const CATEGORY_LABELS: Record<Category, string> = {
  damaged_in_transit: 'Damaged in transit',
  wrong_item_picked: 'Wrong item picked',
  not_as_described: 'Not as described',
  late_delivery: 'Late delivery',
  no_longer_needed: 'No longer needed',
  quality_defect: 'Quality defect',
  other: 'Other',
};
export const RMA_STATE_LABELS: Record<(typeof RMA_STATES)[number], string> = {
  awaiting_approval: 'Awaiting approval',
  authorised: 'Authorised — waiting for the goods',
  rejected: 'Rejected',
  received: 'Received — to inspect',
  inspected: 'Inspected — to resolve',
  resolved: 'Resolved',
  cancelled: 'Cancelled',
};
export const DISPOSITION_LABELS: Record<(typeof DISPOSITIONS)[number], string> = { restock: 'Restock', scrap: 'Scrap', return_to_vendor: 'Return to vendor', repair: 'Repair' };
export const RESOLUTION_LABELS: Record<(typeof RESOLUTIONS)[number], string> = { credit_note: 'Credit note', refund: 'Refund', replacement: 'Replacement shipment' };
export const SLA_COLORS: Record<SlaStatus, string> = { ok: 'teal', warning: 'orange', breached: 'red', paused: 'grape', met: 'teal', none: 'gray' };

/** 5400000 → "1 h 30 min"; negative → "overdue 1 h 30 min". */
export function duration(ms: number): string {
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86_400_000);
  const h = Math.floor((abs % 86_400_000) / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const text = d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : m ? `${m} min ${s} s` : `${s} s`;
  return ms < 0 ? `overdue ${text}` : text;
}

/** What the SLA badge says. */
export function slaText(status: SlaStatus, remainingMs: number | null): string {
  switch (status) {
    case 'none':
      return 'No SLA';
    case 'met':
      return 'SLA met';
    case 'breached':
      return remainingMs === null ? 'SLA breached' : `Breached · ${duration(remainingMs)}`;
    case 'paused':
      return `Paused · ${duration(remainingMs ?? 0)} left`;
    default:
      return `${duration(remainingMs ?? 0)} left`;
  }
}
