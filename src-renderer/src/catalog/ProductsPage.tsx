import { Badge, Button, Kbd, Select } from '@mantine/core';
import { useDebouncedValue, useHotkeys } from '@mantine/hooks';
import { IconBarcode, IconPlus } from '@tabler/icons-react';
import { type KeyboardEvent, useCallback, useEffect, useRef, useState } from 'react';
import { useSession } from '../app/session';
import { GridFooter, MOVE_HINT, SEARCH_HINT } from '../ui/GridFooter';
import { PageHeader, SearchField, Toolbar } from '../ui/PageHeader';
import { SegmentedField } from '../ui/SegmentedField';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { useSort } from '../ui/useSort';
import { VirtualTable, type VirtualTableHandle } from '../ui/VirtualTable';
import { PRODUCT_COLUMNS } from './productColumns';
import { ProductFormModal } from './ProductFormModal';
import { type Product, type ProductListParams, type ProductSort, isBarcodeLike, useProductWindow } from './productWindow';
import { useCatalogRefs } from './useCatalogRefs';

const SORT_LABELS: Record<ProductSort, string> = { sku: 'SKU', name: 'name', category: 'category', listPriceMinor: 'list price', costMinor: 'cost', updatedAt: 'last update' };

const STATUS_CHOICES = [
  { value: 'active', label: 'Active' },
  { value: 'archived', label: 'Archived' },
  { value: 'all', label: 'All' },
];

type Editing = { product: Product | null } | null;

export function ProductsPage() {
  const { can } = useSession();
  const writable = can('catalog.write');
  const refs = useCatalogRefs();
  const [text, setText] = useState('');
  const [query] = useDebouncedValue(text.trim(), 200);
  const [categoryId, setCategoryId] = useState<string | null>(null);
  const [status, setStatus] = useState<ProductListParams['status']>('active');
  const sorting = useSort<ProductSort>('sku');
  const { sort, dir } = sorting;
  const [editing, setEditing] = useState<Editing>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const gridRef = useRef<VirtualTableHandle>(null);

  const list = useProductWindow({ query, categoryId, status, sort, dir });
  const { selected, setSelected, reload } = list;

  // A barcode hit is selected at once (Enter opens it).
  const hitId = list.barcodeHit?.id;
  useEffect(() => {
    if (hitId) setSelected(0);
  }, [hitId, setSelected]);

  // Changes made elsewhere (another window, another user through replication) refresh what is shown.
  useReloadOnCommit('catalog.', reload);

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
      <PageHeader
        title="Products"
        count={{ total: list.total, one: 'product', many: 'products', testId: 'product-count' }}
        actions={
          writable && (
            <Button leftSection={<IconPlus size={14} />} onClick={create} rightSection={<Kbd size="xs">N</Kbd>}>
              New product
            </Button>
          )
        }
      >
        {list.barcodeHit && (
          <Badge color="indigo" leftSection={<IconBarcode size={12} />}>
            Barcode match
          </Badge>
        )}
      </PageHeader>
      <Toolbar>
        <SearchField
          ref={searchRef}
          label="Search products"
          placeholder="SKU, name or scan a barcode"
          icon={barcodeMode ? <IconBarcode size={14} /> : undefined}
          w={320}
          value={text}
          onChange={setText}
          onKeyDown={onSearchKey}
          busy={pending}
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
        <SegmentedField label="Status" value={status} onChange={(v) => setStatus(v as ProductListParams['status'])} data={STATUS_CHOICES} />
      </Toolbar>
      <VirtualTable<Product, ProductSort>
        ref={gridRef}
        label="Products"
        columns={PRODUCT_COLUMNS}
        source={list}
        sorting={sorting}
        onOpen={open}
        rowClass={(p) => (p.active ? undefined : 'bl-archived')}
        emptyText={query ? `No product matches “${query}”` : 'No products yet'}
      />
      <GridFooter
        testId="grid-status"
        position={list}
        sorted={{ label: SORT_LABELS[sort], dir }}
        hints={[MOVE_HINT, [['Enter'], 'open'], SEARCH_HINT, ...(writable ? [[['N'], 'new'] as [string[], string]] : [])]}
      />
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
            list.patch((r) => r.id === p.id, p);
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
