import { Badge, Button, Group, Paper, SimpleGrid, Stack, Text, Textarea, TextInput, Title, UnstyledButton } from '@mantine/core';
import { useDebouncedValue, useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useEffect, useRef, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import type { NotificationKind } from '../../../src-shared/contract/notifications';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { useEngineQuery } from '../ui/useEngineQuery';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { dateTime } from '../warehouse/format';

type Template = OutputOf<'notifications.template.list'>['rows'][number];
type Notice = OutputOf<'notifications.list'>['rows'][number];

const KIND_LABEL: Record<NotificationKind, string> = {
  order_confirmation: 'Order confirmation',
  shipment: 'Shipment',
  delay: 'Delay beyond the promised date',
  return_authorised: 'Return authorised',
  ticket_reply: 'Service ticket reply',
};
const STATE_COLOR = { queued: 'blue', sent: 'green', failed: 'red' } as const;

/**
 * The customer notification templates, one per event: pick an event, edit subject and body
 * with {{placeholders}} (click one to insert it at the cursor), see the preview rendered by the
 * engine with sample values as you type, save with Ctrl+S. Below: the notification outbox
 * (queued first), so an edit can be checked on the next notification queued.
 */
export function TemplatesPage() {
  const { can } = useSession();
  const templates = useEngineQuery(() => client.call('notifications.template.list', {}), []);
  const outbox = useEngineQuery(() => client.call('notifications.list', { limit: 50 }), []);
  useReloadOnCommit('notifications.', outbox.reload);
  useReloadOnCommit('sales.', outbox.reload);
  const [kind, setKind] = useState<NotificationKind>('order_confirmation');
  const [draft, setDraft] = useState<{ subject: string; body: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const body = useRef<HTMLTextAreaElement>(null);
  const current = templates.data?.rows.find((t) => t.kind === kind) ?? null;

  useEffect(() => {
    if (current) setDraft({ subject: current.subject, body: current.body });
  }, [current?.kind, current?.subject, current?.body]);

  const [debounced] = useDebouncedValue(draft, 250);
  const preview = useEngineQuery(
    async () => (debounced ? client.call('notifications.template.preview', { kind, subject: debounced.subject, body: debounced.body }) : null),
    [kind, debounced?.subject, debounced?.body],
  );
  const dirty = !!draft && !!current && (draft.subject !== current.subject || draft.body !== current.body);
  const mayEdit = can('sales.config');

  async function save() {
    if (!draft || !dirty || !mayEdit) return;
    setSaving(true);
    setError(null);
    try {
      await client.call('notifications.template.set', { kind, subject: draft.subject, body: draft.body });
      await templates.reload();
      notifications.show({ color: 'green', message: `Saved the ${KIND_LABEL[kind].toLowerCase()} template` });
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSaving(false);
    }
  }
  useHotkeys([['mod+S', () => void save()]], []);

  function insert(field: string) {
    if (!draft) return;
    const el = body.current;
    const at = el?.selectionStart ?? draft.body.length;
    const token = `{{${field}}}`;
    setDraft({ ...draft, body: draft.body.slice(0, at) + token + draft.body.slice(el?.selectionEnd ?? at) });
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + token.length, at + token.length);
    });
  }

  return (
    <div className="bl-page">
      <PageHeader title="Notification templates" />
      <ErrorAlert error={error ?? templates.error} />
      <Group align="flex-start" gap="md" wrap="nowrap" p="md">
        <Paper withBorder w={260} style={{ flexShrink: 0 }}>
          <nav aria-label="Events">
            {(templates.data?.rows ?? []).map((t: Template) => (
              <UnstyledButton
                key={t.kind}
                onClick={() => setKind(t.kind)}
                aria-current={t.kind === kind ? 'true' : undefined}
                data-testid={`template-${t.kind}`}
                px="sm"
                py={6}
                w="100%"
                style={{ display: 'block', background: t.kind === kind ? 'var(--mantine-color-blue-light)' : undefined }}
              >
                <Group justify="space-between" gap={4} wrap="nowrap">
                  <Text size="sm">{KIND_LABEL[t.kind]}</Text>
                  {t.edited ? <Badge size="xs" variant="light">edited</Badge> : <Badge size="xs" color="gray" variant="light">built-in</Badge>}
                </Group>
              </UnstyledButton>
            ))}
          </nav>
        </Paper>
        {draft && (
          <SimpleGrid cols={2} style={{ flex: 1 }} spacing="md">
            <Stack gap="xs">
              <Title order={4}>{KIND_LABEL[kind]}</Title>
              <TextInput label="Subject" value={draft.subject} readOnly={!mayEdit} onChange={(e) => setDraft({ ...draft, subject: e.currentTarget.value })} />
              <Textarea ref={body} label="Body" value={draft.body} readOnly={!mayEdit} autosize minRows={10} maxRows={24} onChange={(e) => setDraft({ ...draft, body: e.currentTarget.value })} />
              <Text size="xs" c="dimmed">
                Placeholders (click to insert):
              </Text>
              <Group gap={4}>
                {(templates.data?.fields ?? []).map((f) => (
                  <Button key={f} size="compact-xs" variant="default" disabled={!mayEdit} onClick={() => insert(f)}>{`{{${f}}}`}</Button>
                ))}
              </Group>
              <Group>
                <Button onClick={() => void save()} loading={saving} disabled={!dirty || !mayEdit}>
                  Save template
                </Button>
                <Button variant="subtle" disabled={!dirty} onClick={() => current && setDraft({ subject: current.subject, body: current.body })}>
                  Discard changes
                </Button>
                <Text size="xs" c="dimmed">
                  Ctrl+S saves
                </Text>
              </Group>
            </Stack>
            <Stack gap="xs">
              <Title order={4}>Preview</Title>
              <Text size="xs" c="dimmed">
                With sample values; the real notification takes the order’s.
              </Text>
              {preview.error ? (
                <ErrorAlert error={preview.error} />
              ) : (
                <Paper withBorder p="sm" data-testid="template-preview">
                  <Text fw={600} size="sm" data-testid="preview-subject">
                    {preview.data?.subject}
                  </Text>
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} mt="xs">
                    {preview.data?.body}
                  </Text>
                </Paper>
              )}
            </Stack>
          </SimpleGrid>
        )}
      </Group>
      <Stack gap="xs" px="md" pb="md">
        <Group justify="space-between">
          <Title order={4}>Outbox</Title>
          {outbox.data && !outbox.data.mailConfigured && (
            <Badge color="yellow" variant="light">
              No mail server: notifications stay queued
            </Badge>
          )}
        </Group>
        <SimpleTable<Notice>
          label="Notification outbox"
          rows={outbox.data?.rows ?? []}
          rowKey={(n) => n.id}
          rowTestId={(n) => `notice-${n.id}`}
          empty="No notifications yet"
          columns={[
            { id: 'created', label: 'Queued', width: 150, render: (n) => dateTime(n.createdAt) },
            { id: 'kind', label: 'Event', width: 170, render: (n) => KIND_LABEL[n.kind] },
            { id: 'order', label: 'Order', width: 170, mono: true, render: (n) => n.orderNumber ?? '—' },
            { id: 'to', label: 'To', width: 200, render: (n) => n.toAddress ?? '—' },
            { id: 'subject', label: 'Subject', testId: 'notice-subject', render: (n) => n.subject },
            { id: 'state', label: 'State', width: 90, render: (n) => <Badge size="sm" color={STATE_COLOR[n.state]} variant="light">{n.state}</Badge> },
          ]}
        />
      </Stack>
    </div>
  );
}
