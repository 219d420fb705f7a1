import type { OutputOf } from '../../../src-shared/contract/index';
import { client } from '../rpc';
import { useEngineQuery } from '../ui/useEngineQuery';

export type Category = OutputOf<'catalog.category.list'>['rows'][number];
export type UomList = OutputOf<'catalog.uom.list'>;
export type Uom = UomList['uoms'][number];

const NONE = { categories: [] as Category[], uoms: [] as Uom[] };

/** Categories and units of measure, for pickers and labels. */
export function useCatalogRefs() {
  const { data, error, reload } = useEngineQuery(
    async () => {
      const [c, u] = await Promise.all([client.call('catalog.category.list', {}), client.call('catalog.uom.list', {})]);
      return { categories: c.rows, uoms: u.uoms };
    },
    [],
    NONE,
  );
  return { ...data, error, reload };
}
