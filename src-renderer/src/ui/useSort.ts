import { useState } from 'react';

export type SortDir = 'asc' | 'desc';

/** A listing's sort as a table shows and changes it. */
export interface Sorting<Sort extends string> {
  sort: Sort;
  dir: SortDir;
  /** A click on a column: the same column flips the direction, another starts at its own. */
  onSort(sort: Sort): void;
}

/** The next sort after a click on `column` (same column: flip; another: its starting direction). */
export function nextSort<Sort extends string>(current: { sort: Sort; dir: SortDir }, column: Sort, startDir: (sort: Sort) => SortDir = () => 'asc'): { sort: Sort; dir: SortDir } {
  if (column === current.sort) return { sort: column, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { sort: column, dir: startDir(column) };
}

/** Sort state for an engine-sorted table. `startDir` says how a newly chosen column starts. */
export function useSort<Sort extends string>(initial: Sort, initialDir: SortDir = 'asc', startDir?: (sort: Sort) => SortDir): Sorting<Sort> {
  const [state, setState] = useState({ sort: initial, dir: initialDir });
  return { ...state, onSort: (column) => setState((s) => nextSort(s, column, startDir)) };
}
