import { Kbd } from '@mantine/core';
import { Fragment, type ReactNode } from 'react';
import type { SortDir } from './useSort';

/** A keyboard hint: the keys, then what they do ("↑ ↓ move"). */
export type Hint = [keys: string[], what: string];

export const MOVE_HINT: Hint = [['↑', '↓'], 'move'];
export const SEARCH_HINT: Hint = [['/'], 'search'];

/** "Row 12 of 5,000", or "No row selected". */
export function rowStatus(selected: number, total: number | null): string {
  return selected >= 0 && total ? `Row ${(selected + 1).toLocaleString('en-US')} of ${total.toLocaleString('en-US')}` : 'No row selected';
}

interface Props {
  /** The selection, for "Row n of N". */
  position?: { selected: number; total: number | null };
  /** The sort in words ("name"), with its direction. */
  sorted?: { label: string; dir: SortDir };
  /** Anything else worth knowing about the listing. */
  note?: ReactNode;
  hints: Hint[];
  testId?: string;
}

/** The status line under a table: where the selection is, how it is sorted, which keys work. */
export function GridFooter({ position, sorted, note, hints, testId }: Props) {
  return (
    <div className="bl-grid-foot" aria-live="polite" data-testid={testId}>
      {position && <span>{rowStatus(position.selected, position.total)}</span>}
      {(sorted || note) && (
        <span>
          {sorted && `Sorted by ${sorted.label} (${sorted.dir === 'asc' ? 'ascending' : 'descending'})`}
          {sorted && note ? ' · ' : null}
          {note}
        </span>
      )}
      <div style={{ flex: 1 }} />
      <span>
        {hints.map(([keys, what], i) => (
          <Fragment key={what}>
            {i > 0 && ' · '}
            {keys.map((k, j) => (
              <Fragment key={k}>
                {j > 0 && ' '}
                <Kbd size="xs">{k}</Kbd>
              </Fragment>
            ))}{' '}
            {what}
          </Fragment>
        ))}
      </span>
    </div>
  );
}
