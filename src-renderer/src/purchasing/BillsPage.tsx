import { Badge, Button, Group, NumberInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { BILL_STATES } from '../../../src-shared/contract/purchasing';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { money } from '../sales/format';
import { ErrorAlert } from '../ui/ErrorAlert';
import { GridFooter, MOVE_HINT } from '../ui/GridFooter';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { usePagedWindow } from '../ui/usePagedWindow';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { downloadBase64 } from '../warehouse/download';
import { dateOnly } from '../warehouse/format';
import { moneyInput, parseMoney } from './money';

type Po = OutputOf<'purchasing.po.get'>;
type BillRow = OutputOf<'purchasing.bill.list'>['rows'][number];
type BillState = (typeof BILL_STATES)[number];

const BILL_COLORS: Record<BillState, string> = { unmatched: 'gray', held: 'orange', ready_to_pay: 'green', credit_requested: 'grape', cancelled: 'red' };
const label = (s: string) => s.replaceAll('_', ' ');

const COLUMNS: Column<BillRow>[] = [
  { id: 'number', label: 'Bill', width: '170px', mono: true, render: (r) => r.number },
  { id: 'ref', label: 'Vendor ref.', width: '120px', mono: true, render: (r) => r.vendorReference },
  { id: 'vendor', label: 'Vendor', width: 'minmax(160px, 2fr)', render: (r) => r.vendorName },
  { id: 'order', label: 'Order', width: '170px', mono: true, render: (r) => r.orderNumber },
  { id: 'date', label: 'Date', width: '100px', render: (r) => dateOnly(r.billDate) },
  { id: 'total', label: 'Total', width: '110px', num: true, render: (r) => money(r.totalMinor) },
  { id: 'diff', label: 'Difference', width: '110px', num: true, render: (r) => money(r.differenceMinor) },
  { id: 'state', label: 'Match', width: '130px', render: (r) => <Badge size="sm" variant="light" color={BILL_COLORS[r.state]}>{label(r.state)}</Badge> },
];

/** Vendor bills by match state (held first to decide); Enter opens the order it was matched against. */
export function BillsPage() {
  const [state, setState] = useState<BillState | null>('held');
  const fetchPage = useCallback((offset: number, limit: number) => client.call('purchasing.bill.list', { offset, limit, ...(state ? { state } : {}) }), [state]);
  const list = usePagedWindow<BillRow>(JSON.stringify({ state }), fetchPage, 100);
  useReloadOnCommit('purchasing.', list.reload);
  return (
    <div className="bl-page">
      <PageHeader title="Vendor bills" count={{ total: list.total, one: 'bill', many: 'bills', testId: 'bill-count' }} />
      <Toolbar>
        <Select label="Match" placeholder="All" clearable w={170} data={BILL_STATES.map((s) => ({ value: s, label: label(s) }))} value={state} onChange={(v) => setState(v as BillState | null)} />
      </Toolbar>
      <VirtualTable<BillRow> label="Vendor bills" columns={COLUMNS} source={list} onOpen={(r) => navigate(`purchasing/po/${r.orderId}`)} emptyText="No bills in this state" />
      <GridFooter position={list} note="Newest first" hints={[MOVE_HINT, [['Enter'], 'open the order']]} />
    </div>
  );
}

/** The bills of one order with their match, the decision on held ones, and a form for a new bill. */
export function BillMatch({ po, bills, onChanged }: { po: Po; bills: BillRow[]; onChanged(): void }) {
  const { can } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [reference, setReference] = useState('');
  const [billDate, setBillDate] = useState(new Date().toISOString().slice(0, 10));
  const [prices, setPrices] = useState<Record<string, string>>({});
  const [qtys, setQtys] = useState<Record<string, number>>({});
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const open = po.lines.map((l) => ({ l, qty: qtys[l.id] ?? Math.max(l.qtyReceived - l.qtyRejected - l.qtyBilled, 0) }));
  const record = async () => {
    setError(null);
    try {
      const lines = open
        .filter((x) => x.qty > 0)
        .map(({ l, qty }) => {
          const text = prices[l.id];
          const cents = text === undefined ? l.unitPriceMinor : parseMoney(text);
          if (cents === null) throw new Error(`${l.sku}: enter a price like 12.34`);
          return { orderLineId: l.id, quantity: qty, unitPriceMinor: cents };
        });
      await client.call('purchasing.bill.create', { orderId: po.id, vendorReference: reference.trim(), billDate, lines });
      setReference('');
      setPrices({});
      setQtys({});
      onChanged();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const decide = async (id: string, how: 'approve' | 'credit') => {
    setError(null);
    try {
      const reason = (reasons[id] ?? '').trim();
      await client.call(how === 'approve' ? 'purchasing.bill.approve' : 'purchasing.bill.requestCredit', { id, reason });
      onChanged();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <Stack gap={6} mt="md">
      <Title order={5}>Vendor bills (three-way match)</Title>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      {bills.map((b) => (
        <Stack key={b.id} gap={2} data-testid={`bill-${b.vendorReference}`}>
          <Group gap="xs">
            <Text size="sm" ff="monospace">
              {b.number}
            </Text>
            <Text size="sm">({b.vendorReference})</Text>
            <Text size="sm">{money(b.totalMinor)}</Text>
            <Badge size="sm" variant="light" color={BILL_COLORS[b.state]} data-testid="bill-state">
              {label(b.state)}
            </Badge>
            {b.differenceMinor !== 0 && <Text size="sm">difference {money(b.differenceMinor)}</Text>}
            <Button size="compact-xs" variant="default" onClick={() => void client.call('purchasing.bill.pdf', { id: b.id }).then(downloadBase64).catch((e) => setError(messageOf(e)))} data-testid="bill-pdf">
              PDF (with tax)
            </Button>
          </Group>
          {b.holdReasons.map((r, i) => (
            <Text key={i} size="xs" c="dimmed">
              {r}
            </Text>
          ))}
          {b.state === 'held' && can('purchasing.bill.approve') && (
            <Group align="end">
              <TextInput size="xs" w={280} label="Reason" value={reasons[b.id] ?? ''} onChange={(e) => {
                      const value = e.currentTarget.value;
                      setReasons((r) => ({ ...r, [b.id]: value }));
                    }} data-testid="bill-reason" />
              <Button size="xs" color="teal" onClick={() => void decide(b.id, 'approve')} data-testid="bill-approve">
                Approve difference
              </Button>
              <Button size="xs" variant="light" onClick={() => void decide(b.id, 'credit')}>
                Request credit note
              </Button>
            </Group>
          )}
        </Stack>
      ))}
      {can('purchasing.bill') && (
        <Stack gap={4}>
          <Group align="end">
            <TextInput size="xs" label="Vendor's bill number" w={180} value={reference} onChange={(e) => setReference(e.currentTarget.value)} data-testid="bill-reference" />
            <TextInput size="xs" label="Bill date" w={130} value={billDate} onChange={(e) => setBillDate(e.currentTarget.value)} />
          </Group>
          <SimpleTable
            label="Bill lines"
            columns={[
              { id: 'sku', label: 'SKU', mono: true, render: (x: (typeof open)[number]) => x.l.sku },
              { id: 'po', label: 'PO price', num: true, render: (x: (typeof open)[number]) => money(x.l.unitPriceMinor) },
              {
                id: 'qty',
                label: 'Billed qty',
                render: (x: (typeof open)[number]) => (
                  <NumberInput size="xs" w={90} min={0} allowDecimal={false} value={x.qty} onChange={(v) => setQtys((q) => ({ ...q, [x.l.id]: typeof v === 'number' ? v : 0 }))} aria-label={`Billed quantity ${x.l.sku}`} />
                ),
              },
              {
                id: 'price',
                label: 'Bill price',
                render: (x: (typeof open)[number]) => (
                  <TextInput
                    size="xs"
                    w={100}
                    aria-label={`Bill price ${x.l.sku}`}
                    data-testid={`bill-price-${x.l.lineNo}`}
                    value={prices[x.l.id] ?? moneyInput(x.l.unitPriceMinor)}
                    onChange={(e) => {
                      const value = e.currentTarget.value;
                      setPrices((p) => ({ ...p, [x.l.id]: value }));
                    }}
                  />
                ),
              },
            ]}
            rows={open}
            rowKey={(x) => x.l.id}
          />
          <Group>
            <Button size="xs" onClick={() => void record()} disabled={!reference.trim()} data-testid="bill-record">
              Record and match bill
            </Button>
          </Group>
        </Stack>
      )}
    </Stack>
  );
}
