import { sql } from 'kysely';
import { likeEscape } from '../catalog/products';
import { defineHandlers, newRowMeta } from '../platform/context';
import { DomainError, notFound } from '../platform/errors';
import { ownedElsewhere } from '../platform/owner-guard';
import { claimPartnerCode } from './codes';
import { assertCustomerRefs, CUSTOMER_COLUMNS, type CustomerRow, customerSearchText, getCustomerRow, loadCustomer, toCustomerSummary, writeAddresses, writeContacts } from './customers';

const SORT_COLUMNS = {
  code: 'code',
  name: 'name',
  region: 'region',
  customerClass: 'customer_class',
  creditLimitMinor: 'credit_limit_minor',
  updatedAt: 'updated_at',
} as const;

/** The smallest string greater than every string starting with `prefix`. */
function prefixUpperBound(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Fields a merge copies from the duplicate when the kept customer lacks them. */
const FILLABLE: { field: string; column: keyof CustomerRow }[] = [
  { field: 'legalName', column: 'legal_name' },
  { field: 'taxId', column: 'tax_id' },
  { field: 'region', column: 'region' },
  { field: 'email', column: 'email' },
  { field: 'phone', column: 'phone' },
  { field: 'gln', column: 'gln' },
  { field: 'externalId', column: 'external_id' },
  { field: 'pricelistId', column: 'pricelist_id' },
  { field: 'creditLimitMinor', column: 'credit_limit_minor' },
];

export const partnersHandlers = defineHandlers({
  'partners.customer.create': async (ctx, input) => {
    await assertCustomerRefs(ctx.db, input);
    const code = await claimPartnerCode(ctx, input.code, 'C');
    const id = ctx.newId();
    await ctx.db
      .insertInto('partner')
      .values({
        ...newRowMeta(ctx, id),
        code,
        kind: 'customer',
        name: input.name,
        legal_name: input.legalName,
        customer_class: input.customerClass,
        region: input.region,
        email: input.email,
        phone: input.phone,
        tax_id: input.taxId,
        credit_limit_minor: input.creditLimitMinor,
        payment_terms_days: input.paymentTermsDays,
        lead_time_days: null,
        active: 1,
        pricelist_id: input.pricelistId,
        invoice_policy: input.invoicePolicy,
        grace_days: input.graceDays,
        external_id: input.externalId,
        gln: input.gln,
        tax_rate_bp: input.taxRateBp,
        search_text: customerSearchText({ ...input, code }),
        merged_into_id: null,
      })
      .execute();
    await writeAddresses(ctx, id, input.addresses, false);
    await writeContacts(ctx, id, input.contacts, false);
    ctx.summarize(`Created customer ${code} "${input.name}"`);
    return loadCustomer(ctx.db, id);
  },

  'partners.customer.update': async (ctx, input) => {
    const current = await getCustomerRow(ctx.db, input.id);
    if (current.version !== input.version) {
      throw new DomainError('CONFLICT', `Someone else changed customer ${current.code} since you opened it; reload to see their change`, { currentVersion: current.version });
    }
    await assertCustomerRefs(ctx.db, input, input.id);
    const pick = <T>(v: T | undefined, fallback: T): T => (v === undefined ? fallback : v);
    const next = {
      code: pick(input.code, current.code),
      name: pick(input.name, current.name),
      legal_name: pick(input.legalName, current.legal_name ?? null),
      tax_id: pick(input.taxId, current.tax_id),
      customer_class: pick(input.customerClass, current.customer_class ?? 'regular'),
      region: pick(input.region, current.region),
      pricelist_id: pick(input.pricelistId, current.pricelist_id ?? null),
      payment_terms_days: pick(input.paymentTermsDays, current.payment_terms_days),
      credit_limit_minor: pick(input.creditLimitMinor, current.credit_limit_minor),
      invoice_policy: pick(input.invoicePolicy, current.invoice_policy ?? 'on_delivery'),
      grace_days: pick(input.graceDays, current.grace_days ?? 0),
      email: pick(input.email, current.email),
      phone: pick(input.phone, current.phone),
      gln: pick(input.gln, current.gln ?? null),
      external_id: pick(input.externalId, current.external_id ?? null),
      tax_rate_bp: pick(input.taxRateBp, current.tax_rate_bp ?? null),
      active: input.active === undefined ? current.active : input.active ? 1 : 0,
    };
    if (next.code !== current.code) await claimPartnerCode(ctx, next.code, 'C', input.id);
    await ctx.db
      .updateTable('partner')
      .set({
        ...next,
        search_text: customerSearchText({ code: next.code, name: next.name, legalName: next.legal_name, email: next.email, taxId: next.tax_id, gln: next.gln, externalId: next.external_id }),
        updated_at: ctx.now,
        version: current.version + 1,
      })
      .where('id', '=', input.id)
      .execute();
    if (input.addresses) await writeAddresses(ctx, input.id, input.addresses, true);
    if (input.contacts) await writeContacts(ctx, input.id, input.contacts, true);
    ctx.summarize(`Edited customer ${next.code} "${next.name}"`);
    return loadCustomer(ctx.db, input.id);
  },

  'partners.customer.get': async (ctx, input) => {
    const customer = await loadCustomer(ctx.db, input.id);
    const row = await ctx.db.selectFrom('partner').select('branch_id').where('id', '=', input.id).executeTakeFirstOrThrow();
    return { ...customer, ownedElsewhere: await ownedElsewhere(ctx.db, ctx.install.branchId, row.branch_id) };
  },

  'partners.customer.list': async (ctx, input) => {
    let q = ctx.db.selectFrom('partner').where('kind', '=', 'customer');
    if (input.status !== 'all') q = q.where('active', '=', input.status === 'active' ? 1 : 0);
    if (input.customerClass) q = q.where('customer_class', '=', input.customerClass);
    if (input.region) q = q.where('region', '=', input.region);
    if (input.query) q = q.where(sql<boolean>`search_text LIKE ${`%${likeEscape(input.query.toLowerCase())}%`} ESCAPE '\\'`);
    const [rows, total] = await Promise.all([
      q
        .select(CUSTOMER_COLUMNS)
        .orderBy(sql.ref(SORT_COLUMNS[input.sort]), input.dir)
        .orderBy('id', input.dir)
        .limit(input.limit)
        .offset(input.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map((r) => toCustomerSummary(r as CustomerRow)), total: Number(total.n), offset: input.offset };
  },

  'partners.customer.search': async (ctx, input) => {
    const term = input.query.toUpperCase();
    const byCode = await ctx.db
      .selectFrom('partner')
      .select(CUSTOMER_COLUMNS)
      .where('kind', '=', 'customer')
      .where('active', '=', 1)
      .where('code', '>=', term)
      .where('code', '<', prefixUpperBound(term))
      .orderBy('code')
      .limit(input.limit)
      .execute();
    const seen = new Set(byCode.map((r) => r.id));
    const rows = [...byCode];
    if (rows.length < input.limit) {
      const more = await ctx.db
        .selectFrom('partner')
        .select(CUSTOMER_COLUMNS)
        .where('kind', '=', 'customer')
        .where('active', '=', 1)
        .where(sql<boolean>`search_text LIKE ${`%${likeEscape(input.query.toLowerCase())}%`} ESCAPE '\\'`)
        .orderBy('name')
        .orderBy('id')
        .limit(input.limit + rows.length)
        .execute();
      for (const r of more) if (!seen.has(r.id) && rows.length < input.limit) rows.push(r);
    }
    return { rows: rows.map((r) => toCustomerSummary(r as CustomerRow)) };
  },

  'partners.customer.findDuplicates': async (ctx, input) => {
    let keys = { externalId: input.externalId ?? null, email: input.email ?? null, gln: input.gln ?? null };
    if (input.id) {
      const self = await getCustomerRow(ctx.db, input.id);
      keys = { externalId: keys.externalId ?? self.external_id ?? null, email: keys.email ?? self.email, gln: keys.gln ?? self.gln ?? null };
    }
    if (!keys.externalId && !keys.email && !keys.gln) return { rows: [] };
    const rows = await ctx.db
      .selectFrom('partner')
      .select(CUSTOMER_COLUMNS)
      .where('kind', '=', 'customer')
      .where('merged_into_id', 'is', null)
      .$if(!!input.id, (q) => q.where('id', '!=', input.id!))
      .where((eb) =>
        eb.or([
          ...(keys.externalId ? [eb('external_id', '=', keys.externalId)] : []),
          ...(keys.email ? [eb('email', '=', keys.email)] : []),
          ...(keys.gln ? [eb('gln', '=', keys.gln)] : []),
        ]),
      )
      .orderBy('created_at')
      .limit(100)
      .execute();
    return {
      rows: rows.map((r) => {
        const matchedBy: ('externalId' | 'email' | 'gln')[] = [];
        if (keys.externalId && r.external_id === keys.externalId) matchedBy.push('externalId');
        if (keys.email && r.email === keys.email) matchedBy.push('email');
        if (keys.gln && r.gln === keys.gln) matchedBy.push('gln');
        return { customer: toCustomerSummary(r as CustomerRow), matchedBy };
      }),
    };
  },

  'partners.customer.merge': async (ctx, input) => {
    if (input.keepId === input.mergeId) throw new DomainError('BUSINESS_RULE', 'Choose two different customers to merge');
    const keep = await getCustomerRow(ctx.db, input.keepId);
    const dup = await getCustomerRow(ctx.db, input.mergeId);
    if (dup.merged_into_id) throw new DomainError('BUSINESS_RULE', `${dup.code} "${dup.name}" was already merged into another customer`);
    if (keep.merged_into_id) throw new DomainError('BUSINESS_RULE', `${keep.code} "${keep.name}" was merged into another customer; keep that one instead`);
    const fill: Record<string, unknown> = {};
    const fieldsFilled: string[] = [];
    for (const { field, column } of FILLABLE) {
      if ((keep[column] ?? null) === null && (dup[column] ?? null) !== null) {
        fill[column] = dup[column];
        fieldsFilled.push(field);
      }
    }
    // The duplicate's identifiers move to the kept customer; the duplicate keeps none, so it is not found again.
    await ctx.db
      .updateTable('partner')
      .set({ active: 0, merged_into_id: keep.id, external_id: null, updated_at: ctx.now, version: dup.version + 1 })
      .where('id', '=', dup.id)
      .execute();
    const merged = { ...keep, ...fill } as CustomerRow;
    await ctx.db
      .updateTable('partner')
      .set({
        ...fill,
        search_text: customerSearchText({ code: merged.code, name: merged.name, legalName: merged.legal_name, email: merged.email, taxId: merged.tax_id, gln: merged.gln, externalId: merged.external_id }),
        updated_at: ctx.now,
        version: keep.version + 1,
      })
      .where('id', '=', keep.id)
      .execute();
    const moved = async (table: 'partner_address' | 'partner_contact' | 'sales_order' | 'invoice', extra: Record<string, unknown> = {}) => {
      const res = await ctx.db
        .updateTable(table)
        .set((eb) => ({ partner_id: keep.id, updated_at: ctx.now, version: eb('version', '+', 1), ...extra }))
        .where('partner_id', '=', dup.id)
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    };
    const addressesMoved = await moved('partner_address', { is_default: 0 });
    const contactsMoved = await moved('partner_contact');
    const ordersMoved = await moved('sales_order');
    const invoicesMoved = await moved('invoice');
    const contracts = await ctx.db.selectFrom('price_rule').select((eb) => eb.fn.countAll<number>().as('n')).where('partner_id', '=', dup.id).where('active', '=', 1).executeTakeFirstOrThrow();
    const parts = [
      fieldsFilled.length ? `filled ${fieldsFilled.join(', ')}` : null,
      addressesMoved ? `${addressesMoved} address(es)` : null,
      contactsMoved ? `${contactsMoved} contact(s)` : null,
      ordersMoved ? `${ordersMoved} order(s)` : null,
      invoicesMoved ? `${invoicesMoved} invoice(s)` : null,
    ].filter(Boolean);
    const contractNote = Number(contracts.n) > 0 ? `; ${Number(contracts.n)} contract price(s) still name ${dup.code}: move them in pricing` : '';
    const summary = `Merged ${dup.code} "${dup.name}" into ${keep.code} "${keep.name}"${parts.length ? `: ${parts.join(', ')}` : ''}; ${dup.code} is archived${contractNote}`;
    ctx.summarize(summary);
    const customer = await loadCustomer(ctx.db, keep.id);
    if (!customer) throw notFound('Customer');
    return { customer, mergedId: dup.id, fieldsFilled, addressesMoved, contactsMoved, ordersMoved, invoicesMoved, summary };
  },
});
