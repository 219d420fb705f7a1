import { Alert, Center, Loader, Text } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconArrowsSort } from '@tabler/icons-react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, type ReactNode, forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import type { Sorting } from './useSort';
import type { PagedWindow } from './usePagedWindow';

export const ROW_HEIGHT = 30;
const HEADER_HEIGHT = 30;

export interface Column<Row, Sort extends string = string> {
  id: string;
  label: string;
  /** A CSS grid track: '128px', 'minmax(220px, 3fr)'. */
  width: string;
  /** The engine's sort key, when the column sorts. */
  sort?: Sort;
  num?: boolean;
  mono?: boolean;
  render(row: Row): ReactNode;
}

export interface VirtualTableHandle {
  focus(): void;
  scrollToIndex(index: number): void;
}

/** What the table reads from its listing (usePagedWindow gives all of it). */
export type TableSource<Row> = Pick<PagedWindow<Row>, 'total' | 'loading' | 'error' | 'rowAt' | 'ensureRange' | 'selected' | 'setSelected'>;

interface Props<Row, Sort extends string> {
  /** The grid's accessible name; also the prefix of row ids. */
  label: string;
  columns: Column<Row, Sort>[];
  source: TableSource<Row>;
  sorting?: Sorting<Sort>;
  onOpen?(row: Row, index: number): void;
  emptyText: string;
  rowClass?(row: Row): string | undefined;
  testId?: string;
}

/**
 * A large engine-paged listing as a grid virtualized with TanStack Virtual: only the rows in
 * view (plus a few) exist in the DOM, rows not fetched yet are placeholders until their page
 * arrives, sorting is a request to the engine. Keyboard: ↑/↓, PageUp/PageDown, Home/End move
 * the selection; Enter (or a double click) opens the selected row.
 */
function VirtualTableInner<Row, Sort extends string>(props: Props<Row, Sort>, ref: React.ForwardedRef<VirtualTableHandle>) {
  const { columns, source, sorting, onOpen } = props;
  const { total, rowAt, ensureRange, selected, setSelected } = source;
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = total ?? 0;
  const virtualizer = useVirtualizer({ count, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12, scrollMargin: HEADER_HEIGHT, scrollPaddingStart: HEADER_HEIGHT });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  // Ask for the rows in view once the view settles for a moment, so a fast fling through
  // 100,000 rows does not fetch every page it passes.
  useEffect(() => {
    if (count === 0) return;
    const timer = setTimeout(() => ensureRange(first, last), 40);
    return () => clearTimeout(timer);
  }, [first, last, count, ensureRange]);

  useImperativeHandle(ref, () => ({ focus: () => scrollRef.current?.focus(), scrollToIndex: (i: number) => virtualizer.scrollToIndex(i, { align: 'auto' }) }), [virtualizer]);

  function move(to: number) {
    if (count === 0) return;
    const next = Math.max(0, Math.min(count - 1, to));
    setSelected(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 300) / ROW_HEIGHT) - 1);
    const at = selected < 0 ? 0 : selected;
    const handled: Record<string, () => void> = {
      ArrowDown: () => move(selected < 0 ? 0 : selected + 1),
      ArrowUp: () => move(selected < 0 ? 0 : selected - 1),
      PageDown: () => move(at + page),
      PageUp: () => move(at - page),
      Home: () => move(0),
      End: () => move(count - 1),
      Enter: () => {
        const r = selected >= 0 ? rowAt(selected) : undefined;
        if (r && onOpen) onOpen(r, selected);
      },
    };
    const action = handled[e.key];
    if (action && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      action();
    }
  }

  const idBase = props.label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <div className="bl-grid" style={{ ['--bl-cols' as string]: columns.map((c) => c.width).join(' ') }} data-testid={props.testId}>
      <div
        ref={scrollRef}
        className="bl-grid-scroll"
        role="grid"
        aria-label={props.label}
        aria-rowcount={count + 1}
        aria-colcount={columns.length}
        aria-activedescendant={selected >= 0 && rowAt(selected) ? `${idBase}-row-${selected}` : undefined}
        aria-busy={source.loading}
        tabIndex={0}
        onKeyDown={onKeyDown}
      >
        <div className="bl-grid-head" role="row" aria-rowindex={1} style={{ position: 'sticky', top: 0, zIndex: 2 }}>
          {columns.map((c) => {
            const active = c.sort && c.sort === sorting?.sort;
            return (
              <div key={c.id} role="columnheader" className={c.num ? 'bl-num' : undefined} aria-sort={active ? (sorting?.dir === 'asc' ? 'ascending' : 'descending') : c.sort ? 'none' : undefined}>
                {c.sort && sorting ? (
                  <button type="button" className="bl-sort" onClick={() => sorting.onSort(c.sort!)} title={`Sort by ${c.label.toLowerCase()}`}>
                    {c.label}
                    {active ? sorting.dir === 'asc' ? <IconArrowUp size={12} /> : <IconArrowDown size={12} /> : <IconArrowsSort size={12} opacity={0.35} />}
                  </button>
                ) : (
                  c.label
                )}
              </div>
            );
          })}
        </div>
        {source.error && (
          <Alert color="red" m="md" title="The list could not be loaded">
            {source.error}
          </Alert>
        )}
        {source.loading && (
          <Center p="xl">
            <Loader size="sm" />
          </Center>
        )}
        {!source.loading && !source.error && count === 0 && (
          <Center p="xl">
            <Text c="dimmed" size="sm">
              {props.emptyText}
            </Text>
          </Center>
        )}
        <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const r = rowAt(item.index);
            const extra = r && props.rowClass ? props.rowClass(r) : undefined;
            return (
              <div
                key={item.key}
                id={`${idBase}-row-${item.index}`}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={item.index === selected}
                data-index={item.index}
                className={extra ? `bl-grid-row ${extra}` : 'bl-grid-row'}
                style={{ transform: `translateY(${item.start - HEADER_HEIGHT}px)` }}
                onClick={() => setSelected(item.index)}
                onDoubleClick={() => r && onOpen?.(r, item.index)}
              >
                {columns.map((c) => (
                  <div key={c.id} role="gridcell" className={[c.num ? 'bl-num' : '', c.mono ? 'bl-mono' : ''].join(' ').trim() || undefined}>
                    {r ? c.render(r) : <div className="bl-skeleton" style={{ width: c.num ? '60%' : '80%', marginLeft: c.num ? 'auto' : 0 }} />}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

export const VirtualTable = forwardRef(VirtualTableInner) as <Row, Sort extends string = string>(props: Props<Row, Sort> & { ref?: React.Ref<VirtualTableHandle> }) => ReturnType<typeof VirtualTableInner>;
