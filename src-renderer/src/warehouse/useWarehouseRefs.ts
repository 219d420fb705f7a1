import { useCallback, useEffect, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { client, messageOf } from '../rpc';

export type Warehouse = OutputOf<'inventory.warehouse.list'>['rows'][number];
export type Location = OutputOf<'inventory.location.list'>['rows'][number];

/** Warehouses and their internal locations (zones and bins), for pickers and labels. */
export function useWarehouseRefs() {
  const [warehouses, setWarehouses] = useState<Warehouse[]>([]);
  const [locations, setLocations] = useState<Location[]>([]);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      const [w, l] = await Promise.all([client.call('inventory.warehouse.list', {}), client.call('inventory.location.list', { usage: 'internal' })]);
      setWarehouses(w.rows);
      setLocations(l.rows);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { warehouses, locations, error, reload };
}

/** Locations at or below `path` (a zone and its bins), in path order. */
export function locationsWithin(locations: Location[], path: string): Location[] {
  return locations.filter((l) => l.path === path || l.path.startsWith(`${path}/`));
}
