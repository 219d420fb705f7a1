import { useCallback, useEffect, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { client } from '../rpc';

export type Category = OutputOf<'catalog.category.list'>['rows'][number];
export type UomList = OutputOf<'catalog.uom.list'>;
export type Uom = UomList['uoms'][number];

/** Categories and units of measure, for pickers and labels. */
export function useCatalogRefs() {
  const [categories, setCategories] = useState<Category[]>([]);
  const [uoms, setUoms] = useState<Uom[]>([]);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      const [c, u] = await Promise.all([client.call('catalog.category.list', {}), client.call('catalog.uom.list', {})]);
      setCategories(c.rows);
      setUoms(u.uoms);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { categories, uoms, error, reload };
}
