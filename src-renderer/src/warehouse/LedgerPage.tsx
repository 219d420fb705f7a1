import { Select, Text, TextInput } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { formatMoney } from '../lib/money';
import { client } from '../rpc';
import { GridFooter, MOVE_HINT } from '../ui/GridFooter';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { usePagedWindow } from '../ui/usePagedWindow';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { dateTime, dayToIso, qty } from './format';
import { type PickedProduct, ProductPicker } from './ProductPicker';
import { useWarehouseRefs } from './useWarehouseRefs';
import './warehouse.css';

type Move = OutputOf<'inventory.ledger'>['rows'][number];

const COLUMNS: Column<Move>[] = [
  { id: 'at', label: 'When', width: '128px', render: (m) => dateTime(m.movedAt) },
  { id: 'ref', label: 'Reference', width: '184px', mono: true, render: (m) => m.reference },
  { id: 'sku', label: 'SKU', width: '116px', mono: true, render: (m) => m.sku },
  { id: 'from', label: 'From', width: 'minmax(140px, 1fr)', mono: true, render: (m) => m.fromPath },
  { id: 'to', label: 'To', width: 'minmax(140px, 1fr)', mono: true, render: (m) => m.toPath },
  { id: 'lot', label: 'Lot', width: '90px', render: (m) => m.lotName ?? '' },
  { id: 'qty', label: 'Qty', width: '70px', num: true, render: (m) => qty(m.quantity) },
  { id: 'cost', label: 'Unit cost', width: '90px', num: true, render: (m) => formatMoney(m.unitCostMinor) },
  { id: 'value', label: 'Value', width: '100px', num: true, render: (m) => <span className={m.valueMinor < 0 ? 'wh-neg' : undefined}>{formatMoney(m.valueMinor)}</span> },
  { id: 'reason', label: 'Reason', width: 'minmax(120px, 1fr)', render: (m) => (m.reversalOfId ? `Reversal · ${m.reason ?? ''}` : (m.reason ?? '')) },
];

/** The stock ledger: immutable moves, newest first, filtered by the engine (product, location, dates). */
export function LedgerPage({ route }: { route: string }) {
  const initialProductId = route.startsWith('warehouse/ledger/') ? route.slice('warehouse/ledger/'.length) : '';
  const { locations } = useWarehouseRefs();
  const [product, setProduct] = useState<PickedProduct | null>(null);
  const [locationId, setLocationId] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');

  useEffect(() => {
    if (!initialProductId) return;
    client
      .call('catalog.product.get', { id: initialProductId })
      .then(setProduct)
      .catch(() => setProduct(null));
  }, [initialProductId]);

  const fromIso = dayToIso(from);
  const toIso = dayToIso(to, true);
  const productId = product?.id ?? (initialProductId && !product ? initialProductId : undefined);
  const key = JSON.stringify({ productId, locationId, fromIso, toIso });
  const fetchPage = useCallback(
    (offset: number, limit: number) =>
      client.call('inventory.ledger', { offset, limit, ...(productId ? { productId } : {}), ...(locationId ? { locationId } : {}), ...(fromIso ? { from: fromIso } : {}), ...(toIso ? { to: toIso } : {}) }),
    [productId, locationId, fromIso, toIso],
  );
  const list = usePagedWindow<Move>(key, fetchPage, 200);

  return (
    <div className="bl-page">
      <PageHeader title="Stock ledger" count={{ total: list.total, one: 'move', many: 'moves', testId: 'ledger-count' }}>
        <Text size="xs" c="dimmed">
          Every move is immutable; a correction is a reversing move.
        </Text>
      </PageHeader>
      <Toolbar>
        <ProductPicker
          label="Product"
          w={340}
          value={product}
          onChange={(p) => {
            setProduct(p);
            if (!p && initialProductId) navigate('warehouse/ledger');
          }}
        />
        <Select label="Location" placeholder="Any location" clearable allowDeselect searchable w={220} data={locations.map((l) => ({ value: l.id, label: l.path }))} value={locationId} onChange={setLocationId} />
        <TextInput label="From" type="date" w={140} value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label="To" type="date" w={140} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
      </Toolbar>
      <VirtualTable<Move>
        label="Stock moves"
        columns={COLUMNS}
        source={list}
        onOpen={(m) => m.transferId && navigate(`warehouse/transfers/${m.transferId}`)}
        emptyText="No moves match these filters"
      />
      <GridFooter note="Newest first" hints={[MOVE_HINT, [['Enter'], 'opens its transfer']]} />
    </div>
  );
}
