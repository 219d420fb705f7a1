import { sql } from 'kysely';
import type { Db } from '../platform/db';

/**
 * What a product listing remembers between page requests while the database is unchanged.
 *
 * A virtualized list asks for pages anywhere in 100,000 rows, and every request also wants the
 * total. OFFSET makes SQLite step through every skipped index entry (~5 ms at 90,000 deep) and
 * count(*) walks them all again (~1.7 ms). While nothing has been written — the same
 * `data_version` (other connections' commits) and `total_changes()` (this connection's writes) —
 * the total is reused, and so are the sort keys found at every STEP-th position: a deep page
 * seeks to the nearest known key through the index and skips fewer than STEP entries.
 * Any write anywhere forgets everything; the cache is a speed-up, never a second truth.
 */
export const POSITION_STEP = 1_000;
const MAX_LISTINGS = 32;

/** The sort key of the row at a position: the sort column's value and the id that breaks ties. */
export interface SortKey {
  value: string;
  id: string;
}

interface Listing {
  total: number | null;
  keys: Map<number, SortKey>;
}

interface Memory {
  stamp: string;
  listings: Map<string, Listing>;
}

const memories = new WeakMap<object, Memory>();

async function dataStamp(db: Db): Promise<string> {
  const r = await sql<{ c: number; v: number }>`SELECT total_changes() AS c, (SELECT data_version FROM pragma_data_version) AS v`.execute(db);
  const row = r.rows[0]!;
  return `${row.c}:${row.v}`;
}

/** The remembered facts of one listing (filters + sort), valid for the database as it is now. */
export async function listingMemory(db: Db, listingKey: string): Promise<Listing> {
  const stamp = await dataStamp(db);
  let memory = memories.get(db);
  if (!memory || memory.stamp !== stamp) memories.set(db, (memory = { stamp, listings: new Map() }));
  let listing = memory.listings.get(listingKey);
  if (!listing) {
    if (memory.listings.size >= MAX_LISTINGS) memory.listings.delete(memory.listings.keys().next().value!);
    memory.listings.set(listingKey, (listing = { total: null, keys: new Map() }));
  }
  return listing;
}

/** The highest remembered position at or below `offset` (0 when none: start from the top). */
export function nearestKnown(listing: Listing, offset: number): { position: number; key: SortKey | null } {
  for (let position = Math.floor(offset / POSITION_STEP) * POSITION_STEP; position > 0; position -= POSITION_STEP) {
    const key = listing.keys.get(position);
    if (key) return { position, key };
  }
  return { position: 0, key: null };
}
