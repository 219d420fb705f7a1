import { Badge, Button, Group, NumberInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { LANDED_COST_KINDS, LANDED_COST_METHODS } from '../../../src-shared/contract/purchasing';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { money } from '../sales/format';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { useEngineQuery } from '../ui/useEngineQuery';
import { downloadBase64 } from '../warehouse/download';
import { dateOnly } from '../warehouse/format';
import { BillMatch } from './BillsPage';
import { PoDropShip } from './DropShipPanel';
import { parseMoney } from './money';
import { PO_STATE_COLORS, stateLabel } from './PurchaseOrdersPage';

type Po = OutputOf<'purchasing.po.get'>;
type Line = Po['lines'][number];
type Inspection = OutputOf<'purchasing.inspection.list'>['rows'][number];

const RECEIVABLE = ['sent', 'confirmed', 'partially_received'];

/** One purchase order: approve, send, receive (partial, with inspections), landed costs and bills. */
export function PoDetail({ id }: { id: string }) {
  const { can } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const q = useEngineQuery(
    async () => {
      const [po, inspections, bills] = await Promise.all([
        client.call('purchasing.po.get', { id }),
        client.call('purchasing.inspection.list', { orderId: id }),
        client.call('purchasing.bill.list', { orderId: id, offset: 0, limit: 100 }),
      ]);
      return { po, inspections: inspections.rows, bills: bills.rows };
    },
    [id],
  );
  useReloadOnCommit('purchasing.', q.reload);
  const [receive, setReceive] = useState<Record<string, number>>({});
  const [landed, setLanded] = useState({ kind: 'freight', method: 'value', amount: '' });
  const [landedResult, setLandedResult] = useState<OutputOf<'purchasing.landedCost.add'> | null>(null);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      await q.reload();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const data = q.data;
  if (!data) return <div className="bl-page">{q.error ? <ErrorAlert error={q.error} /> : <Text c="dimmed">Loading…</Text>}</div>;
  const { po, inspections, bills } = data;
  // A drop-ship order is not received here: the vendor's shipment confirmation (PoDropShip) receives it.
  const receivable = RECEIVABLE.includes(po.state) && po.shipToPartnerId === null;
  const toReceive = po.lines.map((l) => ({ lineId: l.id, quantity: receive[l.id] ?? 0 })).filter((l) => l.quantity > 0);

  const lineColumns = [
    { id: 'no', label: '#', num: true, render: (l: Line) => l.lineNo },
    { id: 'sku', label: 'SKU', mono: true, render: (l: Line) => l.sku },
    { id: 'name', label: 'Product', render: (l: Line) => (
        <>
          {l.productName}
          {l.needsInspection && (
            <Badge size="xs" ml={6} color="yellow">
              inspect
            </Badge>
          )}
        </>
      ) },
    { id: 'qty', label: 'Ordered', num: true, render: (l: Line) => l.quantity },
    { id: 'price', label: 'Price', num: true, render: (l: Line) => money(l.unitPriceMinor) },
    { id: 'received', label: 'Received', num: true, testId: 'po-line-received', render: (l: Line) => l.qtyReceived },
    { id: 'rejected', label: 'Rejected', num: true, render: (l: Line) => l.qtyRejected },
    { id: 'billed', label: 'Billed', num: true, render: (l: Line) => l.qtyBilled },
    ...(receivable && can('purchasing.receive')
      ? [
          {
            id: 'now',
            label: 'Receive now',
            render: (l: Line) => (
              <NumberInput
                size="xs"
                w={90}
                min={0}
                allowDecimal={false}
                aria-label={`Receive ${l.sku}`}
                data-testid={`receive-${l.lineNo}`}
                value={receive[l.id] ?? ''}
                onChange={(v) => setReceive((r) => ({ ...r, [l.id]: typeof v === 'number' ? v : 0 }))}
              />
            ),
          },
        ]
      : []),
  ];

  return (
    <div className="bl-page">
      <PageHeader
        title={po.number}
        mono
        back={{ to: 'purchasing', label: 'Purchase orders' }}
        actions={
          <Group gap="xs">
            <Button variant="default" size="xs" onClick={() => void client.call('purchasing.po.pdf', { id }).then(downloadBase64).catch((e) => setError(messageOf(e)))}>
              PDF
            </Button>
            {po.state === 'draft' && can('purchasing.write') && (
              <Button size="xs" loading={busy} data-testid="po-submit" onClick={() => void run(() => client.call('purchasing.po.submit', { id }))}>
                Submit
              </Button>
            )}
            {po.state === 'to_approve' && can('purchasing.approve') && (
              <Button size="xs" color="teal" loading={busy} data-testid="po-approve" onClick={() => void run(() => client.call('purchasing.po.approve', { id }))}>
                Approve
              </Button>
            )}
            {po.state === 'approved' && can('purchasing.write') && (
              <Button size="xs" loading={busy} data-testid="po-send" onClick={() => void run(() => client.call('purchasing.po.send', { id }))}>
                Send to vendor
              </Button>
            )}
            {['draft', 'to_approve', 'approved', 'sent', 'confirmed'].includes(po.state) && can('purchasing.write') && (
              <Button size="xs" color="red" variant="light" loading={busy} onClick={() => void run(() => client.call('purchasing.po.cancel', { id }))}>
                Cancel order
              </Button>
            )}
          </Group>
        }
      >
        <Badge color={PO_STATE_COLORS[po.state]} variant="light" data-testid="po-state">
          {stateLabel(po.state)}
        </Badge>
        {po.urgent && (
          <Badge color="red" variant="filled">
            urgent
          </Badge>
        )}
      </PageHeader>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Text size="sm">
        {po.vendorName} → {po.warehouseCode} · ordered {dateOnly(po.orderDate)} · expected {dateOnly(po.expectedDate)} · total <b>{money(po.totalMinor, po.currency)}</b>
        {po.approvalsNeeded > 0 && ` · approvals: ${[po.approvedBy, po.approved2By].filter(Boolean).join(', ') || 'none yet'} of ${po.approvalsNeeded}`}
      </Text>
      <PoDropShip po={po} onChanged={() => void q.reload()} onError={setError} />
      <SimpleTable<Line> label="Order lines" columns={lineColumns} rows={po.lines} rowKey={(l) => l.id} rowTestId={(l) => `po-line-${l.lineNo}`} />
      {['sent', 'confirmed'].includes(po.state) && can('purchasing.write') && (
        <Group gap="xs">
          <Text size="xs">Vendor acknowledgement (X12 855):</Text>
          <input
            type="file"
            accept=".edi,.x12,.txt"
            aria-label="Import the vendor's 855 acknowledgement"
            data-testid="po-ack-file"
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file) void run(async () => client.call('purchasing.po.acknowledge', { fileName: file.name, content: await file.text() }));
              e.currentTarget.value = '';
            }}
          />
        </Group>
      )}
      {po.acknowledgement && <AckPanel ack={po.acknowledgement} />}
      {receivable && can('purchasing.receive') && (
        <Group>
          <Button
            size="xs"
            data-testid="po-receive"
            disabled={toReceive.length === 0}
            loading={busy}
            onClick={() =>
              void run(async () => {
                await client.call('purchasing.po.receive', { id, lines: toReceive });
                setReceive({});
              })
            }
          >
            Receive
          </Button>
          <Text size="xs" c="dimmed">
            What is not received stays on a backorder.
          </Text>
        </Group>
      )}

      {inspections.length > 0 && (
        <Stack gap={4} mt="md">
          <Title order={5}>Quality inspection</Title>
          {inspections.map((ins) => (
            <InspectionRow key={ins.id} ins={ins} onDone={() => void q.reload()} onError={setError} />
          ))}
        </Stack>
      )}

      {po.lines.some((l) => l.qtyReceived > 0) && can('purchasing.write') && (
        <Stack gap={4} mt="md">
          <Title order={5}>Landed costs</Title>
          <Group align="end">
            <Select label="Kind" w={120} data={[...LANDED_COST_KINDS]} value={landed.kind} onChange={(v) => setLanded((s) => ({ ...s, kind: v ?? 'freight' }))} />
            <Select label="Allocate by" w={120} data={[...LANDED_COST_METHODS]} value={landed.method} onChange={(v) => setLanded((s) => ({ ...s, method: v ?? 'value' }))} />
            <TextInput label="Amount" w={120} data-testid="landed-amount" value={landed.amount} onChange={(e) => {
                      const value = e.currentTarget.value;
                      setLanded((s) => ({ ...s, amount: value }));
                    }} />
            <Button
              size="xs"
              data-testid="landed-add"
              loading={busy}
              onClick={() =>
                void run(async () => {
                  const amountMinor = parseMoney(landed.amount);
                  if (!amountMinor) throw new Error('Enter an amount like 125.00');
                  setLandedResult(await client.call('purchasing.landedCost.add', { orderId: id, kind: landed.kind as (typeof LANDED_COST_KINDS)[number], method: landed.method as (typeof LANDED_COST_METHODS)[number], amountMinor }));
                })
              }
            >
              Add landed cost
            </Button>
          </Group>
          {landedResult && (
            <Text size="sm" data-testid="landed-result">
              {landedResult.number}: {money(landedResult.capitalizedMinor)} into stock value
              {landedResult.lines.map((l) => ` · ${l.sku} +${money(l.allocatedMinor)} → average cost ${money(l.averageCostMinor)}`).join('')}
            </Text>
          )}
        </Stack>
      )}

      {!['draft', 'to_approve', 'approved', 'cancelled'].includes(po.state) && <BillMatch po={po} bills={bills} onChanged={() => void q.reload()} />}
    </div>
  );
}

function InspectionRow({ ins, onDone, onError }: { ins: Inspection; onDone(): void; onError(e: string): void }) {
  const [passed, setPassed] = useState<number>(ins.quantity);
  const [note, setNote] = useState('');
  if (ins.state === 'done') {
    return (
      <Text size="sm" data-testid={`inspection-${ins.sku}`}>
        {ins.sku}: {ins.passed} passed, {ins.failed} failed{ins.note ? ` (${ins.note})` : ''}
        {ins.returnTransferId ? ' · return to vendor planned' : ''}
      </Text>
    );
  }
  return (
    <Group align="end" data-testid={`inspection-${ins.sku}`}>
      <Text size="sm" w={200}>
        {ins.sku}: {ins.quantity} to inspect
      </Text>
      <NumberInput label="Passed" size="xs" w={90} min={0} max={ins.quantity} allowDecimal={false} value={passed} onChange={(v) => setPassed(typeof v === 'number' ? v : 0)} data-testid="inspection-passed" />
      <Text size="sm">failed {ins.quantity - passed}</Text>
      <TextInput label="Why it failed" size="xs" w={220} value={note} onChange={(e) => setNote(e.currentTarget.value)} data-testid="inspection-note" />
      <Button
        size="xs"
        data-testid="inspection-record"
        onClick={() =>
          void client
            .call('purchasing.inspection.record', { id: ins.id, passed, failed: ins.quantity - passed, note: note.trim() || null })
            .then(onDone)
            .catch((e) => onError(messageOf(e)))
        }
      >
        Record inspection
      </Button>
    </Group>
  );
}

type Ack = NonNullable<Po['acknowledgement']>;

/** The vendor's latest 855, line by line: what differs from the order. */
function AckPanel({ ack }: { ack: Ack }) {
  return (
    <Stack gap={4} mt="sm" data-testid="po-ack">
      <Text size="sm">
        Vendor acknowledgement {ack.vendorReference ? `${ack.vendorReference} ` : ''}({ack.ackType}, interchange {ack.controlNumber}
        {ack.ackDate ? `, ${ack.ackDate}` : ''}): {ack.accepted} accepted, {ack.changed} changed, {ack.rejected} rejected
      </Text>
      <SimpleTable<Ack['lines'][number]>
        label="Acknowledged lines"
        rows={ack.lines}
        rowKey={(l) => l.orderLineId}
        rowTestId={(l) => `po-ack-${l.sku}`}
        columns={[
          { id: 'no', label: '#', num: true, render: (l) => l.lineNo },
          { id: 'sku', label: 'SKU', mono: true, render: (l) => l.sku },
          { id: 'status', label: 'Vendor says', render: (l) => <Badge size="xs" color={l.status === 'accepted' ? 'green' : l.status === 'rejected' ? 'red' : 'orange'}>{l.status}</Badge> },
          { id: 'qty', label: 'Qty', num: true, render: (l) => l.quantity },
          { id: 'diff', label: 'Differences from the order', render: (l) => <Text size="xs">{l.difference || '—'}</Text> },
        ]}
      />
    </Stack>
  );
}
