import { Anchor, Button, Group, NumberInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { money } from '../sales/format';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { useEngineQuery } from '../ui/useEngineQuery';
import { dateOnly } from '../warehouse/format';

type Po = OutputOf<'purchasing.po.get'>;

const SHIPPABLE = ['sent', 'confirmed', 'partially_received'];

/**
 * The drop-ship side of a purchase order: the customer and address the vendor ships to, the
 * sales orders it serves, the shipments so far, and the vendor's shipment confirmation
 * (tracking number, quantities per line) once the order is sent.
 */
export function PoDropShip({ po, onChanged, onError }: { po: Po; onChanged(): void; onError(e: string | null): void }) {
  const { can } = useSession();
  const q = useEngineQuery(() => client.call('purchasing.dropship.get', { orderId: po.id }), [po.id, po.state]);
  useReloadOnCommit('purchasing.', q.reload);
  const [tracking, setTracking] = useState('');
  const [carrier, setCarrier] = useState('');
  const [qty, setQty] = useState<Record<string, number>>({});
  const [busy, setBusy] = useState(false);
  const info = q.data;
  if (!info?.dropShip) return null;
  const open = po.lines.filter((l) => l.quantity > l.qtyReceived);
  const shippable = SHIPPABLE.includes(po.state) && can('purchasing.receive') && open.length > 0;

  const confirm = async () => {
    setBusy(true);
    onError(null);
    try {
      await client.call('purchasing.dropship.ship', {
        orderId: po.id,
        trackingNumber: tracking,
        carrier: carrier.trim() || null,
        lines: open.map((l) => ({ lineId: l.id, quantity: qty[l.id] ?? l.quantity - l.qtyReceived })),
      });
      setTracking('');
      setQty({});
      await q.reload();
      onChanged();
    } catch (e) {
      onError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap={4} mt="xs" data-testid="po-dropship">
      <Text size="sm">
        <b>Drop ship</b>: the vendor ships to <span data-testid="po-dropship-customer">{info.customerName}</span>
        {info.shipTo ? ` (${info.shipTo})` : ''} for{' '}
        {info.salesOrders.map((o, i) => (
          <span key={o.id}>
            {i > 0 ? ', ' : ''}
            <Anchor data-testid="po-dropship-order" onClick={() => navigate(`orders/${o.id}`)}>
              {o.number}
            </Anchor>
          </span>
        ))}
        . No warehouse receipt: the vendor's shipment delivers the customer.
      </Text>
      {info.shipments.map((s) => (
        <Text key={s.id} size="xs" c="dimmed" data-testid="po-dropship-shipment">
          Shipped {dateOnly(s.shippedAt)}: {s.units} unit(s), {money(s.valueMinor, po.currency)} · tracking {s.trackingNumber}
          {s.carrier ? ` (${s.carrier})` : ''}
        </Text>
      ))}
      {shippable && (
        <>
          <Title order={5} mt="xs">
            Vendor shipment
          </Title>
          <Group align="end">
            <TextInput label="Tracking number" size="xs" w={180} data-testid="dropship-tracking-input" value={tracking} onChange={(e) => setTracking(e.currentTarget.value)} />
            <TextInput label="Carrier" size="xs" w={120} value={carrier} onChange={(e) => setCarrier(e.currentTarget.value)} />
            {open.map((l) => (
              <NumberInput
                key={l.id}
                label={`${l.sku} shipped`}
                size="xs"
                w={120}
                min={0}
                allowDecimal={false}
                data-testid={`dropship-qty-${l.lineNo}`}
                value={qty[l.id] ?? l.quantity - l.qtyReceived}
                onChange={(v) => setQty((s) => ({ ...s, [l.id]: typeof v === 'number' ? v : 0 }))}
              />
            ))}
            <Button size="xs" data-testid="dropship-confirm" loading={busy} onClick={() => void confirm()}>
              Confirm vendor shipment
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}
