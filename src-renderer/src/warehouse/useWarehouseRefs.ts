import type { OutputOf } from '../../../src-shared/contract/index';
import { client } from '../rpc';
import { useEngineQuery } from '../ui/useEngineQuery';

export type Warehouse = OutputOf<'inventory.warehouse.list'>['rows'][number];
export type Location = OutputOf<'inventory.location.list'>['rows'][number];

const NONE = { warehouses: [] as Warehouse[], locations: [] as Location[] };

/** Warehouses and their internal locations (zones and bins), for pickers and labels. */
export function useWarehouseRefs() {
  const { data, error, reload } = useEngineQuery(
    async () => {
      const [w, l] = await Promise.all([client.call('inventory.warehouse.list', {}), client.call('inventory.location.list', { usage: 'internal' })]);
      return { warehouses: w.rows, locations: l.rows };
    },
    [],
    NONE,
  );
  return { ...data, error, reload };
}

/** Locations at or below `path` (a zone and its bins), in path order. */
export function locationsWithin(locations: Location[], path: string): Location[] {
  return locations.filter((l) => l.path === path || l.path.startsWith(`${path}/`));
}
