import { useCallback, useRef } from 'react';
import type { OutputOf, PRODUCT_SORT } from '../../../src-shared/contract/index';
import { client } from '../rpc';
import { type PagedWindow, usePagedWindow } from '../ui/usePagedWindow';

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

/**
 * A window onto a product listing that can be 100,000 rows long (catalog.product.list by
 * offset/limit; filtering and sorting in the engine's SQL). A barcode-like query is first
 * looked up with catalog.product.byBarcode; a hit becomes the only row.
 */
export function useProductWindow(params: ProductListParams, pageSize = 200): PagedWindow<Product> & { barcodeHit: Product | null } {
  const key = JSON.stringify(params);
  /** The listing (key) whose first page was a barcode hit. */
  const hitKey = useRef<string | null>(null);
  const { query, categoryId, status, sort, dir } = params;
  const fetchPage = useCallback(
    async (offset: number, limit: number) => {
      const q = query.trim();
      if (offset === 0 && isBarcodeLike(q)) {
        const hit = await client.call('catalog.product.byBarcode', { barcode: q });
        hitKey.current = hit ? key : null;
        if (hit) return { rows: [hit], total: 1 };
      } else if (offset === 0) hitKey.current = null;
      return client.call('catalog.product.list', { query: q.slice(0, 100), ...(categoryId ? { categoryId } : {}), status, sort, dir, offset, limit });
    },
    [key, query, categoryId, status, sort, dir],
  );
  const list = usePagedWindow<Product>(key, fetchPage, pageSize);
  return { ...list, barcodeHit: hitKey.current === key ? (list.rowAt(0) ?? null) : null };
}
