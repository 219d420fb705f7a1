import { Alert, Badge, Center, Loader, Text } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconArrowsSort } from '@tabler/icons-react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { formatMoney } from '../lib/money';
import type { Product, ProductSort } from './productWindow';

export const ROW_HEIGHT = 30;
const HEADER_HEIGHT = 30;

interface Column {
  id: string;
  label: string;
  width: string;
  sort?: ProductSort;
  className?: string;
  render(p: Product): React.ReactNode;
}

const COLUMNS: Column[] = [
  { id: 'sku', label: 'SKU', width: '128px', sort: 'sku', className: 'bl-mono', render: (p) => p.sku },
  { id: 'name', label: 'Name', width: 'minmax(220px, 3fr)', sort: 'name', render: (p) => p.name },
  { id: 'category', label: 'Category', width: 'minmax(130px, 1.2fr)', sort: 'category', render: (p) => p.categoryName ?? <Text span c="dimmed" fz="inherit">—</Text> },
  { id: 'uom', label: 'UoM', width: '52px', render: (p) => p.uomCode },
  { id: 'barcode', label: 'Barcode', width: '128px', className: 'bl-mono', render: (p) => p.barcode ?? '' },
  { id: 'listPrice', label: 'List price', width: '100px', sort: 'listPriceMinor', className: 'bl-num', render: (p) => formatMoney(p.listPriceMinor) },
  { id: 'cost', label: 'Cost', width: '92px', sort: 'costMinor', className: 'bl-num', render: (p) => formatMoney(p.costMinor) },
  { id: 'updated', label: 'Updated', width: '104px', sort: 'updatedAt', render: (p) => p.updatedAt.slice(0, 10) },
  {
    id: 'status',
    label: 'Status',
    width: '92px',
    render: (p) =>
      p.active ? (
        <Badge color="teal" variant="dot" tt="none" fw={500}>
          Active
        </Badge>
      ) : (
        <Badge color="gray" variant="dot" tt="none" fw={500}>
          Archived
        </Badge>
      ),
  },
];

const GRID_COLUMNS = COLUMNS.map((c) => c.width).join(' ');

export interface ProductGridHandle {
  focus(): void;
  scrollToIndex(index: number): void;
}

interface Props {
  total: number | null;
  loading: boolean;
  error: string | null;
  rowAt(index: number): Product | undefined;
  ensureRange(start: number, end: number): void;
  sort: ProductSort;
  dir: 'asc' | 'desc';
  onSort(sort: ProductSort): void;
  selected: number;
  onSelect(index: number): void;
  onOpen(product: Product): void;
  emptyText: string;
}

/**
 * The product list: a grid virtualized with TanStack Virtual. Only the visible rows (plus a few)
 * exist in the DOM; rows not fetched yet show placeholders until their window arrives.
 * Keyboard: ↑/↓, PageUp/PageDown, Home/End move the selection; Enter opens the selected row.
 */
export const ProductGrid = forwardRef<ProductGridHandle, Props>(function ProductGrid(props, ref) {
  const { total, rowAt, ensureRange, selected, onSelect, onOpen } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = total ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  // Ask for the rows in view once the view settles for a moment, so a fast fling through
  // 100,000 rows does not fetch every window it passes.
  useEffect(() => {
    if (count === 0) return;
    const timer = setTimeout(() => ensureRange(first, last), 40);
    return () => clearTimeout(timer);
  }, [first, last, count, ensureRange]);

  useImperativeHandle(
    ref,
    () => ({
      focus: () => scrollRef.current?.focus(),
      scrollToIndex: (i: number) => virtualizer.scrollToIndex(i, { align: 'auto' }),
    }),
    [virtualizer],
  );

  function move(to: number) {
    if (count === 0) return;
    const next = Math.max(0, Math.min(count - 1, to));
    onSelect(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 300) / ROW_HEIGHT) - 1);
    const handled: Record<string, () => void> = {
      ArrowDown: () => move(selected < 0 ? 0 : selected + 1),
      ArrowUp: () => move(selected < 0 ? 0 : selected - 1),
      PageDown: () => move((selected < 0 ? 0 : selected) + page),
      PageUp: () => move((selected < 0 ? 0 : selected) - page),
      Home: () => move(0),
      End: () => move(count - 1),
      Enter: () => {
        const p = selected >= 0 ? rowAt(selected) : undefined;
        if (p) onOpen(p);
      },
    };
    const action = handled[e.key];
    if (action && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      action();
    }
  }

  const selectedRow = selected >= 0 ? rowAt(selected) : undefined;

  return (
    <div className="bl-grid" style={{ ['--bl-cols' as string]: GRID_COLUMNS }}>
      <div
        ref={scrollRef}
        className="bl-grid-scroll"
        role="grid"
        aria-label="Products"
        aria-rowcount={count + 1}
        aria-colcount={COLUMNS.length}
        aria-activedescendant={selectedRow ? `product-row-${selected}` : undefined}
        aria-busy={props.loading}
        tabIndex={0}
        onKeyDown={onKeyDown}
      >
        <div className="bl-grid-head" role="row" aria-rowindex={1} style={{ position: 'sticky', top: 0, zIndex: 2 }}>
          {COLUMNS.map((c) => {
            const active = c.sort && c.sort === props.sort;
            return (
              <div
                key={c.id}
                role="columnheader"
                className={c.className?.includes('bl-num') ? 'bl-num' : undefined}
                aria-sort={active ? (props.dir === 'asc' ? 'ascending' : 'descending') : c.sort ? 'none' : undefined}
              >
                {c.sort ? (
                  <button type="button" className="bl-sort" onClick={() => props.onSort(c.sort!)} title={`Sort by ${c.label.toLowerCase()}`}>
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
            const p = rowAt(item.index);
            const isSelected = item.index === selected;
            return (
              <div
                key={item.key}
                id={`product-row-${item.index}`}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={isSelected}
                data-index={item.index}
                className={`bl-grid-row${p && !p.active ? ' bl-archived' : ''}`}
                style={{ transform: `translateY(${item.start - HEADER_HEIGHT}px)` }}
                onClick={() => onSelect(item.index)}
                onDoubleClick={() => p && onOpen(p)}
              >
                {COLUMNS.map((c) => (
                  <div key={c.id} role="gridcell" className={c.className}>
                    {p ? c.render(p) : <div className="bl-skeleton" style={{ width: c.className?.includes('bl-num') ? '60%' : '80%', marginLeft: c.className?.includes('bl-num') ? 'auto' : 0 }} />}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
});
