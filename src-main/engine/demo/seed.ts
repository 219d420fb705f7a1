import { sql } from 'kysely';
import { Faker, en } from '@faker-js/faker';
import { hashPassword, FAST_PARAMS } from '../auth/password';
import { searchTextOf } from '../catalog/products';
import type { CommandContext } from '../platform/context';
import type { Tx } from '../platform/db';
import { createWarehouseStructure } from '../inventory/locations';
import { createCompanyAndBranch } from '../system/company';
import { BRANDS, DEMO_CATEGORIES, GRADES, REGIONS, SIZES } from './catalog-data';
import { seedStockHistory } from './history';
import { alignStockHistory } from '../finance/close';
import { seedSalesDemo } from '../sales/demo';
import { seedServiceDemo } from '../service/seed';
import { seedReturnsDemo } from './returns';

/** Demo logins are printed on the login screen of a demo install; never use them for real data. */
export const DEMO_LOGINS = [
  { username: 'admin', password: 'demo-admin', roles: ['admin'], displayName: 'Ada Admin' },
  { username: 'clerk', password: 'demo-clerk', roles: ['clerk'], displayName: 'Carl Clerk' },
  { username: 'warehouse', password: 'demo-warehouse', roles: ['warehouse'], displayName: 'Wanda Warehouse' },
  { username: 'buyer', password: 'demo-buyer', roles: ['buyer'], displayName: 'Bruno Buyer' },
  { username: 'finance', password: 'demo-finance', roles: ['finance'], displayName: 'Fiona Finance' },
] as const;

export interface DemoSize {
  products: number;
  customers: number;
  vendors: number;
  historyMoves: number;
}

/** Catalog sizes; `historyMoves` is roughly how many stock moves 12 months of history make. */
export const DEMO_SIZES: Record<'small' | 'default' | 'large', DemoSize> = {
  small: { products: 500, customers: 50, vendors: 10, historyMoves: 5_000 },
  default: { products: 5_000, customers: 500, vendors: 50, historyMoves: 100_000 },
  large: { products: 5_000, customers: 500, vendors: 50, historyMoves: 1_000_000 },
};

/** An EAN-13 in the in-store range (prefix 20), unique per index, with a correct check digit. */
export function demoBarcode(index: number): string {
  const body = `20${String(index).padStart(10, '0')}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

async function insertInBatches<T extends Record<string, unknown>>(trx: Tx, table: 'product' | 'partner' | 'category' | 'vendor_profile', rows: T[], batch = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) {
    await trx.insertInto(table).values(rows.slice(i, i + batch) as never).execute();
  }
}

/**
 * Builds a believable distributor: company, branch B01, demo users, 2 warehouses,
 * 4 channels, ~40 categories, products, customers and vendors. The business content
 * (names, SKUs, prices, classes) is the same for the same seed; ids are fresh UUIDv7s.
 * Ends with 12 months of stock history and today's open work (history.ts); `onProgress`
 * reports the history's moves written so far.
 */
export async function seedDemoCompany(ctx: CommandContext, options: { seed: number; size?: DemoSize; onProgress?: (done: number, total: number) => void }) {
  const size = options.size ?? DEMO_SIZES.default;
  const f = new Faker({ locale: [en], seed: options.seed });
  await createCompanyAndBranch(ctx, { companyName: 'Northwind Wholesale Supply', branchCode: 'B01', branchName: 'Head Office', demo: true });
  const meta = () => ({ id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1 });

  for (const login of DEMO_LOGINS) {
    await ctx.db
      .insertInto('app_user')
      .values({
        ...meta(),
        username: login.username,
        display_name: login.displayName,
        password_hash: await hashPassword(login.password, FAST_PARAMS),
        roles: JSON.stringify(login.roles),
        active: 1,
      })
      .execute();
  }

  const uoms = [
    { code: 'EA', name: 'Each', kind: 'unit' },
    { code: 'BOX', name: 'Box', kind: 'unit' },
    { code: 'CS', name: 'Case', kind: 'unit' },
    { code: 'PAL', name: 'Pallet', kind: 'unit' },
    { code: 'KG', name: 'Kilogram', kind: 'weight' },
    { code: 'G', name: 'Gram', kind: 'weight' },
    { code: 'M', name: 'Metre', kind: 'length' },
    { code: 'CM', name: 'Centimetre', kind: 'length' },
    { code: 'L', name: 'Litre', kind: 'volume' },
    { code: 'ML', name: 'Millilitre', kind: 'volume' },
  ].map((u) => ({ ...meta(), ...u }));
  await ctx.db.insertInto('uom').values(uoms).execute();
  const uomId = (code: string) => uoms.find((u) => u.code === code)!.id;
  const general = [
    ['KG', 'G', 1000],
    ['M', 'CM', 100],
    ['L', 'ML', 1000],
    ['PAL', 'CS', 40],
  ] as const;
  await ctx.db
    .insertInto('uom_conversion')
    .values(general.map(([from, to, n]) => ({ ...meta(), product_id: null, from_uom_id: uomId(from), to_uom_id: uomId(to), numerator: n, denominator: 1 })))
    .execute();

  // WH1 runs the full flow (receive → put away; pick → pack → ship); WH2 is a 1-step depot.
  const warehouses = [
    { ...meta(), code: 'WH1', name: 'Central Distribution Centre', region: 'North', active: 1, reception_steps: 2, delivery_steps: 3, allow_negative: 0 },
    { ...meta(), code: 'WH2', name: 'South Depot', region: 'South', active: 1, reception_steps: 1, delivery_steps: 1, allow_negative: 0 },
  ];
  await ctx.db.insertInto('warehouse').values(warehouses).execute();
  for (const w of warehouses) await createWarehouseStructure(ctx, w);
  for (const w of warehouses) {
    const stock = await ctx.db.selectFrom('location').select(['id', 'path']).where('warehouse_id', '=', w.id).where('zone', '=', 'stock').executeTakeFirstOrThrow();
    const bins = [];
    for (const aisle of w.code === 'WH1' ? ['A', 'B', 'C', 'D'] : ['A', 'B']) {
      for (let rack = 1; rack <= 5; rack++) {
        for (let level = 1; level <= 3; level++) {
          const name = `${aisle}-${String(rack).padStart(2, '0')}-${level}`;
          bins.push({ ...meta(), warehouse_id: w.id, parent_id: stock.id, name, path: `${stock.path}/${name}`, usage: 'internal' as const, zone: 'stock' as const, active: 1 });
        }
      }
    }
    await ctx.db.insertInto('location').values(bins).execute();
  }
  await ctx.db
    .insertInto('channel')
    .values([
      { ...meta(), code: 'portal', name: 'B2B Portal', reservation_priority: 2, active: 1 },
      { ...meta(), code: 'rep', name: 'Sales Reps', reservation_priority: 3, active: 1 },
      { ...meta(), code: 'ecommerce', name: 'Web Store', reservation_priority: 4, active: 1 },
      { ...meta(), code: 'marketplace', name: 'Marketplace', reservation_priority: 5, active: 1 },
    ])
    .execute();

  const categoryNames = Object.keys(DEMO_CATEGORIES);
  const categories = categoryNames.map((name) => ({ ...meta(), name, parent_id: null }));
  await insertInBatches(ctx.db, 'category', categories);

  const products = [];
  const boxConversions = [];
  for (let i = 0; i < size.products; i++) {
    const catIndex = i % categories.length;
    const category = categories[catIndex]!;
    const nouns = DEMO_CATEGORIES[category.name]!;
    const name = `${f.helpers.arrayElement(BRANDS)} ${f.helpers.arrayElement(nouns)} ${f.helpers.arrayElement(GRADES)} ${f.helpers.arrayElement(SIZES)}`;
    const prefix = category.name.replace(/[^A-Za-z]/g, '').slice(0, 3).toUpperCase();
    const sku = `${prefix}-${String(10000 + i)}`;
    const cost = f.number.int({ min: 25, max: 40_000 });
    const list = Math.round((cost * f.number.int({ min: 125, max: 190 })) / 100);
    const barcode = f.number.int({ min: 0, max: 99 }) < 92 ? demoBarcode(i + 1) : null;
    const tracking = f.number.int({ min: 0, max: 99 }) < 8 ? (f.datatype.boolean() ? 'lot' : 'serial') : 'none';
    const row = { ...meta(), sku, name, category_id: category.id, uom_id: uomId('EA'), barcode, list_price_minor: list, cost_minor: cost, tracking, active: 1, search_text: searchTextOf({ sku, name, barcode }) };
    products.push(row);
    if (i % 5 === 0) {
      boxConversions.push({ ...meta(), product_id: row.id, from_uom_id: uomId('BOX'), to_uom_id: uomId('EA'), numerator: f.helpers.arrayElement([6, 10, 12, 24, 50]), denominator: 1 });
    }
  }
  await insertInBatches(ctx.db, 'product', products);
  for (let i = 0; i < boxConversions.length; i += 500) await ctx.db.insertInto('uom_conversion').values(boxConversions.slice(i, i + 500)).execute();

  const partners = [];
  for (let i = 0; i < size.customers; i++) {
    const roll = f.number.int({ min: 0, max: 99 });
    const customerClass = roll < 10 ? 'key_account' : roll < 80 ? 'regular' : 'consumer';
    partners.push({
      ...meta(),
      code: `C${String(10001 + i)}`,
      kind: 'customer' as const,
      name: customerClass === 'consumer' ? f.person.fullName() : f.company.name(),
      customer_class: customerClass as 'key_account' | 'regular' | 'consumer',
      region: f.helpers.arrayElement(REGIONS),
      email: f.internet.email().toLowerCase(),
      phone: f.phone.number({ style: 'international' }),
      tax_id: customerClass === 'consumer' ? null : `US${f.string.numeric(9)}`,
      credit_limit_minor: customerClass === 'key_account' ? 50_000_00 : customerClass === 'regular' ? f.helpers.arrayElement([5_000_00, 10_000_00, 20_000_00]) : 0,
      payment_terms_days: customerClass === 'consumer' ? 0 : f.helpers.arrayElement([14, 30, 45, 60]),
      lead_time_days: null,
      active: 1,
    });
  }
  for (let i = 0; i < size.vendors; i++) {
    partners.push({
      ...meta(),
      code: `V${String(501 + i)}`,
      kind: 'vendor' as const,
      name: `${f.company.name()} ${f.helpers.arrayElement(['Manufacturing', 'Industries', 'Supply Co.', 'Trading', 'Ltd'])}`,
      customer_class: null,
      region: f.helpers.arrayElement(REGIONS),
      email: f.internet.email().toLowerCase(),
      phone: f.phone.number({ style: 'international' }),
      tax_id: `US${f.string.numeric(9)}`,
      credit_limit_minor: null,
      payment_terms_days: f.helpers.arrayElement([30, 45, 60]),
      lead_time_days: f.number.int({ min: 2, max: 28 }),
      active: 1,
    });
  }
  await insertInBatches(ctx.db, 'partner', partners);
  // Each vendor's terms: purchasing lists, opens and buys from vendors through their profile.
  const profiles = partners
    .filter((p) => p.kind === 'vendor')
    // (Terms by position, not from the seeded faker: drawing here would change all the demo data after it.)
    .map((p, i) => ({ ...meta(), partner_id: p.id, currency: 'USD', min_order_qty: [1, 1, 10, 24][i % 4]!, order_multiple: [1, 6, 1, 12][i % 4]!, edi_enabled: 0, edi_id: null }));
  await insertInBatches(ctx.db, 'vendor_profile', profiles);
  await seedStockHistory(ctx, { seed: options.seed, size, onProgress: options.onProgress });
  await seedSalesDemo(ctx);
  await seedServiceDemo(ctx, { count: 1000, seed: options.seed });
  // Finance: the history's stock value at every month end, so the stock accounts equal the valuation from the start.
  await alignStockHistory(ctx);
  // Returns at every stage, on WH1 products and regular customers the open orders above do not use.
  const returnable = await sql<{ id: string; price: number; free: number }>`SELECT p.id, p.list_price_minor AS price, sum(s.on_hand - s.reserved) AS free
    FROM product p JOIN stock_level s ON s.product_id = p.id JOIN location l ON l.id = s.location_id JOIN warehouse w ON w.id = s.warehouse_id AND w.code = 'WH1'
    WHERE p.active = 1 AND p.tracking = 'none' AND p.list_price_minor BETWEEN 100 AND 40000 AND l.usage = 'internal'
    GROUP BY p.id, p.sku, p.list_price_minor HAVING sum(s.on_hand - s.reserved) >= 10 ORDER BY p.sku LIMIT 10`.execute(ctx.db);
  const regulars = await ctx.db.selectFrom('partner').select('id').where('kind', '=', 'customer').where('customer_class', '=', 'regular').where('active', '=', 1).orderBy('code', 'desc').limit(5).execute();
  await seedReturnsDemo(ctx, returnable.rows, regulars);
  return { products: size.products, customers: size.customers, vendors: size.vendors };
}
