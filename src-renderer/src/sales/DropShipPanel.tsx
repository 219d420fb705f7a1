import { Anchor, Badge, Button, Checkbox, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { SimpleTable } from '../ui/SimpleTable';
import { useReloadOnCommit } from '../ui/useEngineEvents';

type Order = OutputOf<'sales.order.get'>;
type DropLine = OutputOf<'sales.dropship.list'>['lines'][number];

const STATE_COLORS: Record<DropLine['state'], string> = { planned: 'gray', ordered: 'blue', shipped: 'teal', cancelled: 'red' };

/**
 * Drop ship on an order's page: on a quotation each line can be marked "vendor ships to the
 * customer"; once confirmed, each drop-ship line shows its purchase order, what the vendor
 * shipped (tracking numbers), and can be cancelled while nothing is shipped.
 */
export function OrderDropShip({ order, onChanged }: { order: Order; onChanged(): void }) {
  const { can } = useSession();
  const [lines, setLines] = useState<DropLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setLines((await client.call('sales.dropship.list', { orderId: order.id })).lines);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [order.id]);
  useEffect(() => {
    void load();
  }, [load, order.version, order.state]);
  useReloadOnCommit('purchasing.dropship.', load);

  const draft = order.state === 'draft';
  if (!draft && lines.length === 0) return null;
  const editable = draft && can('sales.write');
  const run = async (key: string, fn: () => Promise<{ lines: DropLine[] }>) => {
    setBusy(key);
    setError(null);
    try {
      setLines((await fn()).lines);
      onChanged();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="so-panel" data-testid="dropship-panel">
      <Title order={4} mb={4}>
        Drop ship
      </Title>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      {draft ? (
        <>
          <Text size="xs" c="dimmed" mb={4}>
            A drop-ship line is bought from the vendor, who ships it straight to the customer: no warehouse stock is reserved for it.
          </Text>
          {order.lines.map((l) => {
            const mark = lines.find((d) => d.salesLineId === l.id);
            return (
              <Checkbox
                key={l.id}
                my={2}
                disabled={!editable || busy !== null}
                data-testid={`dropship-mark-${l.sku}`}
                checked={!!mark}
                label={`${l.lineNo}. ${l.sku} ${l.productName}${mark?.vendorName ? ` — vendor ships it (${mark.vendorName})` : ''}`}
                onChange={(e) => {
                  const dropShip = e.currentTarget.checked;
                  void run(l.id, () => client.call('sales.dropship.mark', { orderId: order.id, lineId: l.id, dropShip }));
                }}
              />
            );
          })}
        </>
      ) : (
        <SimpleTable<DropLine>
          label="Drop-ship lines"
          rows={lines}
          rowKey={(d) => d.id}
          rowTestId={(d) => `dropship-${d.sku}`}
          columns={[
            { id: 'no', label: '#', num: true, width: 30, render: (d) => d.lineNo },
            { id: 'sku', label: 'SKU', mono: true, render: (d) => d.sku },
            { id: 'vendor', label: 'Vendor', render: (d) => d.vendorName ?? '' },
            {
              id: 'po',
              label: 'Purchase order',
              mono: true,
              testId: 'dropship-po',
              render: (d) => (d.purchaseOrderId && can('purchasing.read') ? <Anchor onClick={() => navigate(`purchasing/po/${d.purchaseOrderId}`)}>{d.purchaseOrderNumber}</Anchor> : (d.purchaseOrderNumber ?? '')),
            },
            { id: 'postate', label: 'PO state', render: (d) => (d.purchaseOrderState ?? '').replace(/_/g, ' ') },
            { id: 'state', label: 'State', testId: 'dropship-state', render: (d) => <Badge color={STATE_COLORS[d.state]} variant="light">{d.state}</Badge> },
            { id: 'qty', label: 'Ordered', num: true, render: (d) => d.quantity },
            { id: 'shipped', label: 'Shipped', num: true, testId: 'dropship-shipped', render: (d) => d.qtyShipped },
            { id: 'tracking', label: 'Tracking', mono: true, testId: 'dropship-tracking', render: (d) => d.trackingNumbers.join(', ') },
            {
              id: 'cancel',
              label: '',
              render: (d) =>
                d.state === 'ordered' && d.qtyShipped === 0 && can('sales.write') ? (
                  <Button size="compact-xs" color="red" variant="subtle" loading={busy === d.id} onClick={() => void run(d.id, () => client.call('sales.dropship.cancelLine', { lineId: d.salesLineId, reason: 'Cancelled from the order page' }))}>
                    Cancel line
                  </Button>
                ) : null,
            },
          ]}
        />
      )}
    </div>
  );
}
