import { Badge, Select } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { useCallback, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { PO_STATES, type PoState } from '../../../src-shared/contract/purchasing';
import { navigate } from '../app/router';
import { client } from '../rpc';
import { GridFooter, MOVE_HINT, SEARCH_HINT } from '../ui/GridFooter';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { ListSearchField, useListSearch } from '../ui/useListSearch';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { usePagedWindow } from '../ui/usePagedWindow';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { dateOnly } from '../warehouse/format';
import { money } from '../sales/format';
import { PoDetail } from './PoDetail';

type Row = OutputOf<'purchasing.po.list'>['rows'][number];

export const PO_STATE_COLORS: Record<PoState, string> = {
  draft: 'gray',
  to_approve: 'orange',
  approved: 'teal',
  sent: 'blue',
  confirmed: 'blue',
  partially_received: 'indigo',
  received: 'green',
  billed: 'grape',
  done: 'dark',
  cancelled: 'red',
};

export const stateLabel = (s: string) => s.replaceAll('_', ' ');

const COLUMNS: Column<Row>[] = [
  { id: 'number', label: 'Order', width: '170px', mono: true, render: (r) => r.number },
  { id: 'vendor', label: 'Vendor', width: 'minmax(160px, 2fr)', render: (r) => r.vendorName },
  { id: 'wh', label: 'Warehouse', width: '90px', render: (r) => r.warehouseCode },
  { id: 'date', label: 'Ordered', width: '100px', render: (r) => dateOnly(r.orderDate) },
  { id: 'expected', label: 'Expected', width: '100px', render: (r) => dateOnly(r.expectedDate) },
  { id: 'lines', label: 'Lines', width: '56px', num: true, render: (r) => r.lineCount },
  { id: 'total', label: 'Total', width: '110px', num: true, render: (r) => money(r.totalMinor) },
  {
    id: 'state',
    label: 'State',
    width: '150px',
    render: (r) => (
      <>
        <Badge size="sm" color={PO_STATE_COLORS[r.state]} variant="light">
          {stateLabel(r.state)}
        </Badge>
        {r.urgent && (
          <Badge size="sm" color="red" variant="filled" ml={4}>
            urgent
          </Badge>
        )}
      </>
    ),
  },
];

/** purchasing → the list; purchasing/po/<id> → one order. */
export function PurchasingRoute({ route }: { route: string }) {
  const rest = route.slice('purchasing'.length + 1);
  if (rest.startsWith('po/')) return <PoDetail id={rest.slice(3)} />;
  return <PurchaseOrdersPage />;
}

/** Purchase orders, filtered and sorted by the engine; Enter opens the selected order. */
export function PurchaseOrdersPage() {
  const search = useListSearch();
  const { query } = search;
  const [state, setState] = useState<PoState | null>(null);
  const fetchPage = useCallback((offset: number, limit: number) => client.call('purchasing.po.list', { query, sort: 'number', dir: 'desc', offset, limit, ...(state ? { state } : {}) }), [query, state]);
  const list = usePagedWindow<Row>(JSON.stringify({ query, state }), fetchPage, 100);
  useReloadOnCommit('purchasing.', list.reload);
  useHotkeys([['/', search.focusSearch]]);
  return (
    <div className="bl-page">
      <PageHeader title="Purchase orders" count={{ total: list.total, one: 'order', many: 'orders', testId: 'po-count' }} />
      <Toolbar>
        <ListSearchField search={search} list={list} label="Search" placeholder="Order number or vendor" />
        <Select label="State" placeholder="All" clearable w={170} data={PO_STATES.map((s) => ({ value: s, label: stateLabel(s) }))} value={state} onChange={(v) => setState(v as PoState | null)} />
      </Toolbar>
      <VirtualTable<Row> ref={search.gridRef} label="Purchase orders" columns={COLUMNS} source={list} onOpen={(r) => navigate(`purchasing/po/${r.id}`)} emptyText="No purchase orders yet: run replenishment" />
      <GridFooter position={list} note="Newest first" hints={[MOVE_HINT, [['Enter'], 'open'], SEARCH_HINT]} />
    </div>
  );
}
