import { Pagination } from '@mantine/core';
import { type DependencyList, useEffect, useRef, useState } from 'react';
import { type EngineQuery, useEngineQuery } from './useEngineQuery';

/**
 * One page of a short engine listing shown with a pager (counts, waves): page n of `limit`
 * rows, back to the first page when `deps` (the filters) change.
 */
export function usePagedQuery<T extends { total: number }>(fetch: (offset: number, limit: number) => Promise<T>, deps: DependencyList, limit = 50): EngineQuery<T | null> & { page: number; setPage(page: number): void; limit: number } {
  const [page, setPage] = useState(1);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else setPage(1);
  }, deps);
  const query = useEngineQuery(() => fetch((page - 1) * limit, limit), [page, limit, ...deps]);
  return { ...query, page, setPage, limit };
}

/** Page links under a short listing, only when there is more than one page. */
export function Pager({ query }: { query: { data: { total: number } | null; page: number; setPage(page: number): void; limit: number } }) {
  const total = query.data?.total ?? 0;
  if (total <= query.limit) return null;
  return <Pagination mt="xs" size="sm" total={Math.ceil(total / query.limit)} value={query.page} onChange={query.setPage} />;
}
