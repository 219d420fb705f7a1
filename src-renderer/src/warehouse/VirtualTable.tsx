import { Alert, Center, Loader, Text } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconArrowsSort } from '@tabler/icons-react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, type ReactNode, forwardRef, useEffect, useImperativeHandle, useRef } from 'react';

export const ROW_HEIGHT = 30;
const HEADER_HEIGHT = 30;

export interface Column<Row, Sort extends string = string> {
  id: string;
  label: string;
  width: string;
  sort?: Sort;
  num?: boolean;
  mono?: boolean;
  render(row: Row): ReactNode;
}

export interface VirtualTableHandle {
  focus(): void;
  scrollToIndex(index: number): void;
}

interface Props<Row, Sort extends string> {
  label: string;
  columns: Column<Row, Sort>[];
  total: number | null;
  loading: boolean;
  error: string | null;
  rowAt(index: number): Row | undefined;
  ensureRange(start: number, end: number): void;
  sort?: Sort;
  dir?: 'asc' | 'desc';
  onSort?(sort: Sort): void;
  selected: number;
  onSelect(index: number): void;
  onOpen?(row: Row, index: number): void;
  emptyText: string;
  rowClass?(row: Row): string | undefined;
  testId?: string;
}

/**
 * A large engine-paged listing as a grid virtualized with TanStack Virtual: only the rows in
 * view exist in the DOM, rows not fetched yet are placeholders, sorting is a request to the
 * engine. Keyboard: ↑/↓, PageUp/PageDown, Home/End move; Enter opens.
 */
function VirtualTableInner<Row, Sort extends string>(props: Props<Row, Sort>, ref: React.ForwardedRef<VirtualTableHandle>) {
  const { total, rowAt, ensureRange, selected, onSelect, onOpen, columns } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = total ?? 0;
  const virtualizer = useVirtualizer({ count, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12, scrollMargin: HEADER_HEIGHT, scrollPaddingStart: HEADER_HEIGHT });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    if (count === 0) return;
    const timer = setTimeout(() => ensureRange(first, last), 40);
    return () => clearTimeout(timer);
  }, [first, last, count, ensureRange]);

  useImperativeHandle(ref, () => ({ focus: () => scrollRef.current?.focus(), scrollToIndex: (i: number) => virtualizer.scrollToIndex(i, { align: 'auto' }) }), [virtualizer]);

  function move(to: number) {
    if (count === 0) return;
    const next = Math.max(0, Math.min(count - 1, to));
    onSelect(next);
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
        aria-busy={props.loading}
        tabIndex={0}
        onKeyDown={onKeyDown}
      >
        <div className="bl-grid-head" role="row" aria-rowindex={1} style={{ position: 'sticky', top: 0, zIndex: 2 }}>
          {columns.map((c) => {
            const active = c.sort && c.sort === props.sort;
            return (
              <div key={c.id} role="columnheader" className={c.num ? 'bl-num' : undefined} aria-sort={active ? (props.dir === 'asc' ? 'ascending' : 'descending') : c.sort ? 'none' : undefined}>
                {c.sort && props.onSort ? (
                  <button type="button" className="bl-sort" onClick={() => props.onSort!(c.sort!)} title={`Sort by ${c.label.toLowerCase()}`}>
                    {c.label}
                    {active ? props.dir === 'asc' ? <IconArrowUp size={12} /> : <IconArrowDown size={12} /> : <IconArrowsSort size={12} opacity={0.35} />}
                  </button>
                ) : (
                  c.label
                )}
              </div>
            );
          })}
        </div>
        {props.error && (
          <Alert color="red" m="md" title="The list could not be loaded">
            {props.error}
          </Alert>
        )}
        {props.loading && (
          <Center p="xl">
            <Loader size="sm" />
          </Center>
        )}
        {!props.loading && !props.error && count === 0 && (
          <Center p="xl">
            <Text c="dimmed" size="sm">
              {props.emptyText}
            </Text>
          </Center>
        )}
        <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const r = rowAt(item.index);
            return (
              <div
                key={item.key}
                id={`${idBase}-row-${item.index}`}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={item.index === selected}
                data-index={item.index}
                className={`bl-grid-row${r && props.rowClass ? ` ${props.rowClass(r) ?? ''}` : ''}`}
                style={{ transform: `translateY(${item.start - HEADER_HEIGHT}px)` }}
                onClick={() => onSelect(item.index)}
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
