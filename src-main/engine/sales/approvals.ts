import type { z } from 'zod';
import type { ApprovalRequest, ApprovalRule } from '../../../src-shared/contract/sales';
import type { Role } from '../../../src-shared/permissions';
import { newRowMeta, type Actor, type CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { formatBp, formatMinor, marginBp } from '../pricing/money';
import { openActivity } from './activities';
import type { ApprovalRuleTable } from './schema';
import { discountLimitOf, type SalesSettings } from './settings';

type Rule = z.infer<typeof ApprovalRule>;

function toRule(r: ApprovalRuleTable): Rule {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    thresholdBp: r.threshold_bp,
    thresholdMinor: r.threshold_minor === null ? null : Number(r.threshold_minor),
    channelCode: r.channel_code as Rule['channelCode'],
    partnerId: r.partner_id,
    customerClass: r.customer_class as Rule['customerClass'],
    approverRole: r.approver_role as Role,
    active: r.active === 1,
    version: r.version,
  };
}

const activeRules = preparedQuery<{ none: 0 }, ApprovalRuleTable>([], (db) => db.selectFrom('approval_rule').selectAll().where('active', '=', 1).orderBy('created_at'));

export async function loadApprovalRules(db: Db | Tx, o: { activeOnly: boolean }): Promise<Rule[]> {
  const rows = o.activeOnly ? await activeRules.rows(db, { none: 0 }) : await db.selectFrom('approval_rule').selectAll().orderBy('created_at').execute();
  return rows.map(toRule);
}

export async function loadApprovalRule(db: Db | Tx, id: string): Promise<Rule> {
  const r = await db.selectFrom('approval_rule').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('Approval rule');
  return toRule(r);
}

/** What approval checks need of an order. */
export interface OrderForApproval {
  partnerId: string;
  customerClass: string;
  channelCode: string;
  untaxedMinor: number;
  totalMinor: number;
  costMinor: number;
  currency: string;
  lines: { lineNo: number; sku: string; quantity: number; subtotalMinor: number; costMinor: number; discountBp: number }[];
}

export interface ApprovalNeed {
  reasons: string[];
  ruleIds: string[];
  approverRole: Role;
  /** Only prices and discounts (a pricing block), no order-level rule. */
  pricingOnly: boolean;
}

/** Roles in the order their approval outranks another's (an admin may decide anything). */
const AUTHORITY: Role[] = ['admin', 'finance', 'buyer', 'warehouse', 'clerk'];

/**
 * The approvals an order needs before it may be confirmed by this user: a manual discount
 * above the user's limit, a line whose margin is below the minimum, and the approval rules
 * (discount, margin, order value, customer, channel) whose scope matches. Null if none.
 */
export async function approvalNeeded(db: Db | Tx, o: OrderForApproval, actor: Actor, settings: SalesSettings, activeRules?: Rule[]): Promise<ApprovalNeed | null> {
  const reasons: string[] = [];
  const ruleIds: string[] = [];
  const roles: Role[] = [];
  let pricingOnly = true;
  const limit = discountLimitOf(settings, actor.roles);
  const minMargin = BigInt(settings.minMarginBp);
  for (const l of o.lines) {
    if (l.discountBp > limit) {
      reasons.push(`Line ${l.lineNo} (${l.sku}): discount ${formatBp(l.discountBp)} is above your limit of ${formatBp(limit)}`);
      roles.push('admin');
    }
    // Margin on price: (subtotal − cost) ÷ subtotal below the minimum, in exact integers.
    const cost = BigInt(l.quantity) * BigInt(l.costMinor);
    if (BigInt(l.subtotalMinor) * (10_000n - minMargin) < cost * 10_000n) {
      const m = marginBp(l.subtotalMinor, Number(cost));
      reasons.push(`Line ${l.lineNo} (${l.sku}): margin ${m === null ? 'none (free)' : formatBp(m)} is below the minimum of ${formatBp(settings.minMarginBp)}`);
      roles.push('admin');
    }
  }
  for (const r of activeRules ?? (await loadApprovalRules(db, { activeOnly: true }))) {
    if (r.channelCode && r.channelCode !== o.channelCode) continue;
    if (r.partnerId && r.partnerId !== o.partnerId) continue;
    if (r.customerClass && r.customerClass !== o.customerClass) continue;
    let why: string | null = null;
    if (r.kind === 'discount' && r.thresholdBp !== null) {
      const over = o.lines.filter((l) => l.discountBp > r.thresholdBp!);
      if (over.length) why = `${over.length} line(s) discounted above ${formatBp(r.thresholdBp)}`;
    } else if (r.kind === 'margin' && r.thresholdBp !== null) {
      const m = marginBp(o.untaxedMinor, o.costMinor);
      if (m !== null && m < r.thresholdBp) why = `order margin ${formatBp(m)} is below ${formatBp(r.thresholdBp)}`;
    } else if (r.kind === 'order_value' && r.thresholdMinor !== null) {
      if (o.totalMinor > r.thresholdMinor) why = `order total ${formatMinor(o.totalMinor, o.currency)} is above ${formatMinor(r.thresholdMinor, o.currency)}`;
    } else if (r.kind === 'customer' || r.kind === 'channel') {
      why = r.kind === 'customer' ? "every order of this customer is approved" : `every ${o.channelCode} order is approved`;
    }
    if (why) {
      reasons.push(`${r.name}: ${why}`);
      ruleIds.push(r.id);
      roles.push(r.approverRole);
      if (r.kind !== 'discount' && r.kind !== 'margin') pricingOnly = false;
    }
  }
  if (reasons.length === 0) return null;
  const approverRole = AUTHORITY.find((a) => roles.includes(a)) ?? 'admin';
  return { reasons, ruleIds, approverRole, pricingOnly };
}

/** May this user decide a request routed to `role`? (sales.approve is checked by the bus.) */
export function canDecide(actor: Actor, role: string): boolean {
  return actor.roles.includes('admin') || actor.roles.includes(role as Role);
}

/**
 * Records the approval request. When the confirming user may decide it themselves it is
 * approved on the spot (recorded and audited like any decision); otherwise it waits in the
 * approver role's inbox. Returns whether the order may go on.
 */
export async function requestApproval(ctx: CommandContext, order: { id: string; number: string; customerName: string; totalMinor: number; currency: string }, need: ApprovalNeed): Promise<boolean> {
  const self = ctx.actor.permissions.has('sales.approve') && canDecide(ctx.actor, need.approverRole);
  await ctx.db
    .insertInto('approval_request')
    .values({
      ...newRowMeta(ctx),
      order_id: order.id,
      state: self ? 'approved' : 'pending',
      approver_role: need.approverRole,
      reasons: JSON.stringify(need.reasons),
      rule_ids: JSON.stringify(need.ruleIds),
      requested_by: ctx.actor.username,
      decided_by: self ? ctx.actor.username : null,
      decided_at: self ? ctx.now : null,
      decision_reason: self ? 'Confirmed by a user who may approve it' : null,
    })
    .execute();
  if (self) return true;
  await openActivity(ctx, {
    role: need.approverRole,
    kind: need.pricingOnly ? 'pricing' : 'approval',
    title: `Approve ${order.number} for ${order.customerName} (${formatMinor(order.totalMinor, order.currency)})`,
    body: need.reasons.join('\n'),
    documentKind: 'sales_order',
    documentId: order.id,
    documentNumber: order.number,
  });
  return false;
}

const REQUEST_COLUMNS = [
  'a.id',
  'a.order_id',
  'o.number',
  'p.name as customer_name',
  'o.total_minor',
  'a.approver_role',
  'a.state',
  'a.reasons',
  'a.rule_ids',
  'a.requested_by',
  'a.created_at',
  'a.decided_by',
  'a.decided_at',
  'a.decision_reason',
] as const;

export function requestsQuery(db: Db | Tx) {
  return db.selectFrom('approval_request as a').innerJoin('sales_order as o', 'o.id', 'a.order_id').innerJoin('partner as p', 'p.id', 'o.partner_id');
}

export function toRequest(r: {
  id: string;
  order_id: string;
  number: string;
  customer_name: string;
  total_minor: number;
  approver_role: string;
  state: 'pending' | 'approved' | 'rejected';
  reasons: string;
  rule_ids: string;
  requested_by: string | null;
  created_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
}): z.infer<typeof ApprovalRequest> {
  return {
    id: r.id,
    orderId: r.order_id,
    orderNumber: r.number,
    customerName: r.customer_name,
    totalMinor: Number(r.total_minor),
    approverRole: r.approver_role as Role,
    state: r.state,
    reasons: JSON.parse(r.reasons) as string[],
    ruleIds: JSON.parse(r.rule_ids) as string[],
    requestedBy: r.requested_by,
    requestedAt: r.created_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    decisionReason: r.decision_reason,
  };
}

export { REQUEST_COLUMNS };
