import { taxPolicyFor, type TaxPolicy } from '../finance/tax';
import { type CommandContext, onceInCommand } from '../platform/context';
import { preparedQuery } from '../platform/prepared';
import { loadApprovalRules } from './approvals';
import { channelRules, type ChannelRules } from './channels';
import { currencyOf } from './orders';
import { readSalesSettings, type SalesSettings } from './settings';

/**
 * Reads one command makes many times and never changes: the sales settings, the channel
 * policies, the active approval rules and the company currency, read once per command (an import chunk of 500 orders
 * reads them once, not 500 times; create-and-confirm once, not twice). Only order commands
 * use it — the commands that change these never read through it.
 */
// Keys under `sales:`: the memo is the command's, shared with other domains.
const once = <T>(ctx: CommandContext, key: string, load: () => Promise<T>): Promise<T> => onceInCommand(ctx, `sales:${key}`, load);

export const salesSettingsOf = (ctx: CommandContext): Promise<SalesSettings> => once(ctx, 'settings', () => readSalesSettings(ctx.db));
export const channelOf = (ctx: CommandContext, code: string): Promise<ChannelRules> => once(ctx, `channel:${code}`, () => channelRules(ctx.db, code));
export const companyCurrencyOf = (ctx: CommandContext): Promise<string> => once(ctx, 'currency', () => currencyOf(ctx.db));
export const activeApprovalRulesOf = (ctx: CommandContext) => once(ctx, 'approvalRules', () => loadApprovalRules(ctx.db, { activeOnly: true }));
/** The customer's sales tax policy (fiscal position, rates, rounding): an imported order prices and invoices with it, read once per customer and command. */
export const salesTaxPolicyOf = (ctx: CommandContext, partnerId: string): Promise<TaxPolicy> => once(ctx, `taxes:${partnerId}`, () => taxPolicyFor(ctx, partnerId, 'sales'));

const allUnits = preparedQuery<{ none: 0 }, { id: string; code: string }>([], (db) => db.selectFrom('uom').select(['id', 'code']));
/** Unit id → code (every unit: a short list), for the view of an order created and confirmed in one command. */
export const unitCodesOf = (ctx: CommandContext): Promise<Map<string, string>> => once(ctx, 'units', async () => new Map((await allUnits.rows(ctx.db, { none: 0 })).map((u) => [u.id, u.code])));
