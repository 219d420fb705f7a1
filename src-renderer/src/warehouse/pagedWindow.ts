import { useCallback, useEffect, useReducer, useRef } from 'react';
import { messageOf } from '../rpc';

export interface Page<Row> {
  rows: Row[];
  total: number;
}

interface State<Row> {
  gen: number;
  pages: Map<number, Row[]>;
  inflight: Set<string>;
  total: number | null;
  error: string | null;
  range: [number, number];
}

/**
 * A window onto a listing the engine pages (offset/limit): pages are fetched as the grid asks
 * for rows, and refetched from scratch when `key` (the filters and sort) changes. Filtering
 * and sorting happen in the engine's SQL; this only holds the pages it was given.
 */
export function usePagedWindow<Row>(key: string, fetchPage: (offset: number, limit: number) => Promise<Page<Row>>, pageSize = 100) {
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  const state = useRef<State<Row>>({ gen: 0, pages: new Map(), inflight: new Set(), total: null, error: null, range: [0, 0] });
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback(
    async (index: number, gen: number) => {
      const s = state.current;
      const tag = `${gen}:${index}`;
      if (s.inflight.has(tag)) return;
      s.inflight.add(tag);
      try {
        const res = await fetchRef.current(index * pageSize, pageSize);
        if (s.gen !== gen) return;
        s.pages.set(index, res.rows);
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
        if (!s.pages.has(i)) void load(i, s.gen);
      }
    },
    [load, pageSize],
  );

  /** From scratch (new filters) or in place (something changed; what is shown stays until the new rows arrive). */
  const reload = useCallback(
    async (hard: boolean) => {
      const s = state.current;
      s.gen++;
      const gen = s.gen;
      if (hard) {
        s.pages.clear();
        s.total = null;
        s.range = [0, 0];
        s.error = null;
        rerender();
        await load(0, gen);
        return;
      }
      const [start, end] = s.range;
      const first = Math.floor(start / pageSize);
      const last = Math.floor(end / pageSize);
      const fresh = new Map<number, Row[]>();
      for (let i = first; i <= last; i++) {
        try {
          const res = await fetchRef.current(i * pageSize, pageSize);
          if (s.gen !== gen) return;
          fresh.set(i, res.rows);
          s.total = res.total;
        } catch (e) {
          if (s.gen !== gen) return;
          s.error = messageOf(e);
        }
      }
      s.pages = fresh;
      rerender();
    },
    [load, pageSize],
  );

  useEffect(() => {
    void reload(true);
  }, [key, reload]);

  const rowAt = useCallback((i: number): Row | undefined => state.current.pages.get(Math.floor(i / pageSize))?.[i % pageSize], [pageSize]);
  const s = state.current;
  return {
    total: s.total,
    error: s.error,
    loading: s.total === null && !s.error,
    rowAt,
    ensureRange,
    reload: useCallback(() => reload(false), [reload]),
  };
}
