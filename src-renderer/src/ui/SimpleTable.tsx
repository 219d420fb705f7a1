import { Text } from '@mantine/core';
import type { ReactNode } from 'react';

export interface TableColumn<Row> {
  id: string;
  label: ReactNode;
  num?: boolean;
  mono?: boolean;
  /** Width in px. */
  width?: number;
  /** A test id on every cell of the column. */
  testId?: string;
  render(row: Row, index: number): ReactNode;
}

interface Props<Row> {
  /** The table's accessible name. */
  label: string;
  columns: TableColumn<Row>[];
  rows: readonly Row[];
  rowKey(row: Row, index: number): string;
  onRowClick?(row: Row): void;
  rowTestId?(row: Row): string | undefined;
  rowClass?(row: Row): string | undefined;
  /** Shown in a single row when there are no rows. */
  empty?: ReactNode;
  /** Leave out the header row (a short list under a panel heading). */
  noHead?: boolean;
  /** `wh-table` (dense, from warehouse.css) unless told otherwise. */
  className?: string;
}

const cellClass = (c: { num?: boolean; mono?: boolean }) => [c.num ? 'bl-num' : '', c.mono ? 'bl-mono' : ''].join(' ').trim() || undefined;

/** A short list that fits on the page (a document's lines, a panel's rows) as a plain, accessible table. */
export function SimpleTable<Row>({ label, columns, rows, rowKey, onRowClick, rowTestId, rowClass, empty, noHead, className = 'wh-table' }: Props<Row>) {
  return (
    <table className={className} aria-label={label}>
      {!noHead && (
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.id} className={c.num ? 'bl-num' : undefined} style={c.width ? { width: c.width } : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
      )}
      <tbody>
        {rows.map((r, i) => (
          <tr key={rowKey(r, i)} className={rowClass?.(r)} data-testid={rowTestId?.(r)} style={onRowClick ? { cursor: 'pointer' } : undefined} onClick={onRowClick ? () => onRowClick(r) : undefined}>
            {columns.map((c) => (
              <td key={c.id} className={cellClass(c)} data-testid={c.testId}>
                {c.render(r, i)}
              </td>
            ))}
          </tr>
        ))}
        {rows.length === 0 && empty && (
          <tr>
            <td colSpan={columns.length}>
              <Text size="sm" c="dimmed" ta="center" py="sm">
                {empty}
              </Text>
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
