import type { TicketSummary } from '../../../src-shared/contract/service';
import type { Db, Tx } from '../platform/db';

/**
 * SLA timers. A ticket takes the most specific active policy (class and type, then type, then
 * class, then a catch-all) and gets deadlines from its creation: first response and
 * resolution, and the warning time (warn % of the resolution time). While the ticket waits
 * for the customer the timers stand still: on resuming, every deadline moves by the time
 * spent waiting (kept in `paused_ms`), so sorting by the stored due time stays right.
 */

/** Due time of tickets without an SLA: sorts after every real deadline in both databases. */
export const NO_DEADLINE = '9999-12-31T00:00:00.000Z';

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

export interface PolicyRow {
  id: string;
  customer_class: string | null;
  ticket_type: string | null;
  first_response_minutes: number;
  resolution_minutes: number;
  warn_percent: number;
}

export async function matchPolicy(db: Db | Tx, customerClass: string, type: string): Promise<PolicyRow | null> {
  const rows = await db
    .selectFrom('sla_policy')
    .select(['id', 'customer_class', 'ticket_type', 'first_response_minutes', 'resolution_minutes', 'warn_percent'])
    .where('active', '=', 1)
    .where((eb) => eb.or([eb('customer_class', '=', customerClass), eb('customer_class', 'is', null)]))
    .where((eb) => eb.or([eb('ticket_type', '=', type), eb('ticket_type', 'is', null)]))
    .execute();
  const rank = (p: PolicyRow) => (p.customer_class ? 1 : 0) + (p.ticket_type ? 2 : 0);
  rows.sort((a, b) => rank(b) - rank(a) || a.id.localeCompare(b.id));
  return rows[0] ?? null;
}

export function deadlines(policy: PolicyRow | null, createdAt: string) {
  if (!policy) return { first_response_due_at: null, resolution_due_at: NO_DEADLINE, resolution_warn_at: NO_DEADLINE };
  const t = Date.parse(createdAt);
  return {
    first_response_due_at: iso(t + policy.first_response_minutes * MINUTE),
    resolution_due_at: iso(t + policy.resolution_minutes * MINUTE),
    resolution_warn_at: iso(t + Math.round((policy.resolution_minutes * policy.warn_percent) / 100) * MINUTE),
  };
}

interface TimerRow {
  first_response_due_at: string | null;
  resolution_due_at: string | null;
  resolution_warn_at: string | null;
  first_responded_at: string | null;
  paused_at: string | null;
  paused_ms: number;
}

/** The column changes that end a pause at `now`: deadlines move by the time spent waiting. */
export function resume(row: TimerRow, now: string): Partial<TimerRow> {
  if (!row.paused_at) return {};
  const waited = Date.parse(now) - Date.parse(row.paused_at);
  const shift = (v: string | null) => (v && v !== NO_DEADLINE ? iso(Date.parse(v) + waited) : v);
  return {
    paused_at: null,
    paused_ms: Number(row.paused_ms) + waited,
    first_response_due_at: row.first_responded_at ? row.first_response_due_at : shift(row.first_response_due_at),
    resolution_due_at: shift(row.resolution_due_at),
    resolution_warn_at: shift(row.resolution_warn_at),
  };
}

/**
 * Where the SLA stands at `now`: until the first response its deadline counts (warned when a
 * quarter of its time or the resolution warning is reached), then the resolution's. Resolved
 * tickets are met or breached for good; a paused ticket shows the time it had left.
 */
export function slaStatus(
  row: TimerRow & { created_at: string; resolved_at: string | null },
  now: string,
): { slaStatus: TicketSummary['slaStatus']; slaRemainingMs: number | null } {
  const due = row.resolution_due_at && row.resolution_due_at !== NO_DEADLINE ? Date.parse(row.resolution_due_at) : null;
  if (due === null) return { slaStatus: 'none', slaRemainingMs: null };
  const firstDue = !row.first_responded_at && row.first_response_due_at ? Date.parse(row.first_response_due_at) : null;
  if (row.resolved_at) {
    const late = Date.parse(row.resolved_at) > due || (row.first_response_due_at && row.first_responded_at && Date.parse(row.first_responded_at) > Date.parse(row.first_response_due_at));
    return { slaStatus: late ? 'breached' : 'met', slaRemainingMs: null };
  }
  const at = row.paused_at ? Date.parse(row.paused_at) : Date.parse(now);
  const deadline = firstDue !== null ? Math.min(firstDue, due) : due;
  const remaining = deadline - at;
  if (row.first_responded_at && row.first_response_due_at && Date.parse(row.first_responded_at) > Date.parse(row.first_response_due_at)) {
    // A late first response stays a breach, though the resolution may still be met.
    return { slaStatus: row.paused_at ? 'paused' : 'breached', slaRemainingMs: due - at };
  }
  if (row.paused_at) return { slaStatus: 'paused', slaRemainingMs: remaining };
  if (remaining < 0) return { slaStatus: 'breached', slaRemainingMs: remaining };
  const warnAt = row.resolution_warn_at ? Date.parse(row.resolution_warn_at) : due;
  let warning = at >= warnAt;
  if (firstDue !== null) {
    const start = Date.parse(row.created_at) + Number(row.paused_ms);
    warning ||= firstDue - at <= (firstDue - start) / 4;
  }
  return { slaStatus: warning ? 'warning' : 'ok', slaRemainingMs: remaining };
}
