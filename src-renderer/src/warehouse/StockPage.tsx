import { Alert, Anchor, Badge, Drawer, Group, Loader, SegmentedControl, Select, Stack, Switch, Text } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { useCallback, useEffect, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { client, messageOf } from '../rpc';
import { GridFooter, MOVE_HINT, SEARCH_HINT } from '../ui/GridFooter';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { ListSearchField, useListSearch } from '../ui/useListSearch';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { usePagedWindow } from '../ui/usePagedWindow';
import { useSort } from '../ui/useSort';
import { SimpleTable } from '../ui/SimpleTable';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { ForecastChart } from './ForecastChart';
import { dateTime, qty } from './format';
import { useWarehouseRefs } from './useWarehouseRefs';
import './warehouse.css';

type Row = OutputOf<'inventory.stock.list'>['rows'][number];
type Sort = 'sku' | 'name' | 'onHand' | 'available' | 'reserved';

const num = (n: number) => <span className={n < 0 ? 'wh-neg' : undefined}>{qty(n)}</span>;
const COLUMNS: Column<Row, Sort>[] = [
  { id: 'sku', label: 'SKU', width: '128px', sort: 'sku', mono: true, render: (r) => r.sku },
  { id: 'name', label: 'Product', width: 'minmax(240px, 3fr)', sort: 'name', render: (r) => r.name },
  { id: 'abc', label: 'ABC', width: '48px', render: (r) => r.abcClass ?? '' },
  { id: 'uom', label: 'UoM', width: '52px', render: (r) => r.uomCode },
  { id: 'onHand', label: 'On hand', width: '92px', sort: 'onHand', num: true, render: (r) => num(r.onHand) },
  { id: 'reserved', label: 'Reserved', width: '92px', sort: 'reserved', num: true, render: (r) => qty(r.reserved) },
  { id: 'available', label: 'Available (ATP)', width: '118px', sort: 'available', num: true, render: (r) => <b>{num(r.available)}</b> },
  { id: 'incoming', label: 'Incoming', width: '92px', num: true, render: (r) => (r.incoming ? qty(r.incoming) : '') },
  { id: 'outgoing', label: 'Outgoing', width: '92px', num: true, render: (r) => (r.outgoing ? qty(r.outgoing) : '') },
  { id: 'forecast', label: 'Forecast', width: '92px', num: true, render: (r) => num(r.onHand + r.incoming - r.outgoing) },
];
const SORT_LABELS: Record<Sort, string> = { sku: 'SKU', name: 'name', onHand: 'on hand', available: 'available', reserved: 'reserved' };
/** Text columns start ascending, quantities descending (the most first). */
const startDir = (c: Sort) => (c === 'sku' || c === 'name' ? 'asc' : 'desc');

/** Stock by product with availability to promise; a product opens its drawer (where, per warehouse, forecast). */
export function StockPage() {
  const { warehouses } = useWarehouseRefs();
  const search = useListSearch();
  const { query, gridRef } = search;
  const [warehouseId, setWarehouseId] = useState<string | null>(null);
  const [onlyInStock, setOnlyInStock] = useState(true);
  const sorting = useSort<Sort>('sku', 'asc', startDir);
  const { sort, dir } = sorting;
  const [opened, setOpened] = useState<Row | null>(null);

  const key = JSON.stringify({ query, warehouseId, onlyInStock, sort, dir });
  const fetchPage = useCallback(
    (offset: number, limit: number) => client.call('inventory.stock.list', { query, onlyInStock, sort, dir, offset, limit, ...(warehouseId ? { warehouseId } : {}) }),
    [query, onlyInStock, sort, dir, warehouseId],
  );
  const list = usePagedWindow<Row>(key, fetchPage, 200);
  useReloadOnCommit('inventory.', list.reload);
  useHotkeys(opened ? [] : [['/', search.focusSearch]]);

  return (
    <div className="bl-page">
      <PageHeader title="Stock" count={{ total: list.total, one: 'product', many: 'products', testId: 'stock-count' }} />
      <Toolbar>
        <ListSearchField
          search={search}
          list={list}
          label="Search stock"
          placeholder="SKU, name or barcode"
          onEnter={() => {
            const r = list.total === 1 ? list.rowAt(0) : undefined;
            if (r) setOpened(r);
          }}
        />
        <Select label="Warehouse" placeholder="All warehouses" clearable allowDeselect w={220} data={warehouses.map((w) => ({ value: w.id, label: `${w.code} — ${w.name}` }))} value={warehouseId} onChange={setWarehouseId} />
        <Switch label="Only products in stock" checked={onlyInStock} onChange={(e) => setOnlyInStock(e.currentTarget.checked)} mb={6} size="xs" />
      </Toolbar>
      <VirtualTable<Row, Sort>
        ref={gridRef}
        label="Stock"
        columns={COLUMNS}
        source={list}
        sorting={sorting}
        onOpen={(r) => setOpened(r)}
        emptyText={query ? `No product matches “${query}”` : 'No stock here'}
      />
      <GridFooter position={list} sorted={{ label: SORT_LABELS[sort], dir }} note="ATP = on hand − reserved" hints={[MOVE_HINT, [['Enter'], 'details'], SEARCH_HINT]} />
      <ProductStockDrawer
        row={opened}
        warehouseId={warehouseId}
        onClose={() => {
          setOpened(null);
          gridRef.current?.focus();
        }}
      />
    </div>
  );
}

type Availability = OutputOf<'inventory.availability'>;
type Levels = OutputOf<'inventory.stock.byProduct'>['rows'];
type Forecast = OutputOf<'inventory.forecast'>['rows'];
type Moves = OutputOf<'inventory.ledger'>['rows'];

/** Where a product is and what it will be: availability per warehouse, stock by location and lot, forecast, last moves. */
export function ProductStockDrawer({ row, warehouseId, onClose }: { row: { productId: string; sku: string; name: string; uomCode?: string } | null; warehouseId: string | null; onClose(): void }) {
  const [data, setData] = useState<{ availability: Availability; levels: Levels; forecast: Forecast; moves: Moves } | null>(null);
  const [days, setDays] = useState('30');
  const [error, setError] = useState<string | null>(null);
  const productId = row?.productId;

  useEffect(() => {
    if (!productId) return;
    let live = true;
    setData(null);
    setError(null);
    const scope = warehouseId ? { warehouseId } : {};
    Promise.all([
      client.call('inventory.availability', { productId }),
      client.call('inventory.stock.byProduct', { productId, ...scope }),
      client.call('inventory.forecast', { productId, days: Number(days), ...scope }),
      client.call('inventory.ledger', { productId, limit: 12 }),
    ])
      .then(([availability, levels, forecast, moves]) => live && setData({ availability, levels: levels.rows, forecast: forecast.rows, moves: moves.rows }))
      .catch((e) => live && setError(messageOf(e)));
    return () => {
      live = false;
    };
  }, [productId, warehouseId, days]);

  const a = data?.availability;
  return (
    <Drawer
      opened={!!row}
      onClose={onClose}
      position="right"
      size={560}
      title={
        row && (
          <Group gap="xs">
            <Text span className="bl-mono" fw={600}>
              {row.sku}
            </Text>
            <Text span size="sm">
              {row.name}
            </Text>
          </Group>
        )
      }
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {error && <Alert color="red">{error}</Alert>}
      {!data && !error && <Loader size="sm" />}
      {data && a && (
        <Stack gap="sm" aria-label={`Stock of ${row?.sku}`} role="region">
          <div className="wh-panel" style={{ display: 'flex' }}>
            {(
              [
                ['On hand', a.onHand],
                ['Reserved', a.reserved],
                ['Available', a.available],
                ['Incoming', a.incoming],
                ['Outgoing', a.outgoing],
              ] as const
            ).map(([label, v]) => (
              <div className="wh-stat" key={label} data-testid={`stat-${label.toLowerCase()}`}>
                <span className="wh-stat-label">{label}</span>
                <span className={`wh-stat-value${v < 0 ? ' wh-neg' : ''}`}>{qty(v)}</span>
              </div>
            ))}
          </div>
          <div className="wh-panel">
            <div className="wh-panel-head">Availability by warehouse</div>
            <SimpleTable<Availability['byWarehouse'][number]>
              label="Availability by warehouse"
              columns={[
                { id: 'wh', label: 'Warehouse', render: (w) => w.code },
                { id: 'onHand', label: 'On hand', num: true, render: (w) => qty(w.onHand) },
                { id: 'reserved', label: 'Reserved', num: true, render: (w) => qty(w.reserved) },
                { id: 'atp', label: 'ATP', num: true, render: (w) => <b className={w.available < 0 ? 'wh-neg' : undefined}>{qty(w.available)}</b> },
                { id: 'incoming', label: 'Incoming', num: true, render: (w) => qty(w.incoming) },
                { id: 'outgoing', label: 'Outgoing', num: true, render: (w) => qty(w.outgoing) },
              ]}
              rows={a.byWarehouse}
              rowKey={(w) => w.warehouseId}
              empty="Never stocked"
            />
          </div>
          <div className="wh-panel">
            <div className="wh-panel-head">By location and lot</div>
            <SimpleTable<Levels[number]>
              label="Stock by location"
              columns={[
                {
                  id: 'location',
                  label: 'Location',
                  mono: true,
                  render: (l) => (
                    <>
                      {l.path}
                      {l.path.startsWith('Virtual/Transit') && (
                        <Badge ml={6} size="xs" color="grape">
                          in transit
                        </Badge>
                      )}
                    </>
                  ),
                },
                {
                  id: 'lot',
                  label: 'Lot',
                  render: (l) => (
                    <>
                      {l.lotName ?? ''}
                      {l.expiryDate && (
                        <Text span size="xs" c="dimmed">
                          {' '}
                          exp. {l.expiryDate}
                        </Text>
                      )}
                    </>
                  ),
                },
                { id: 'onHand', label: 'On hand', num: true, render: (l) => qty(l.onHand) },
                { id: 'reserved', label: 'Reserved', num: true, render: (l) => qty(l.reserved) },
                { id: 'in', label: 'In', num: true, render: (l) => (l.incoming ? qty(l.incoming) : '') },
                { id: 'out', label: 'Out', num: true, render: (l) => (l.outgoing ? qty(l.outgoing) : '') },
              ]}
              rows={data.levels}
              rowKey={(l) => `${l.locationId}-${l.lotName ?? ''}`}
              empty="No stock on record"
            />
          </div>
          <div className="wh-panel">
            <div className="wh-panel-head">
              Forecast
              <div style={{ flex: 1 }} />
              <SegmentedControl size="xs" aria-label="Forecast horizon" value={days} onChange={setDays} data={['14', '30', '90'].map((d) => ({ value: d, label: `${d} d` }))} />
            </div>
            <div className="wh-panel-body">
              <ForecastChart rows={data.forecast} />
              <Text size="xs" c="dimmed">
                On hand + incoming − outgoing of open transfers, by scheduled day{warehouseId ? ' (this warehouse)' : ''}. Green: incoming · orange: outgoing.
              </Text>
            </div>
          </div>
          <div className="wh-panel">
            <div className="wh-panel-head">
              Last moves
              <div style={{ flex: 1 }} />
              <Anchor size="xs" onClick={() => navigate(`warehouse/ledger/${productId}`)} style={{ textTransform: 'none' }}>
                Open the stock ledger
              </Anchor>
            </div>
            <SimpleTable<Moves[number]>
              label="Last moves"
              noHead
              columns={[
                { id: 'at', label: 'When', render: (m) => <span style={{ whiteSpace: 'nowrap' }}>{dateTime(m.movedAt)}</span> },
                { id: 'ref', label: 'Reference', mono: true, render: (m) => m.reference },
                { id: 'path', label: 'From → to', mono: true, render: (m) => <span style={{ fontSize: 11 }}>{m.fromPath} → {m.toPath}</span> },
                { id: 'qty', label: 'Qty', num: true, render: (m) => qty(m.quantity) },
              ]}
              rows={data.moves}
              rowKey={(m) => m.id}
            />
          </div>
        </Stack>
      )}
    </Drawer>
  );
}
