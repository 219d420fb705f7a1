import { Select } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { useCallback, useState } from 'react';
import { CHANNEL_CODES, type CustomerSummary, ORDER_STATES, type OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { CustomerPicker } from '../partners/CustomerPicker';
import { client } from '../rpc';
import { dateOnly } from '../warehouse/format';
import { GridFooter, type Hint, MOVE_HINT, SEARCH_HINT } from '../ui/GridFooter';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { stateColumn } from '../ui/stateColumn';
import { ListSearchField, NewButton, useListSearch } from '../ui/useListSearch';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { usePagedWindow } from '../ui/usePagedWindow';
import { useSort } from '../ui/useSort';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { CHANNEL_LABELS, type ChannelCode, ORDER_STATE_COLORS, ORDER_STATE_LABELS, type OrderState, money, pct } from './format';
import { OrderDetail } from './OrderDetail';
import { OrderEntry } from './OrderEntry';

type Row = OutputOf<'sales.order.list'>['rows'][number];
type Sort = 'number' | 'orderDate' | 'state' | 'customer' | 'totalMinor' | 'promisedDate';

const COLUMNS: Column<Row, Sort>[] = [
  { id: 'number', label: 'Number', width: '190px', sort: 'number', mono: true, render: (r) => r.number },
  stateColumn('150px', ORDER_STATE_COLORS, ORDER_STATE_LABELS),
  { id: 'customer', label: 'Customer', width: 'minmax(180px, 2fr)', sort: 'customer', render: (r) => r.customerName },
  { id: 'channel', label: 'Channel', width: '110px', render: (r) => CHANNEL_LABELS[r.channelCode] },
  { id: 'po', label: 'Customer PO', width: '120px', mono: true, render: (r) => r.customerPo ?? '' },
  { id: 'date', label: 'Ordered', width: '100px', sort: 'orderDate', render: (r) => dateOnly(r.orderDate) },
  { id: 'promised', label: 'Promised', width: '100px', sort: 'promisedDate', render: (r) => dateOnly(r.promisedDate) },
  { id: 'wh', label: 'WH', width: '52px', render: (r) => r.warehouseCode ?? '' },
  { id: 'lines', label: 'Lines', width: '56px', num: true, render: (r) => r.lineCount },
  { id: 'total', label: 'Total', width: '110px', sort: 'totalMinor', num: true, render: (r) => money(r.totalMinor) },
  { id: 'margin', label: 'Margin', width: '70px', num: true, render: (r) => pct(r.marginBp) },
];
const SORT_LABELS: Record<Sort, string> = { number: 'number', orderDate: 'order date', state: 'state', customer: 'customer', totalMinor: 'total', promisedDate: 'promised date' };

/** Routes: `orders` the list, `orders/new` order entry, `orders/<id>` one order. */
export function OrdersRoute({ route }: { route: string }) {
  const rest = route.slice('orders'.length + 1);
  if (rest === 'new') return <OrderEntry />;
  return rest ? <OrderDetail id={rest} /> : <OrdersPage />;
}

export function OrdersPage() {
  const { can } = useSession();
  const writable = can('sales.write');
  const search = useListSearch();
  const { query } = search;
  const [state, setState] = useState<OrderState | null>(null);
  const [channel, setChannel] = useState<ChannelCode | null>(null);
  const [customer, setCustomer] = useState<CustomerSummary | null>(null);
  const sorting = useSort<Sort>('number', 'desc', (s) => (s === 'customer' || s === 'state' ? 'asc' : 'desc'));
  const { sort, dir } = sorting;

  const key = JSON.stringify({ query, state, channel, customer: customer?.id, sort, dir });
  const fetchPage = useCallback(
    (offset: number, limit: number) =>
      client.call('sales.order.list', { query, sort, dir, offset, limit, ...(state ? { state } : {}), ...(channel ? { channelCode: channel } : {}), ...(customer ? { customerId: customer.id } : {}) }),
    [query, sort, dir, state, channel, customer],
  );
  const list = usePagedWindow<Row>(key, fetchPage, 100);
  useReloadOnCommit('sales.', list.reload);
  useHotkeys([
    ['/', search.focusSearch],
    ['n', () => writable && navigate('orders/new')],
  ]);

  return (
    <div className="bl-page">
      <PageHeader
        title="Sales orders"
        count={{ total: list.total, one: 'order', many: 'orders', testId: 'order-count' }}
        actions={writable && <NewButton label="New order" onClick={() => navigate('orders/new')} />}
      />
      <Toolbar>
        <ListSearchField search={search} list={list} label="Search orders" placeholder="Number, PO or customer" w={240} />
        <Select label="State" placeholder="All states" clearable w={170} data={ORDER_STATES.map((s) => ({ value: s, label: ORDER_STATE_LABELS[s] }))} value={state} onChange={(v) => setState(v as OrderState | null)} />
        <Select label="Channel" placeholder="All channels" clearable w={170} data={CHANNEL_CODES.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} value={channel} onChange={(v) => setChannel(v as ChannelCode | null)} />
        <CustomerPicker label="Customer" w={260} value={customer} onChange={setCustomer} placeholder="All customers" />
      </Toolbar>
      <VirtualTable<Row, Sort>
        ref={search.gridRef}
        label="Sales orders"
        columns={COLUMNS}
        source={list}
        sorting={sorting}
        onOpen={(r) => navigate(`orders/${r.id}`)}
        rowClass={(r) => (r.state === 'cancelled' || r.state === 'done' ? 'wh-row-muted' : undefined)}
        emptyText={query ? `No order matches “${query}”` : 'No orders here'}
      />
      <GridFooter position={list} sorted={{ label: SORT_LABELS[sort], dir }} hints={[MOVE_HINT, [['Enter'], 'open'], SEARCH_HINT, ...(writable ? [[['N'], 'new order'] as Hint] : [])]} />
    </div>
  );
}
