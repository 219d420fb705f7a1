import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { messageOf } from '../rpc';

/** One page of an engine listing (every `*.list` method answers at least this). */
export interface Page<Row> {
  rows: Row[];
  total: number;
}

/** What a virtualized table needs from a listing: a count, rows by index, and a way to ask for more. */
export interface PagedWindow<Row> {
  /** null until the first page arrived. */
  total: number | null;
  error: string | null;
  loading: boolean;
  rowAt(index: number): Row | undefined;
  /** The table shows rows start..end: fetch the pages they are on (only those not fetched yet). */
  ensureRange(start: number, end: number): void;
  /** Refetch in place (something changed): what is shown stays until the new rows arrive. */
  reload(): Promise<void>;
  /** Puts a changed row in place without refetching (after a save). */
  patch(isSame: (row: Row) => boolean, next: Row): void;
  /** The selected row's index, -1 for none; back to none whenever the listing (key) changes. */
  selected: number;
  setSelected(index: number): void;
}

interface State<Row> {
  gen: number;
  pages: Map<number, { gen: number; rows: Row[] }>;
  inflight: Set<string>;
  total: number | null;
  error: string | null;
  range: [number, number];
}

/**
 * A window onto a listing the engine pages (offset/limit) that can be 100,000 rows long: pages
 * are fetched as the table asks for rows and refetched from scratch when `key` (the filters and
 * sort) changes. Filtering and sorting happen in the engine's SQL; this only holds the pages it
 * was given. A soft reload keeps the rows on screen (marked stale) and refetches what is in view.
 */
export function usePagedWindow<Row>(key: string, fetchPage: (offset: number, limit: number) => Promise<Page<Row>>, pageSize = 100): PagedWindow<Row> {
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  const [selected, setSelected] = useState(-1);
  const state = useRef<State<Row>>({ gen: 0, pages: new Map(), inflight: new Set(), total: null, error: null, range: [0, 0] });
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const fetchOne = useCallback(
    async (index: number, gen: number) => {
      const s = state.current;
      const tag = `${gen}:${index}`;
      if (s.inflight.has(tag)) return;
      s.inflight.add(tag);
      try {
        const res = await fetchRef.current(index * pageSize, pageSize);
        if (s.gen !== gen) return;
        s.pages.set(index, { gen, rows: res.rows });
        s.total = res.total;
        s.error = null;
      } catch (e) {
        if (s.gen !== gen) return;
        s.error = messageOf(e);
      } finally {
        s.inflight.delete(tag);
        if (s.gen === gen) rerender();
      }
    },
    [pageSize],
  );

  const ensureRange = useCallback(
    (start: number, end: number) => {
      const s = state.current;
      s.range = [start, end];
      const last = s.total === null ? 0 : Math.max(0, Math.ceil(s.total / pageSize) - 1);
      for (let i = Math.floor(Math.max(0, start) / pageSize); i <= Math.min(last, Math.floor(Math.max(0, end) / pageSize)); i++) {
        const page = s.pages.get(i);
        if (!page || page.gen !== s.gen) void fetchOne(i, s.gen);
      }
    },
    [fetchOne, pageSize],
  );

  /** From scratch (new filters) or in place (something changed). */
  const load = useCallback(
    async (hard: boolean) => {
      const s = state.current;
      s.gen++;
      if (hard) {
        s.pages.clear();
        s.total = null;
        s.range = [0, 0];
      }
      s.error = null;
      rerender();
      if (s.total === null) await fetchOne(0, s.gen);
      else ensureRange(s.range[0], s.range[1]);
    },
    [ensureRange, fetchOne],
  );

  useEffect(() => {
    setSelected(-1);
    void load(true);
  }, [key, load]);

  const rowAt = useCallback((i: number): Row | undefined => state.current.pages.get(Math.floor(i / pageSize))?.rows[i % pageSize], [pageSize]);
  const reload = useCallback(() => load(false), [load]);
  const patch = useCallback((isSame: (row: Row) => boolean, next: Row) => {
    for (const page of state.current.pages.values()) {
      const at = page.rows.findIndex(isSame);
      if (at >= 0) page.rows[at] = next;
    }
    rerender();
  }, []);

  const s = state.current;
  return { total: s.total, error: s.error, loading: s.total === null && !s.error, rowAt, ensureRange, reload, patch, selected, setSelected };
}
