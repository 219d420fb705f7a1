import { Alert, Anchor, Badge, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconBan, IconCheck, IconFileInvoice, IconLockOpen, IconPrinter, IconRefresh, IconX } from '@tabler/icons-react';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { downloadBase64 } from '../warehouse/download';
import { STATE_COLORS, STATE_LABELS, dateOnly, stepLabel } from '../warehouse/format';
import { CHANNEL_LABELS, ORDER_STATE_COLORS, ORDER_STATE_LABELS, money, pct } from './format';
import { ReasonModal } from './ReasonModal';
import { OrderDropShip } from './DropShipPanel';
import './sales.css';

type Order = OutputOf<'sales.order.get'>;
type Approval = OutputOf<'sales.approval.list'>['rows'][number];
type InvoiceRow = OutputOf<'sales.invoice.list'>['rows'][number];
type TransferRow = OutputOf<'inventory.transfer.list'>['rows'][number];
type Ask = { kind: 'approve' | 'reject'; approval: Approval } | { kind: 'release' } | { kind: 'cancel' };

const RELEASED = ['confirmed', 'partially_delivered', 'delivered', 'invoiced', 'done'];

/** One order: its state and why it waits, the lines' ordered/reserved/delivered/invoiced quantities, deliveries, invoices, approvals, and the next step. */
export function OrderDetail({ id }: { id: string }) {
  const { can } = useSession();
  const [o, setO] = useState<Order | null>(null);
  const [approvals, setApprovals] = useState<Approval[]>([]);
  const [invoices, setInvoices] = useState<InvoiceRow[]>([]);
  const [deliveries, setDeliveries] = useState<TransferRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [ask, setAsk] = useState<Ask | null>(null);

  const load = useCallback(async () => {
    try {
      const order = await client.call('sales.order.get', { id });
      setO(order);
      const [a, i, t] = await Promise.all([
        client.call('sales.approval.list', { orderId: id, limit: 50 }),
        client.call('sales.invoice.list', { orderId: id, limit: 100 }),
        can('inventory.read') ? client.call('inventory.transfer.list', { query: order.number, limit: 200, sort: 'number', dir: 'asc' }) : Promise.resolve({ rows: [] as TransferRow[] }),
      ]);
      setApprovals(a.rows);
      setInvoices(i.rows);
      setDeliveries(t.rows.filter((r) => r.origin === order.number));
    } catch (e) {
      setError(messageOf(e));
    }
  }, [id, can]);
  useEffect(() => {
    void load();
  }, [load]);
  useReloadOnCommit('sales.', load, !!busy);

  async function act(label: string, fn: () => Promise<{ warnings?: string[] } | unknown>, done: string) {
    setBusy(label);
    setError(null);
    try {
      const r = (await fn()) as { warnings?: string[]; state?: string; holdReason?: string | null };
      notifications.show({ color: 'teal', title: done, message: r?.state ? `${o?.number}: ${ORDER_STATE_LABELS[r.state as keyof typeof ORDER_STATE_LABELS] ?? r.state}` : (o?.number ?? '') });
      for (const w of r?.warnings ?? []) notifications.show({ color: 'yellow', title: 'Check this order', message: w });
      await load();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  }

  async function pdf(label: string, fn: () => Promise<{ filename: string; contentType: string; base64: string }>) {
    setBusy(label);
    try {
      downloadBase64(await fn());
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  }

  if (!o) return <div className="bl-page">{error ? <ErrorAlert error={error} /> : <Loader m="xl" size="sm" />}</div>;
  const pending = approvals.find((a) => a.state === 'pending');
  const released = RELEASED.includes(o.state);
  const toInvoice = o.lines.some((l) => (o.invoicePolicy === 'on_delivery' ? l.delivered > l.invoiced : l.quantity - l.cancelled > l.invoiced));
  const open = released && o.lines.some((l) => l.quantity - l.delivered - l.cancelled > 0);

  return (
    <div className="bl-page">
      <PageHeader
        title={o.number}
        mono
        back={{ to: 'orders', label: 'Back to orders' }}
        actions={
          <Group gap="xs">
            <Button variant="default" leftSection={<IconPrinter size={14} />} loading={busy === 'print'} onClick={() => void pdf('print', () => client.call('documents.orderConfirmation', { orderId: o.id }))}>
              {o.state === 'draft' ? 'Quotation (PDF)' : 'Order confirmation (PDF)'}
            </Button>
            {released && (
              <Button variant="default" leftSection={<IconRefresh size={14} />} loading={busy === 'refresh'} onClick={() => void act('refresh', () => client.call('sales.order.refresh', { id: o.id }), 'Updated from deliveries')}>
                Update from deliveries
              </Button>
            )}
            {o.state === 'draft' && can('sales.write') && (
              <Button leftSection={<IconCheck size={14} />} loading={busy === 'confirm'} onClick={() => void act('confirm', () => client.call('sales.order.confirm', { id: o.id }), 'Order confirmed')}>
                Confirm
              </Button>
            )}
            {pending && can('sales.approve') && (
              <>
                <Button color="teal" leftSection={<IconCheck size={14} />} onClick={() => setAsk({ kind: 'approve', approval: pending })}>
                  Approve
                </Button>
                <Button color="red" variant="light" leftSection={<IconX size={14} />} onClick={() => setAsk({ kind: 'reject', approval: pending })}>
                  Reject
                </Button>
              </>
            )}
            {o.state === 'credit_hold' && can('sales.credit.release') && (
              <Button color="orange" leftSection={<IconLockOpen size={14} />} onClick={() => setAsk({ kind: 'release' })}>
                Release credit hold
              </Button>
            )}
            {released && toInvoice && can('sales.invoice') && (
              <Button leftSection={<IconFileInvoice size={14} />} loading={busy === 'invoice'} onClick={() => void act('invoice', () => client.call('sales.invoice.create', { orderId: o.id }), 'Invoice created')}>
                Create invoice
              </Button>
            )}
            {can('sales.write') && o.state !== 'cancelled' && (o.state === 'draft' || o.state === 'awaiting_approval' || o.state === 'credit_hold' || open) && (
              <Button color="red" variant="subtle" leftSection={<IconBan size={14} />} onClick={() => setAsk({ kind: 'cancel' })}>
                {released ? 'Cancel remainder' : 'Cancel order'}
              </Button>
            )}
          </Group>
        }
      >
        <Badge color={ORDER_STATE_COLORS[o.state]} variant="light" size="lg" data-testid="order-state">
          {ORDER_STATE_LABELS[o.state]}
        </Badge>
      </PageHeader>
      <div className="so-detail">
        <Stack gap="xs" px="md" pt="xs">
          <ErrorAlert error={error} onClose={() => setError(null)} />
          {o.holdReason && (
            <Alert color={o.state === 'credit_hold' ? 'red' : o.state === 'awaiting_approval' ? 'orange' : 'gray'} data-testid="hold-reason" py={8}>
              {o.holdReason}
            </Alert>
          )}
        </Stack>
        <dl className="so-facts">
          <Fact label="Customer" value={<Anchor onClick={() => navigate('orders/customers')}>{o.customerName}</Anchor>} />
          <Fact label="Channel" value={CHANNEL_LABELS[o.channelCode]} />
          <Fact label="Customer PO" value={o.customerPo ?? '—'} />
          <Fact label="Ordered" value={dateOnly(o.orderDate)} />
          <Fact label="Promised" value={dateOnly(o.promisedDate)} />
          <Fact label="Ships from" value={[...new Set(deliveries.map((d) => d.warehouseCode))].join(', ') || o.warehouseCode || 'to be routed'} testId="ships-from" />
          <Fact label="Untaxed" value={money(o.untaxedMinor, o.currency)} />
          <Fact label="Tax" value={money(o.taxMinor, o.currency)} />
          <Fact label="Total" value={money(o.totalMinor, o.currency)} testId="order-total" />
          <Fact label="Margin" value={pct(o.marginBp)} />
          <Fact label="Invoiced" value={money(o.invoicedMinor, o.currency)} testId="order-invoiced" />
          <Fact label="Backorders" value={o.backorderPolicy.replace(/_/g, ' ')} />
        </dl>
        <Panel title="Lines">
          <SimpleTable
            label="Order lines"
            rows={o.lines}
            rowKey={(l) => l.id}
            rowTestId={(l) => `line-${l.sku}`}
            columns={[
              { id: 'no', label: '#', num: true, width: 30, render: (l) => l.lineNo },
              { id: 'sku', label: 'SKU', mono: true, width: 140, render: (l) => l.sku },
              { id: 'name', label: 'Product', render: (l) => l.productName },
              { id: 'qty', label: 'Ordered', num: true, render: (l) => `${l.uomQuantity} ${l.uomCode}` },
              { id: 'price', label: 'Price', num: true, render: (l) => <span title={l.priceReason}>{money(l.unitPriceMinor)}</span> },
              { id: 'disc', label: 'Disc.', num: true, render: (l) => (l.discountBp ? pct(l.discountBp) : '') },
              { id: 'amount', label: 'Amount', num: true, render: (l) => money(l.subtotalMinor) },
              { id: 'reserved', label: 'Reserved', num: true, testId: 'reserved', render: (l) => l.reserved },
              { id: 'delivered', label: 'Delivered', num: true, testId: 'delivered', render: (l) => l.delivered },
              { id: 'invoiced', label: 'Invoiced', num: true, testId: 'invoiced', render: (l) => l.invoiced },
              { id: 'cancelled', label: 'Cancelled', num: true, testId: 'cancelled', render: (l) => l.cancelled || '' },
              { id: 'why', label: 'Why this price', render: (l) => <Text size="xs" c="dimmed">{l.priceReason}</Text> },
            ]}
          />
        </Panel>
        <OrderDropShip order={o} onChanged={() => void load()} />
        {approvals.length > 0 && (
          <Panel title="Approvals">
            <SimpleTable
              label="Approvals"
              rows={approvals}
              rowKey={(a) => a.id}
              columns={[
                { id: 'state', label: 'State', width: 90, render: (a) => <Badge color={a.state === 'approved' ? 'teal' : a.state === 'rejected' ? 'red' : 'orange'} variant="light">{a.state}</Badge> },
                { id: 'role', label: 'Approver', width: 80, render: (a) => a.approverRole },
                { id: 'reasons', label: 'Why', render: (a) => a.reasons.join('; ') },
                { id: 'by', label: 'Decided', render: (a) => (a.decidedBy ? `${a.decidedBy}: ${a.decisionReason ?? ''}` : '') },
              ]}
            />
          </Panel>
        )}
        <Panel title="Deliveries">
          <SimpleTable
            label="Deliveries"
            rows={deliveries}
            rowKey={(t) => t.id}
            rowTestId={(t) => `delivery-${t.number}`}
            empty={<Text size="sm" c="dimmed">{released ? 'No delivery yet.' : 'Deliveries are created when the order is released to the warehouse.'}</Text>}
            columns={[
              { id: 'number', label: 'Transfer', mono: true, render: (t) => <Anchor onClick={() => navigate(`warehouse/transfers/${t.id}`)}>{t.number}</Anchor> },
              { id: 'step', label: 'Step', render: (t) => stepLabel(t) },
              { id: 'wh', label: 'WH', render: (t) => t.warehouseCode },
              { id: 'state', label: 'State', render: (t) => <Badge color={STATE_COLORS[t.state]} variant="dot">{STATE_LABELS[t.state]}</Badge> },
              { id: 'units', label: 'Units', num: true, render: (t) => t.totalQuantity },
              { id: 'back', label: '', render: (t) => (t.backorderOfId ? <Text size="xs" c="dimmed">backorder</Text> : null) },
              {
                id: 'slip',
                label: '',
                render: (t) =>
                  t.kind === 'delivery' ? (
                    <RowPdfButton label="Packing slip" onClick={() => void pdf(`slip-${t.id}`, () => client.call('documents.packingSlip', { transferId: t.id }))} />
                  ) : null,
              },
            ]}
          />
        </Panel>
        <Panel title="Invoices">
          <SimpleTable
            label="Invoices of this order"
            rows={invoices}
            rowKey={(i) => i.id}
            empty={<Text size="sm" c="dimmed">Not invoiced yet.</Text>}
            columns={[
              { id: 'number', label: 'Invoice', mono: true, render: (i) => i.number },
              { id: 'date', label: 'Date', render: (i) => dateOnly(i.invoiceDate) },
              { id: 'due', label: 'Due', render: (i) => dateOnly(i.dueDate) },
              { id: 'total', label: 'Total', num: true, render: (i) => money(i.totalMinor) },
              { id: 'open', label: 'Open', num: true, render: (i) => money(i.openMinor) },
              { id: 'state', label: 'State', render: (i) => i.state },
              {
                id: 'pdf',
                label: '',
                render: (i) => (
                  <RowPdfButton label="Invoice PDF" onClick={() => void pdf(`inv-${i.id}`, () => client.call('documents.invoice', { invoiceId: i.id }))} />
                ),
              },
            ]}
          />
        </Panel>
      </div>
      {ask && (
        <ReasonModal
          title={ask.kind === 'approve' ? `Approve ${o.number}` : ask.kind === 'reject' ? `Reject ${o.number}` : ask.kind === 'release' ? `Release ${o.number} from credit hold` : released ? `Cancel the remainder of ${o.number}` : `Cancel ${o.number}`}
          intro={
            ask.kind === 'approve' || ask.kind === 'reject' ? (
              <Text size="sm">{ask.approval.reasons.join('; ')}</Text>
            ) : ask.kind === 'release' ? (
              <Text size="sm">{o.holdReason}</Text>
            ) : undefined
          }
          submitLabel={ask.kind === 'approve' ? 'Approve' : ask.kind === 'reject' ? 'Reject' : ask.kind === 'release' ? 'Release' : 'Cancel it'}
          color={ask.kind === 'approve' ? 'teal' : ask.kind === 'release' ? 'orange' : 'red'}
          onClose={() => setAsk(null)}
          onSubmit={async (reason) => {
            const call =
              ask.kind === 'approve' || ask.kind === 'reject'
                ? () => client.call('sales.approval.decide', { id: ask.approval.id, decision: ask.kind as 'approve' | 'reject', reason })
                : ask.kind === 'release'
                  ? () => client.call('sales.order.releaseCredit', { id: o.id, reason })
                  : () => client.call('sales.order.cancel', { id: o.id, reason });
            const r = await call().catch((e: unknown) => {
              throw new Error(messageOf(e));
            });
            setAsk(null);
            notifications.show({ color: 'teal', title: ask.kind === 'approve' ? 'Approved' : ask.kind === 'reject' ? 'Rejected' : ask.kind === 'release' ? 'Released from credit hold' : 'Cancelled', message: `${o.number}: ${ORDER_STATE_LABELS[r.state]}` });
            await load();
          }}
        />
      )}
    </div>
  );
}

function Fact({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

/** A titled block of the order page (lines, approvals, deliveries, invoices). */
function Panel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="so-panel">
      <Title order={4} mb={4}>
        {title}
      </Title>
      {children}
    </div>
  );
}

/** The print button in a row of a panel's table (a packing slip, an invoice). */
function RowPdfButton({ label, onClick }: { label: string; onClick(): void }) {
  return (
    <Button size="compact-xs" variant="subtle" leftSection={<IconPrinter size={12} />} onClick={onClick}>
      {label}
    </Button>
  );
}
