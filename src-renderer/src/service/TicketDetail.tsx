import { Alert, Anchor, Badge, Button, Checkbox, FileButton, Group, Loader, NumberInput, Paper, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowBackUp, IconCheck, IconMail, IconNote, IconPaperclip, IconPlayerPause, IconPlayerPlay } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import { DISPOSITIONS, type OutputOf, RETURN_CATEGORIES } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { money } from '../sales/format';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { dateOnly } from '../warehouse/format';
import { CATEGORY_LABELS, type Category, DISPOSITION_LABELS, PRIORITY_LABELS, RESOLUTION_LABELS, RMA_STATE_LABELS, STATE_COLORS, STATE_LABELS, TYPE_LABELS } from './format';
import { SlaBadge } from './SlaBadge';
import './service.css';

type Ticket = OutputOf<'service.ticket.get'>;
type Rma = OutputOf<'service.rma.get'>;
type Order = OutputOf<'sales.order.get'>;
type Disposition = (typeof DISPOSITIONS)[number];

/** One ticket: SLA timer, the customer's words, the suggested reason and reply, messages, and the return (RMA) from start to credit. */
export function TicketDetail({ id }: { id: string }) {
  const { can } = useSession();
  const [t, setT] = useState<Ticket | null>(null);
  const [fetchedAt, setFetchedAt] = useState(Date.now());
  const [rmas, setRmas] = useState<Rma[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [reply, setReply] = useState('');
  const [wait, setWait] = useState(false);

  const load = useCallback(async () => {
    try {
      const ticket = await client.call('service.ticket.get', { id });
      setT(ticket);
      setFetchedAt(Date.now());
      setRmas(await Promise.all(ticket.rmas.map((r) => client.call('service.rma.get', { id: r.id }))));
    } catch (e) {
      setError(messageOf(e));
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);
  useReloadOnCommit('service.', load, !!busy);

  async function act(label: string, fn: () => Promise<unknown>, done: string) {
    setBusy(label);
    setError(null);
    try {
      await fn();
      notifications.show({ color: 'teal', title: done, message: t?.number ?? '' });
      await load();
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    } finally {
      setBusy(null);
    }
  }

  if (!t) return <div className="bl-page">{error ? <ErrorAlert error={error} /> : <Loader size="sm" />}</div>;
  const writable = can('service.write');
  const active = t.state === 'open' || t.state === 'waiting_customer';

  return (
    <div className="bl-page svc-detail">
      <PageHeader title={`Ticket ${t.number}`} mono back={{ to: 'service', label: 'Tickets' }}>
        <Badge color={STATE_COLORS[t.state]} variant="dot" data-testid="ticket-state">
          {STATE_LABELS[t.state]}
        </Badge>
        <SlaBadge status={t.slaStatus} remainingMs={t.slaRemainingMs} fetchedAt={fetchedAt} testId="sla-timer" />
      </PageHeader>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <div className="svc-columns">
        <Stack gap="sm" className="svc-main">
          <Paper withBorder p="sm">
            <Title order={4}>{t.subject}</Title>
            <Text size="sm" c="dimmed">
              {TYPE_LABELS[t.type]} · {PRIORITY_LABELS[t.priority]} priority · {t.customerName} · opened {dateOnly(t.createdAt)} ({t.source})
              {t.orderNumber && (
                <>
                  {' '}
                  · order{' '}
                  <Anchor size="sm" onClick={() => navigate(`orders/${t.orderId}`)}>
                    {t.orderNumber}
                  </Anchor>
                </>
              )}
              {t.deliveryNumber && ` · delivery ${t.deliveryNumber}`}
              {t.invoiceNumber && ` · invoice ${t.invoiceNumber}`}
            </Text>
            <Text mt="xs" style={{ whiteSpace: 'pre-wrap' }}>
              {t.description}
            </Text>
            <Text size="xs" c="dimmed" mt="xs">
              First response due {t.firstResponseDueAt ? new Date(t.firstResponseDueAt).toLocaleString() : '—'}
              {t.firstRespondedAt ? ` (answered ${new Date(t.firstRespondedAt).toLocaleString()})` : ''} · resolution due {t.resolutionDueAt ? new Date(t.resolutionDueAt).toLocaleString() : '—'} · assigned to{' '}
              {t.assignee ?? 'nobody'}
            </Text>
          </Paper>

          <Paper withBorder p="sm">
            <Title order={5}>Messages</Title>
            <Stack gap={6} mt="xs" data-testid="messages">
              {t.messages.length === 0 && <Text c="dimmed">No messages yet.</Text>}
              {t.messages.map((m) => (
                <div key={m.id} className={`svc-msg svc-msg-${m.kind}`}>
                  <Text size="xs" c="dimmed">
                    {m.kind === 'reply' ? `Reply to ${m.toAddress}` : m.kind === 'note' ? 'Internal note' : m.kind === 'inbound' ? `From ${m.author}` : 'System'} · {m.author ?? ''} · {new Date(m.createdAt).toLocaleString()}
                    {m.outboxState ? ` · ${m.outboxState}` : ''}
                  </Text>
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                    {m.body}
                  </Text>
                </div>
              ))}
            </Stack>
            {writable && t.state !== 'closed' && (
              <Stack gap="xs" mt="sm">
                <Textarea label="Reply or note" autosize minRows={3} value={reply} onChange={(e) => setReply(e.currentTarget.value)} />
                <Group gap="xs">
                  <Checkbox label="Then wait for the customer (pauses the SLA)" checked={wait} onChange={(e) => setWait(e.currentTarget.checked)} />
                  <Button
                    size="xs"
                    leftSection={<IconMail size={14} />}
                    loading={busy === 'reply'}
                    disabled={!reply.trim()}
                    onClick={() => void act('reply', () => client.call('service.ticket.reply', { id, body: reply, waitForCustomer: wait }), 'Reply queued').then((ok) => ok && setReply(''))}
                  >
                    Send reply
                  </Button>
                  <Button size="xs" variant="default" leftSection={<IconNote size={14} />} loading={busy === 'note'} disabled={!reply.trim()} onClick={() => void act('note', () => client.call('service.ticket.note', { id, body: reply }), 'Note added').then((ok) => ok && setReply(''))}>
                    Add internal note
                  </Button>
                </Group>
              </Stack>
            )}
          </Paper>

          {t.orderId && <ReturnsPanel ticket={t} rmas={rmas} busy={busy} act={act} />}
        </Stack>

        <Stack gap="sm" className="svc-side">
          <Paper withBorder p="sm">
            <Title order={5}>Reason</Title>
            {t.category ? (
              <Text size="sm" data-testid="ticket-category">
                {CATEGORY_LABELS[t.category]} {t.categorySource === 'agent' ? '(set by an agent)' : t.categoryConfidenceBp !== null ? `(suggested, ${Math.round(t.categoryConfidenceBp / 100)} %)` : ''}
              </Text>
            ) : (
              <Text size="sm" c="dimmed">
                Not classified yet
              </Text>
            )}
            {t.suggestion && (
              <Stack gap={4} mt="xs">
                <Text size="xs" c="dimmed">
                  Suggested: {CATEGORY_LABELS[t.suggestion.category]} — {Math.round(t.suggestion.confidenceBp / 100)} % confident
                </Text>
                {writable && (
                  <Button size="xs" variant="light" onClick={() => setReply(t.suggestion!.replyTemplate)}>
                    Use the reply template
                  </Button>
                )}
              </Stack>
            )}
            {writable && (
              <Select
                mt="xs"
                label="Correct the reason"
                placeholder="Choose"
                data={RETURN_CATEGORIES.map((c) => ({ value: c, label: CATEGORY_LABELS[c] }))}
                value={null}
                onChange={(v) => v && void act('categorize', () => client.call('service.ticket.categorize', { id, category: v as Category }), 'Reason set (the classifier learns it)')}
              />
            )}
          </Paper>
          {writable && (
            <Paper withBorder p="sm">
              <Title order={5}>Ticket</Title>
              <Stack gap={6} mt="xs">
                {t.state === 'open' && (
                  <Button size="xs" variant="default" leftSection={<IconPlayerPause size={14} />} onClick={() => void act('state', () => client.call('service.ticket.setState', { id, state: 'waiting_customer' }), 'Waiting for the customer')}>
                    Wait for the customer
                  </Button>
                )}
                {t.state === 'waiting_customer' && (
                  <Button size="xs" variant="default" leftSection={<IconPlayerPlay size={14} />} onClick={() => void act('state', () => client.call('service.ticket.setState', { id, state: 'open' }), 'Ticket open again')}>
                    Customer answered: resume
                  </Button>
                )}
                {active && (
                  <Button size="xs" color="teal" leftSection={<IconCheck size={14} />} onClick={() => void act('state', () => client.call('service.ticket.setState', { id, state: 'resolved' }), 'Ticket resolved')}>
                    Resolve
                  </Button>
                )}
                {!active && (
                  <Button size="xs" variant="default" leftSection={<IconArrowBackUp size={14} />} onClick={() => void act('state', () => client.call('service.ticket.setState', { id, state: 'open' }), 'Ticket reopened')}>
                    Reopen
                  </Button>
                )}
              </Stack>
            </Paper>
          )}
          <Paper withBorder p="sm">
            <Title order={5}>Attachments</Title>
            {t.attachments.map((a) => (
              <Text size="sm" key={a.id}>
                {a.fileName} ({Math.ceil(a.sizeBytes / 1024)} KB)
              </Text>
            ))}
            {writable && (
              <FileButton accept="image/jpeg,image/png,image/webp,application/pdf,text/plain" onChange={(f) => f && void act('attach', async () => client.call('service.ticket.attach', { id, fileName: f.name, contentType: f.type || 'application/octet-stream', contentBase64: await toBase64(f) }), 'File attached')}>
                {(props) => (
                  <Button size="xs" variant="default" mt="xs" leftSection={<IconPaperclip size={14} />} {...props}>
                    Attach a photo or PDF
                  </Button>
                )}
              </FileButton>
            )}
          </Paper>
        </Stack>
      </div>
    </div>
  );
}

/** A file's bytes as base64, for the contract (attachments travel inside the JSON call). */
async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

type Act = (label: string, fn: () => Promise<unknown>, done: string) => Promise<boolean>;

/** The ticket's returns: start one from the order, then receive, inspect and resolve each. */
function ReturnsPanel({ ticket, rmas, busy, act }: { ticket: Ticket; rmas: Rma[]; busy: string | null; act: Act }) {
  const { can } = useSession();
  const [order, setOrder] = useState<Order | null>(null);
  const [qty, setQty] = useState<Record<string, number>>({});
  const [lots, setLots] = useState<Record<string, string>>({});
  const [reason, setReason] = useState('');
  const [starting, setStarting] = useState(false);
  useEffect(() => {
    if (ticket.orderId) void client.call('sales.order.get', { id: ticket.orderId }).then(setOrder, () => setOrder(null));
  }, [ticket.orderId, rmas.length]);

  const lines = (order?.lines ?? []).filter((l) => l.delivered > 0);
  return (
    <Paper withBorder p="sm" data-testid="returns-panel">
      <Group justify="space-between">
        <Title order={5}>Returns</Title>
        {can('service.write') && !starting && lines.length > 0 && (
          <Button size="xs" onClick={() => setStarting(true)}>
            Start a return
          </Button>
        )}
      </Group>
      {starting && (
        <Stack gap="xs" mt="xs" data-testid="rma-form">
          <SimpleTable
            label="Lines to return"
            rows={lines}
            rowKey={(l) => l.id}
            columns={[
              { id: 'sku', label: 'SKU', mono: true, render: (l) => l.sku },
              { id: 'name', label: 'Product', render: (l) => l.productName },
              { id: 'delivered', label: 'Delivered', num: true, render: (l) => l.delivered },
              { id: 'returned', label: 'Returned', num: true, render: (l) => l.returned },
              {
                id: 'qty',
                label: 'Return',
                width: 110,
                render: (l) => (
                  <NumberInput size="xs" min={0} max={l.delivered} aria-label={`Return quantity ${l.sku}`} value={qty[l.id] ?? 0} onChange={(v) => setQty((q) => ({ ...q, [l.id]: Number(v) || 0 }))} />
                ),
              },
              {
                id: 'lot',
                label: 'Lot / serial numbers',
                width: 170,
                render: (l) => (
                  <TextInput size="xs" aria-label={`Lot or serial numbers ${l.sku}`} placeholder="if tracked" value={lots[l.id] ?? ''} onChange={(e) => {
                    const v = e.currentTarget.value;
                    setLots((x) => ({ ...x, [l.id]: v }));
                  }} />
                ),
              },
            ]}
          />
          <TextInput label="Return reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
          <Group gap="xs">
            <Button
              size="xs"
              loading={busy === 'rma'}
              onClick={() =>
                void act(
                  'rma',
                  () =>
                    client.call('service.rma.create', {
                      orderId: ticket.orderId!,
                      ticketId: ticket.id,
                      reason,
                      lines: Object.entries(qty)
                        .filter(([, q]) => q > 0)
                        .flatMap(([orderLineId, quantity]) => rmaLines(orderLineId, quantity, lots[orderLineId] ?? '')),
                    }),
                  'Return created',
                ).then((ok) => ok && setStarting(false))
              }
            >
              Create RMA
            </Button>
            <Button size="xs" variant="default" onClick={() => setStarting(false)}>
              Cancel
            </Button>
          </Group>
        </Stack>
      )}
      {rmas.length === 0 && !starting && (
        <Text size="sm" c="dimmed" mt="xs">
          No return for this ticket.
        </Text>
      )}
      {rmas.map((r) => (
        <RmaCard key={r.id} rma={r} busy={busy} act={act} />
      ))}
    </Paper>
  );
}

function RmaCard({ rma, busy, act }: { rma: Rma; busy: string | null; act: Act }) {
  const { can } = useSession();
  const [received, setReceived] = useState<Record<string, number>>(() => Object.fromEntries(rma.lines.map((l) => [l.id, l.quantity])));
  const [damaged, setDamaged] = useState<Record<string, boolean>>({});
  const [disp, setDisp] = useState<Record<string, Disposition>>({});
  const [note, setNote] = useState('');
  return (
    <Paper withBorder p="xs" mt="xs" data-testid={`rma-${rma.number}`}>
      <Group justify="space-between">
        <Text fw={600} className="bl-mono">
          RMA {rma.number}
        </Text>
        <Badge data-testid="rma-state" variant="light">
          {RMA_STATE_LABELS[rma.state]}
        </Badge>
      </Group>
      <Text size="xs" c="dimmed">
        {rma.reason} · value {money(rma.valueMinor)} · order {rma.orderNumber}
        {rma.receiptNumber ? ` · receipt ${rma.receiptNumber}` : ''}
      </Text>
      {rma.approvalReason && rma.state === 'awaiting_approval' && (
        <Alert color="orange" mt="xs" p="xs">
          Needs approval: {rma.approvalReason}
        </Alert>
      )}
      <Text size="xs" mt={4}>
        {rma.instructions}
      </Text>
      <SimpleTable
        label={`Lines of RMA ${rma.number}`}
        rows={rma.lines}
        rowKey={(l) => l.id}
        columns={[
          { id: 'sku', label: 'SKU', mono: true, render: (l) => l.sku },
          { id: 'lot', label: 'Lot / serial', mono: true, render: (l) => l.lotName ?? '' },
          { id: 'qty', label: 'Authorised', num: true, render: (l) => l.quantity },
          {
            id: 'received',
            label: 'Received',
            width: 110,
            render: (l) =>
              rma.state === 'authorised' ? (
                <NumberInput size="xs" min={0} max={l.quantity} aria-label={`Received ${l.sku}`} value={received[l.id] ?? 0} onChange={(v) => setReceived((q) => ({ ...q, [l.id]: Number(v) || 0 }))} />
              ) : (
                `${l.qtyReceived}${l.condition === 'damaged' ? ' (damaged)' : ''}`
              ),
          },
          ...(rma.state === 'authorised'
            ? [{ id: 'damaged', label: 'Damaged', render: (l: Rma['lines'][number]) => <Checkbox aria-label={`Damaged ${l.sku}`} checked={!!damaged[l.id]} onChange={(e) => setDamaged((d) => ({ ...d, [l.id]: e.currentTarget.checked }))} /> }]
            : []),
          {
            id: 'disposition',
            label: 'Disposition',
            width: 170,
            render: (l) =>
              rma.state === 'received' && l.qtyReceived > 0 ? (
                <Select size="xs" aria-label={`Disposition ${l.sku}`} placeholder="Decide" data={DISPOSITIONS.map((d) => ({ value: d, label: DISPOSITION_LABELS[d] }))} value={disp[l.id] ?? null} onChange={(v) => v && setDisp((d) => ({ ...d, [l.id]: v as Disposition }))} />
              ) : l.disposition ? (
                DISPOSITION_LABELS[l.disposition]
              ) : (
                ''
              ),
          },
        ]}
      />
      <Group gap="xs" mt="xs">
        {rma.state === 'awaiting_approval' && can('service.approve') && (
          <>
            <TextInput size="xs" placeholder="Decision note" value={note} onChange={(e) => setNote(e.currentTarget.value)} aria-label="Decision note" />
            <Button size="xs" onClick={() => void act('decide', () => client.call('service.rma.decide', { id: rma.id, decision: 'approve', note }), 'Return approved')}>
              Approve
            </Button>
            <Button size="xs" color="red" variant="light" onClick={() => void act('decide', () => client.call('service.rma.decide', { id: rma.id, decision: 'reject', note }), 'Return rejected')}>
              Reject
            </Button>
          </>
        )}
        {rma.state === 'authorised' && can('inventory.operate') && (
          <Button
            size="xs"
            loading={busy === 'receive'}
            onClick={() =>
              void act(
                'receive',
                () => client.call('service.rma.receive', { id: rma.id, lines: rma.lines.map((l) => ({ lineId: l.id, quantity: received[l.id] ?? 0, condition: damaged[l.id] ? ('damaged' as const) : ('ok' as const) })) }),
                'Return received into Returns',
              )
            }
          >
            Receive into Returns
          </Button>
        )}
        {rma.state === 'received' && can('inventory.operate') && (
          <Button
            size="xs"
            loading={busy === 'inspect'}
            onClick={() =>
              void act(
                'inspect',
                () =>
                  client.call('service.rma.inspect', {
                    id: rma.id,
                    lines: rma.lines.filter((l) => l.qtyReceived > 0 && disp[l.id]).map((l) => ({ lineId: l.id, disposition: disp[l.id]! })),
                  }),
                'Inspection recorded',
              )
            }
          >
            Record inspection
          </Button>
        )}
        {rma.state === 'inspected' && can('sales.invoice') && (
          <>
            {(['credit_note', 'refund', 'replacement'] as const).map((res) => (
              <Button key={res} size="xs" variant={res === 'credit_note' ? 'filled' : 'default'} loading={busy === res} onClick={() => void act(res, () => client.call('service.rma.resolve', { id: rma.id, resolution: res }), `${RESOLUTION_LABELS[res]} issued`)}>
                Issue {RESOLUTION_LABELS[res].toLowerCase()}
              </Button>
            ))}
          </>
        )}
      </Group>
      {rma.state === 'resolved' && (
        <Text size="sm" mt="xs" data-testid="rma-resolution">
          {rma.resolution ? RESOLUTION_LABELS[rma.resolution] : ''}
          {rma.creditNoteNumber ? ` ${rma.creditNoteNumber}: ${money(rma.creditNoteTotalMinor)}` : ''}
          {rma.replacementOrderNumber ? ` ${rma.replacementOrderNumber}` : ''}
          {rma.refundPaymentNumber ? ` — paid back by ${rma.refundPaymentNumber}` : ''}
        </Text>
      )}
    </Paper>
  );
}

/**
 * The RMA lines of one order line: untracked (no lot) as one line; one lot as one line; serial
 * numbers (several, separated by commas or spaces) as one line of one unit each — the engine
 * checks each was delivered on the order and refuses a count that does not match.
 */
function rmaLines(orderLineId: string, quantity: number, lotText: string) {
  const names = lotText.split(/[\s,;]+/).filter(Boolean);
  if (names.length === 0) return [{ orderLineId, quantity }];
  if (names.length === 1) return [{ orderLineId, quantity, lotName: names[0]! }];
  return names.map((lotName) => ({ orderLineId, quantity: quantity === names.length ? 1 : quantity, lotName }));
}
