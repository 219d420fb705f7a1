import { Alert, Anchor, Badge, CloseButton, Drawer, Group, Kbd, Loader, SegmentedControl, Select, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue, useHotkeys } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { client, messageOf } from '../rpc';
import { ForecastChart } from './ForecastChart';
import { dateTime, qty } from './format';
import { usePagedWindow } from './pagedWindow';
import { useWarehouseRefs } from './useWarehouseRefs';
import { type Column, VirtualTable, type VirtualTableHandle } from './VirtualTable';
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

/** Stock by product with availability to promise; a product opens its drawer (where, per warehouse, forecast). */
export function StockPage() {
  const { warehouses } = useWarehouseRefs();
  const [text, setText] = useState('');
  const [query] = useDebouncedValue(text.trim(), 200);
  const [warehouseId, setWarehouseId] = useState<string | null>(null);
  const [onlyInStock, setOnlyInStock] = useState(true);
  const [sort, setSort] = useState<Sort>('sku');
  const [dir, setDir] = useState<'asc' | 'desc'>('asc');
  const [selected, setSelected] = useState(-1);
  const [opened, setOpened] = useState<Row | null>(null);
  const gridRef = useRef<VirtualTableHandle>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  const key = JSON.stringify({ query, warehouseId, onlyInStock, sort, dir });
  const fetchPage = useCallback(
    (offset: number, limit: number) => client.call('inventory.stock.list', { query, onlyInStock, sort, dir, offset, limit, ...(warehouseId ? { warehouseId } : {}) }),
    [query, onlyInStock, sort, dir, warehouseId],
  );
  const list = usePagedWindow<Row>(key, fetchPage, 200);
  useEffect(() => setSelected(-1), [key]);
  const { reload } = list;
  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.type === 'committed' && typeof event.method === 'string' && event.method.startsWith('inventory.')) void reload();
      }),
    [reload],
  );
  useHotkeys(opened ? [] : [['/', () => searchRef.current?.focus()]]);

  function onSort(c: Sort) {
    if (c === sort) setDir((d) => (d === 'asc' ? 'desc' : 'asc'));
    else {
      setSort(c);
      setDir(c === 'sku' || c === 'name' ? 'asc' : 'desc');
    }
  }

  return (
    <div className="bl-page">
      <div className="bl-page-header">
        <Title order={2}>Stock</Title>
        <Text size="sm" c="dimmed" aria-live="polite" data-testid="stock-count">
          {list.total === null ? 'Loading…' : `${list.total.toLocaleString('en-US')} ${list.total === 1 ? 'product' : 'products'}`}
        </Text>
      </div>
      <div className="bl-toolbar">
        <TextInput
          ref={searchRef}
          label="Search stock"
          placeholder="SKU, name or barcode"
          leftSection={<IconSearch size={14} />}
          rightSection={text ? <CloseButton size="xs" aria-label="Clear search" onClick={() => setText('')} /> : <Kbd size="xs">/</Kbd>}
          w={300}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setSelected(0);
              gridRef.current?.focus();
            } else if (e.key === 'Enter' && list.total === 1) {
              const r = list.rowAt(0);
              if (r) setOpened(r);
            }
          }}
          type="search"
          autoComplete="off"
        />
        <Select label="Warehouse" placeholder="All warehouses" clearable allowDeselect w={220} data={warehouses.map((w) => ({ value: w.id, label: `${w.code} — ${w.name}` }))} value={warehouseId} onChange={setWarehouseId} />
        <Switch label="Only products in stock" checked={onlyInStock} onChange={(e) => setOnlyInStock(e.currentTarget.checked)} mb={6} size="xs" />
      </div>
      <VirtualTable<Row, Sort>
        ref={gridRef}
        label="Stock"
        columns={COLUMNS}
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
        onOpen={(r) => setOpened(r)}
        emptyText={query ? `No product matches “${query}”` : 'No stock here'}
      />
      <div className="bl-grid-foot" aria-live="polite">
        <span>{selected >= 0 && list.total ? `Row ${(selected + 1).toLocaleString('en-US')} of ${list.total.toLocaleString('en-US')}` : 'No row selected'}</span>
        <span>
          Sorted by {SORT_LABELS[sort]} ({dir === 'asc' ? 'ascending' : 'descending'}) · ATP = on hand − reserved
        </span>
        <div style={{ flex: 1 }} />
        <span>
          <Kbd size="xs">↑</Kbd> <Kbd size="xs">↓</Kbd> move · <Kbd size="xs">Enter</Kbd> details · <Kbd size="xs">/</Kbd> search
        </span>
      </div>
      <ProductStockDrawer row={opened} warehouseId={warehouseId} onClose={() => {
        setOpened(null);
        gridRef.current?.focus();
      }} />
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
            <table className="wh-table" aria-label="Availability by warehouse">
              <thead>
                <tr>
                  <th>Warehouse</th>
                  <th className="bl-num">On hand</th>
                  <th className="bl-num">Reserved</th>
                  <th className="bl-num">ATP</th>
                  <th className="bl-num">Incoming</th>
                  <th className="bl-num">Outgoing</th>
                </tr>
              </thead>
              <tbody>
                {a.byWarehouse.map((w) => (
                  <tr key={w.warehouseId}>
                    <td>{w.code}</td>
                    <td className="bl-num">{qty(w.onHand)}</td>
                    <td className="bl-num">{qty(w.reserved)}</td>
                    <td className="bl-num">
                      <b className={w.available < 0 ? 'wh-neg' : undefined}>{qty(w.available)}</b>
                    </td>
                    <td className="bl-num">{qty(w.incoming)}</td>
                    <td className="bl-num">{qty(w.outgoing)}</td>
                  </tr>
                ))}
                {a.byWarehouse.length === 0 && (
                  <tr>
                    <td colSpan={6}>
                      <Text size="sm" c="dimmed">
                        Never stocked
                      </Text>
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <div className="wh-panel">
            <div className="wh-panel-head">By location and lot</div>
            <table className="wh-table" aria-label="Stock by location">
              <thead>
                <tr>
                  <th>Location</th>
                  <th>Lot</th>
                  <th className="bl-num">On hand</th>
                  <th className="bl-num">Reserved</th>
                  <th className="bl-num">In</th>
                  <th className="bl-num">Out</th>
                </tr>
              </thead>
              <tbody>
                {data.levels.map((l) => (
                  <tr key={`${l.locationId}-${l.lotName ?? ''}`}>
                    <td className="bl-mono">
                      {l.path}
                      {l.path.startsWith('Virtual/Transit') && (
                        <Badge ml={6} size="xs" color="grape">
                          in transit
                        </Badge>
                      )}
                    </td>
                    <td>
                      {l.lotName ?? ''}
                      {l.expiryDate && (
                        <Text span size="xs" c="dimmed">
                          {' '}
                          exp. {l.expiryDate}
                        </Text>
                      )}
                    </td>
                    <td className="bl-num">{qty(l.onHand)}</td>
                    <td className="bl-num">{qty(l.reserved)}</td>
                    <td className="bl-num">{l.incoming ? qty(l.incoming) : ''}</td>
                    <td className="bl-num">{l.outgoing ? qty(l.outgoing) : ''}</td>
                  </tr>
                ))}
                {data.levels.length === 0 && (
                  <tr>
                    <td colSpan={6}>
                      <Text size="sm" c="dimmed">
                        No stock on record
                      </Text>
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
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
            <table className="wh-table" aria-label="Last moves">
              <tbody>
                {data.moves.map((m) => (
                  <tr key={m.id}>
                    <td style={{ whiteSpace: 'nowrap' }}>{dateTime(m.movedAt)}</td>
                    <td className="bl-mono">{m.reference}</td>
                    <td className="bl-mono" style={{ fontSize: 11 }}>
                      {m.fromPath} → {m.toPath}
                    </td>
                    <td className="bl-num">{qty(m.quantity)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Stack>
      )}
    </Drawer>
  );
}
