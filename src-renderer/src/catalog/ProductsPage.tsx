import { Badge, Button, CloseButton, Kbd, SegmentedControl, Select, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue, useHotkeys } from '@mantine/hooks';
import { IconBarcode, IconPlus, IconSearch } from '@tabler/icons-react';
import { type KeyboardEvent, useCallback, useEffect, useRef, useState } from 'react';
import { useSession } from '../app/session';
import { client } from '../rpc';
import { ProductFormModal } from './ProductFormModal';
import { ProductGrid, type ProductGridHandle } from './ProductGrid';
import { type Product, type ProductListParams, type ProductSort, isBarcodeLike, useProductWindow } from './productWindow';
import { useCatalogRefs } from './useCatalogRefs';

const SORT_LABELS: Record<ProductSort, string> = { sku: 'SKU', name: 'name', category: 'category', listPriceMinor: 'list price', costMinor: 'cost', updatedAt: 'last update' };

type Editing = { product: Product | null } | null;

export function ProductsPage() {
  const { can } = useSession();
  const writable = can('catalog.write');
  const refs = useCatalogRefs();
  const [text, setText] = useState('');
  const [query] = useDebouncedValue(text.trim(), 200);
  const [categoryId, setCategoryId] = useState<string | null>(null);
  const [status, setStatus] = useState<ProductListParams['status']>('active');
  const [sort, setSort] = useState<ProductSort>('sku');
  const [dir, setDir] = useState<'asc' | 'desc'>('asc');
  const [selected, setSelected] = useState(-1);
  const [editing, setEditing] = useState<Editing>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const gridRef = useRef<ProductGridHandle>(null);

  const list = useProductWindow({ query, categoryId, status, sort, dir });

  // A new listing starts with nothing selected; a barcode hit is selected at once (Enter opens it).
  useEffect(() => setSelected(-1), [query, categoryId, status, sort, dir]);
  useEffect(() => {
    if (list.barcodeHit) setSelected(0);
  }, [list.barcodeHit]);

  // Changes made elsewhere (another window, another user through replication) refresh what is shown.
  const { reload } = list;
  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.type === 'committed' && typeof event.method === 'string' && event.method.startsWith('catalog.')) void reload();
      }),
    [reload],
  );

  const open = useCallback((p: Product) => setEditing({ product: p }), []);
  const create = useCallback(() => {
    if (writable) setEditing({ product: null });
  }, [writable]);

  useHotkeys(
    editing
      ? []
      : [
          ['/', () => searchRef.current?.focus()],
          ['n', create],
        ],
  );

  function onSort(column: ProductSort) {
    if (column === sort) setDir((d) => (d === 'asc' ? 'desc' : 'asc'));
    else {
      setSort(column);
      setDir('asc');
    }
  }

  function onSearchKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = e.key === 'ArrowDown' ? Math.min((list.total ?? 1) - 1, selected + 1) : Math.max(0, selected - 1);
      setSelected(next);
      gridRef.current?.scrollToIndex(next);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const p = selected >= 0 ? list.rowAt(selected) : list.total === 1 ? list.rowAt(0) : undefined;
      if (p) open(p);
      else gridRef.current?.focus();
    } else if (e.key === 'Escape' && text) {
      e.preventDefault();
      setText('');
    }
  }

  const barcodeMode = isBarcodeLike(query);
  const pending = text.trim() !== query;

  return (
    <div className="bl-page">
      <div className="bl-page-header">
        <Title order={2}>Products</Title>
        <Text size="sm" c="dimmed" aria-live="polite" data-testid="product-count">
          {list.total === null ? 'Loading…' : `${list.total.toLocaleString('en-US')} ${list.total === 1 ? 'product' : 'products'}`}
        </Text>
        {list.barcodeHit && (
          <Badge color="indigo" leftSection={<IconBarcode size={12} />}>
            Barcode match
          </Badge>
        )}
        <div style={{ flex: 1 }} />
        {writable && (
          <Button leftSection={<IconPlus size={14} />} onClick={create} rightSection={<Kbd size="xs">N</Kbd>}>
            New product
          </Button>
        )}
      </div>
      <div className="bl-toolbar">
        <TextInput
          ref={searchRef}
          label="Search products"
          placeholder="SKU, name or scan a barcode"
          leftSection={barcodeMode ? <IconBarcode size={14} /> : <IconSearch size={14} />}
          rightSection={text ? <CloseButton size="xs" aria-label="Clear search" onClick={() => setText('')} /> : <Kbd size="xs">/</Kbd>}
          w={320}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          onKeyDown={onSearchKey}
          aria-busy={pending}
          type="search"
          autoComplete="off"
        />
        <Select
          label="Category"
          placeholder="All categories"
          clearable
          allowDeselect
          searchable
          w={220}
          data={refs.categories.map((c) => ({ value: c.id, label: `${c.name} (${c.productCount})` }))}
          value={categoryId}
          onChange={setCategoryId}
        />
        <div>
          <Text component="label" id="status-filter-label" size="xs" fw={500} display="block" mb={2}>
            Status
          </Text>
          <SegmentedControl
            size="xs"
            aria-labelledby="status-filter-label"
            value={status}
            onChange={(v) => setStatus(v as ProductListParams['status'])}
            data={[
              { value: 'active', label: 'Active' },
              { value: 'archived', label: 'Archived' },
              { value: 'all', label: 'All' },
            ]}
          />
        </div>
      </div>
      <ProductGrid
        ref={gridRef}
        total={list.total}
        loading={list.loading}
        error={list.error}
        rowAt={list.rowAt}
        ensureRange={list.ensureRange}
        sort={sort}
        dir={dir}
        onSort={onSort}
        selected={selected}
        onSelect={setSelected}
        onOpen={open}
        emptyText={query ? `No product matches “${query}”` : 'No products yet'}
      />
      <div className="bl-grid-foot" aria-live="polite" data-testid="grid-status">
        <span>{selected >= 0 && list.total ? `Row ${(selected + 1).toLocaleString('en-US')} of ${list.total.toLocaleString('en-US')}` : 'No row selected'}</span>
        <span>
          Sorted by {SORT_LABELS[sort]} ({dir === 'asc' ? 'ascending' : 'descending'})
        </span>
        <div style={{ flex: 1 }} />
        <span>
          <Kbd size="xs">↑</Kbd> <Kbd size="xs">↓</Kbd> move · <Kbd size="xs">Enter</Kbd> open · <Kbd size="xs">/</Kbd> search{writable ? <> · <Kbd size="xs">N</Kbd> new</> : null}
        </span>
      </div>
      {editing && (
        <ProductFormModal
          product={editing.product}
          categories={refs.categories}
          uoms={refs.uoms}
          onClose={() => {
            setEditing(null);
            gridRef.current?.focus();
          }}
          onSaved={(p, action) => {
            list.patch(p);
            if (action === 'created' || action === 'saved') {
              setEditing(null);
              gridRef.current?.focus();
            }
            void reload();
          }}
        />
      )}
    </div>
  );
}
