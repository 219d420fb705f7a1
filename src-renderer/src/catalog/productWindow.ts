import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { OutputOf, PRODUCT_SORT } from '../../../src-shared/contract/index';
import { client, messageOf } from '../rpc';

export type Product = OutputOf<'catalog.product.get'>;
export type ProductSort = (typeof PRODUCT_SORT)[number];

export interface ProductListParams {
  query: string;
  categoryId: string | null;
  status: 'active' | 'archived' | 'all';
  sort: ProductSort;
  dir: 'asc' | 'desc';
}

/** All digits, 8 to 14 long: what a scanner types. Looked up by exact barcode first. */
export function isBarcodeLike(text: string): boolean {
  return /^\d{8,14}$/.test(text.trim());
}

interface State {
  key: string;
  gen: number;
  pages: Map<number, { gen: number; rows: Product[] }>;
  inflight: Set<string>;
  total: number | null;
  barcodeHit: Product | null;
  error: string | null;
  range: [number, number];
}

/**
 * A window onto a product listing that can be 100,000 rows long: rows are fetched from
 * catalog.product.list by offset/limit as the grid asks for them; filtering and sorting
 * happen in the engine's SQL, never here. A barcode-like query is first looked up with
 * catalog.product.byBarcode; a hit becomes the only row.
 */
export function useProductWindow(params: ProductListParams, pageSize = 200) {
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  const state = useRef<State>({ key: '', gen: 0, pages: new Map(), inflight: new Set(), total: null, barcodeHit: null, error: null, range: [0, 0] });
  const paramsRef = useRef(params);
  paramsRef.current = params;
  const key = JSON.stringify(params);

  const fetchPage = useCallback(
    async (index: number, gen: number) => {
      const s = state.current;
      const tag = `${gen}:${index}`;
      if (s.inflight.has(tag)) return;
      s.inflight.add(tag);
      const p = paramsRef.current;
      try {
        const res = await client.call('catalog.product.list', {
          query: p.query.trim().slice(0, 100),
          ...(p.categoryId ? { categoryId: p.categoryId } : {}),
          status: p.status,
          sort: p.sort,
          dir: p.dir,
          offset: index * pageSize,
          limit: pageSize,
        });
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
      if (s.barcodeHit) return;
      const last = s.total === null ? 0 : Math.max(0, Math.ceil(s.total / pageSize) - 1);
      for (let i = Math.floor(Math.max(0, start) / pageSize); i <= Math.min(last, Math.floor(Math.max(0, end) / pageSize)); i++) {
        const page = s.pages.get(i);
        if (!page || page.gen !== s.gen) void fetchPage(i, s.gen);
      }
    },
    [fetchPage, pageSize],
  );

  /** Loads from scratch (hard) or refreshes what is shown while keeping it on screen (soft). */
  const load = useCallback(
    async (hard: boolean) => {
      const s = state.current;
      s.gen++;
      const gen = s.gen;
      if (hard) {
        s.pages.clear();
        s.total = null;
        s.range = [0, 0];
        s.barcodeHit = null;
      }
      s.error = null;
      rerender();
      const q = paramsRef.current.query;
      const wasHit = !!s.barcodeHit;
      if (isBarcodeLike(q)) {
        try {
          const hit = await client.call('catalog.product.byBarcode', { barcode: q.trim() });
          if (s.gen !== gen) return;
          s.barcodeHit = hit;
          if (hit) {
            s.total = 1;
            rerender();
            return;
          }
          if (wasHit) {
            s.total = null;
            s.pages.clear();
          }
        } catch (e) {
          if (s.gen !== gen) return;
          s.error = messageOf(e);
        }
      } else s.barcodeHit = null;
      if (s.total === null) await fetchPage(0, gen);
      else ensureRange(s.range[0], s.range[1]);
    },
    [ensureRange, fetchPage],
  );

  useEffect(() => {
    state.current.key = key;
    void load(true);
  }, [key, load]);

  const s = state.current;
  const rowAt = useCallback(
    (i: number): Product | undefined => {
      const st = state.current;
      if (st.barcodeHit) return i === 0 ? st.barcodeHit : undefined;
      return st.pages.get(Math.floor(i / pageSize))?.rows[i % pageSize];
    },
    [pageSize],
  );

  return {
    total: s.total,
    error: s.error,
    barcodeHit: s.barcodeHit,
    loading: s.total === null && !s.error,
    rowAt,
    ensureRange,
    reload: useCallback(() => load(false), [load]),
    /** Put a changed product in place without refetching (after save, archive, restore). */
    patch: useCallback((p: Product) => {
      const st = state.current;
      if (st.barcodeHit?.id === p.id) st.barcodeHit = p;
      for (const page of st.pages.values()) {
        const at = page.rows.findIndex((r) => r.id === p.id);
        if (at >= 0) page.rows[at] = p;
      }
      rerender();
    }, []),
  };
}
