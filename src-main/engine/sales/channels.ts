import type { z } from 'zod';
import type { ChannelCode } from '../../../src-shared/contract/pricing';
import type { ChannelPolicy } from '../../../src-shared/contract/sales';
import { newRowMeta, type CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { loadApprovalRules } from './approvals';

export type BackorderPolicy = 'ship_partial' | 'ship_complete' | 'cancel_rest';
export type RequiredField = 'customerPo' | 'shipTo' | 'requestedDate';

export interface ChannelRules {
  channelId: string;
  code: ChannelCode;
  name: string;
  active: boolean;
  reservationPriority: number;
  requiredFields: RequiredField[];
  paymentBeforeRelease: boolean;
  backorderPolicy: BackorderPolicy;
  substitutesAllowed: boolean;
  routingRule: 'region' | 'default_warehouse';
  defaultWarehouseId: string | null;
  shipWithinHours: number;
  version: number;
}

/** What a channel does before an admin sets its policy. Web store and marketplace orders arrive paid. */
export const DEFAULT_POLICIES: Record<ChannelCode, { priority: number; name: string; requiredFields: RequiredField[]; paymentBeforeRelease: boolean; backorderPolicy: BackorderPolicy; shipWithinHours: number }> = {
  contract: { priority: 1, name: 'Contract (key accounts)', requiredFields: [], paymentBeforeRelease: false, backorderPolicy: 'ship_partial', shipWithinHours: 24 },
  edi: { priority: 2, name: 'EDI', requiredFields: ['customerPo'], paymentBeforeRelease: false, backorderPolicy: 'ship_partial', shipWithinHours: 48 },
  portal: { priority: 2, name: 'B2B Portal', requiredFields: [], paymentBeforeRelease: false, backorderPolicy: 'ship_partial', shipWithinHours: 48 },
  rep: { priority: 3, name: 'Sales Reps', requiredFields: [], paymentBeforeRelease: false, backorderPolicy: 'ship_partial', shipWithinHours: 48 },
  ecommerce: { priority: 4, name: 'Web Store', requiredFields: [], paymentBeforeRelease: true, backorderPolicy: 'ship_partial', shipWithinHours: 24 },
  marketplace: { priority: 5, name: 'Marketplace', requiredFields: [], paymentBeforeRelease: true, backorderPolicy: 'cancel_rest', shipWithinHours: 24 },
};

/** Allocation rank of key accounts (contract channel or key-account customers): ahead of every channel. */
export const KEY_ACCOUNT_RANK = 1;

/**
 * The reservation priority rank of an order (lower is served first, see inventory allocation):
 * key accounts rank first whatever channel they order through; everyone else takes their
 * channel's priority, never ahead of key accounts.
 */
export function orderRank(channel: Pick<ChannelRules, 'code' | 'reservationPriority'>, customerClass: string): number {
  if (channel.code === 'contract' || customerClass === 'key_account') return KEY_ACCOUNT_RANK;
  return Math.max(KEY_ACCOUNT_RANK + 1, channel.reservationPriority);
}

interface ChannelRow {
  id: string;
  code: string;
  name: string;
  reservation_priority: number;
  active: number;
  version: number;
  p_version: number | null;
  required_fields: string | null;
  payment_before_release: number | null;
  backorder_policy: BackorderPolicy | null;
  substitutes_allowed: number | null;
  routing_rule: 'region' | 'default_warehouse' | null;
  default_warehouse_id: string | null;
  ship_within_hours: number | null;
}

function channelQuery(db: Db | Tx) {
  return db
    .selectFrom('channel as c')
    .leftJoin('channel_policy as cp', 'cp.channel_code', 'c.code')
    .select([
      'c.id',
      'c.code',
      'c.name',
      'c.reservation_priority',
      'c.active',
      'c.version',
      'cp.version as p_version',
      'cp.required_fields',
      'cp.payment_before_release',
      'cp.backorder_policy',
      'cp.substitutes_allowed',
      'cp.routing_rule',
      'cp.default_warehouse_id',
      'cp.ship_within_hours',
    ]);
}

const channelByCode = preparedQuery<{ code: string }, ChannelRow>(['code'], (db, p) => channelQuery(db).where('c.code', '=', p.code));

function toRules(r: ChannelRow): ChannelRules {
  const code = r.code as ChannelCode;
  const d = DEFAULT_POLICIES[code];
  return {
    channelId: r.id,
    code,
    name: r.name,
    active: r.active === 1,
    reservationPriority: r.reservation_priority,
    requiredFields: r.required_fields ? (JSON.parse(r.required_fields) as RequiredField[]) : d.requiredFields,
    paymentBeforeRelease: r.payment_before_release === null ? d.paymentBeforeRelease : r.payment_before_release === 1,
    backorderPolicy: r.backorder_policy ?? d.backorderPolicy,
    substitutesAllowed: r.substitutes_allowed === 1,
    routingRule: r.routing_rule ?? 'region',
    defaultWarehouseId: r.default_warehouse_id,
    shipWithinHours: r.ship_within_hours ?? d.shipWithinHours,
    version: r.version + (r.p_version ?? 0),
  };
}

/** The channel and its policy; refuses a channel that is not set up or not active. */
export async function channelRules(db: Db | Tx, code: string): Promise<ChannelRules> {
  const row = await channelByCode.first(db, { code });
  if (!row) throw new DomainError('BUSINESS_RULE', `The ${code} channel is not set up; an admin sets it up in the channel policies`, { fields: [{ path: 'channelCode', message: 'Channel not set up' }] });
  const rules = toRules(row);
  if (!rules.active) throw new DomainError('BUSINESS_RULE', `The ${rules.name} channel is not active`, { fields: [{ path: 'channelCode', message: 'Channel not active' }] });
  return rules;
}

export async function listChannelPolicies(db: Db | Tx): Promise<z.infer<typeof ChannelPolicy>[]> {
  const rows = await channelQuery(db).orderBy('c.reservation_priority').orderBy('c.code').execute();
  const rules = await loadApprovalRules(db, { activeOnly: false });
  return rows.map((r) => {
    const c = toRules(r as ChannelRow);
    return { ...c, approvalRules: rules.filter((a) => a.channelCode === c.code) };
  });
}

export type PolicyPatch = Partial<Omit<ChannelRules, 'channelId' | 'code' | 'version'>>;

/** Creates the channel (with its default policy) when missing, then applies the patch. */
export async function setChannelPolicy(ctx: CommandContext, code: ChannelCode, patch: PolicyPatch): Promise<void> {
  const d = DEFAULT_POLICIES[code];
  let channel = await ctx.db.selectFrom('channel').select(['id', 'version']).where('code', '=', code).executeTakeFirst();
  if (!channel) {
    const id = ctx.newId();
    await ctx.db
      .insertInto('channel')
      .values({ ...newRowMeta(ctx, id), code, name: patch.name ?? d.name, reservation_priority: patch.reservationPriority ?? d.priority, active: patch.active === false ? 0 : 1 })
      .execute();
    channel = { id, version: 1 };
  } else if (patch.name !== undefined || patch.reservationPriority !== undefined || patch.active !== undefined) {
    await ctx.db
      .updateTable('channel')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.reservationPriority !== undefined ? { reservation_priority: patch.reservationPriority } : {}),
        ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
        updated_at: ctx.now,
        version: channel.version + 1,
      })
      .where('id', '=', channel.id)
      .execute();
  }
  if (patch.defaultWarehouseId) {
    const wh = await ctx.db.selectFrom('warehouse').select('id').where('id', '=', patch.defaultWarehouseId).executeTakeFirst();
    if (!wh) throw new DomainError('VALIDATION', 'Default warehouse: no such warehouse', { fields: [{ path: 'defaultWarehouseId', message: 'No such warehouse' }] });
  }
  const policy = await ctx.db.selectFrom('channel_policy').selectAll().where('channel_code', '=', code).executeTakeFirst();
  const values = {
    required_fields: JSON.stringify(patch.requiredFields ?? (policy ? JSON.parse(policy.required_fields) : d.requiredFields)),
    payment_before_release: (patch.paymentBeforeRelease ?? (policy ? policy.payment_before_release === 1 : d.paymentBeforeRelease)) ? 1 : 0,
    backorder_policy: patch.backorderPolicy ?? policy?.backorder_policy ?? d.backorderPolicy,
    substitutes_allowed: (patch.substitutesAllowed ?? policy?.substitutes_allowed === 1) ? 1 : 0,
    routing_rule: patch.routingRule ?? policy?.routing_rule ?? 'region',
    default_warehouse_id: patch.defaultWarehouseId === undefined ? (policy?.default_warehouse_id ?? null) : patch.defaultWarehouseId,
    ship_within_hours: patch.shipWithinHours ?? policy?.ship_within_hours ?? d.shipWithinHours,
    updated_at: ctx.now,
  };
  if (values.routing_rule === 'default_warehouse' && !values.default_warehouse_id) {
    throw new DomainError('VALIDATION', 'Routing to the default warehouse needs a default warehouse', { fields: [{ path: 'defaultWarehouseId', message: 'Required for this routing rule' }] });
  }
  if (policy) await ctx.db.updateTable('channel_policy').set({ ...values, version: policy.version + 1 }).where('id', '=', policy.id).execute();
  else await ctx.db.insertInto('channel_policy').values({ ...values, id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, version: 1, channel_code: code }).execute();
}
