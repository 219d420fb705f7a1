import { Badge } from '@mantine/core';
import type { Column } from './VirtualTable';

/** A list's State column, sorted by the engine: each state as a dot badge in its colour. */
export function stateColumn<S extends string, R extends { state: S }>(width: string, colors: Record<S, string>, labels: Record<S, string>): Column<R, 'state'> {
  return {
    id: 'state',
    label: 'State',
    width,
    sort: 'state',
    render: (r) => (
      <Badge color={colors[r.state]} variant="dot" fw={500}>
        {labels[r.state]}
      </Badge>
    ),
  };
}
