import { Alert, Badge, Button, Group, Modal, Progress, Stack, Text, Textarea, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconCloudCheck, IconCloudOff, IconPlugConnected, IconRefresh } from '@tabler/icons-react';
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { contract } from '../../../src-shared/contract/index';
import { useSession } from '../app/session';
import { applyServerError, schemaErrors } from '../lib/forms';
import { client, messageOf } from '../rpc';
import { FormActions } from '../ui/FormActions';
import { PageHeader, Toolbar, countLabel } from '../ui/PageHeader';
import { SegmentedField } from '../ui/SegmentedField';
import { percentOf, useProgress } from '../ui/useEngineEvents';
import { usePagedWindow } from '../ui/usePagedWindow';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { dateTime } from '../warehouse/format';
import { JoinForm } from './JoinForm';
import { type SyncException, type SyncStatus, blockedOf, pendingAge, progressLabel, redactAddress, timeAgo } from './status';
import { useSyncStatus } from './useSyncStatus';

type Filter = 'open' | 'resolved' | 'all';
const FILTERS: { value: Filter; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'all', label: 'All' },
];
const PROGRESS_LINGER_MS = 6_000;

/**
 * Admin → Sync: where this install replicates to, what waits, what went wrong, and the sync
 * exceptions (business conflicts found when branches merged) with their resolutions. Any
 * logged-in user may look; syncing now, resolving and registering again need system.admin.
 */
export function SyncPage() {
  const { can } = useSession();
  const admin = can('system.admin');
  const { status, error, refresh } = useSyncStatus(5_000);
  const [progress, setProgress] = useProgress('sync:');
  const [running, setRunning] = useState(false);
  const [registering, setRegistering] = useState(false);

  async function syncNow() {
    setRunning(true);
    setProgress(null);
    try {
      const r = await client.call('sync.run', {});
      const counts = [`${r.pushed} sent`, `${r.pulled} received`, ...(r.quarantined ? [`${r.quarantined} quarantined`] : [])].join(', ');
      notifications.show({ color: r.pending === 0 ? 'teal' : 'orange', title: r.message, message: counts });
    } catch (e) {
      notifications.show({ color: 'red', title: 'Sync failed', message: messageOf(e), autoClose: 10_000 });
    } finally {
      setRunning(false);
      void refresh();
    }
  }

  // The bar stays a few seconds after the last step so that a quick sync can be seen at all.
  const [, tick] = useState(0);
  const lingering = !!progress && Date.now() - progress.at < PROGRESS_LINGER_MS;
  useEffect(() => {
    if (!progress) return;
    const timer = setTimeout(() => tick((n) => n + 1), Math.max(0, progress.at + PROGRESS_LINGER_MS - Date.now()) + 50);
    return () => clearTimeout(timer);
  }, [progress]);

  const busy = running || !!status?.running;
  const blocked = blockedOf(status?.blockedReason);
  return (
    <div className="bl-page">
      <PageHeader
        title="Sync"
        actions={
          admin &&
          status?.bound && (
            <Button leftSection={<IconRefresh size={14} />} loading={running} disabled={status.running && !running} onClick={() => void syncNow()}>
              Sync now
            </Button>
          )
        }
      >
        {status && <ConnectionBadge status={status} />}
        {busy && (
          <Badge color="indigo" variant="light">
            Syncing…
          </Badge>
        )}
      </PageHeader>
      <div className="bl-page-body" style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        {error && <Alert color="red">{error}</Alert>}
        {status && !status.bound && <NotRegistered />}
        {blocked && (
          <Alert color="red" title={blocked.title} data-testid="sync-blocked">
            <Text size="sm">{blocked.message}</Text>
            {admin && (blocked.kind === 'copy' || blocked.kind === 'retired') && (
              <Button mt="sm" size="xs" color="red" variant="light" leftSection={<IconPlugConnected size={14} />} onClick={() => setRegistering(true)}>
                Register again
              </Button>
            )}
          </Alert>
        )}
        {(busy || lingering) && (
          <div className="bl-panel" aria-live="polite" data-testid="sync-progress">
            <div className="bl-panel-body">
              <Text size="sm" mb={6}>
                {progress ? progressLabel(progress) : 'Starting…'}
                {!busy && ' — done'}
              </Text>
              <Progress value={percentOf(progress)} animated={busy} striped={busy} color={busy ? undefined : 'teal'} aria-label="Sync progress" />
            </div>
          </div>
        )}
        {status && <StatusPanels status={status} />}
        <ExceptionsPanel admin={admin} changed={status ? `${status.openExceptions}:${status.lastPullAt ?? ''}` : ''} onResolved={() => void refresh()} />
      </div>
      {registering && status && (
        <Modal opened onClose={() => setRegistering(false)} title={<Text fw={600}>Register this install again</Text>} size="lg">
          <Stack gap="sm">
            <Text size="sm" c="dimmed">
              The centre gives this install a new client id; the changes waiting here are signed again and sent under it. Use the centre’s administrator address.
            </Text>
            <JoinForm
              again
              initial={{ code: status.branchCode ?? '' }}
              submitLabel="Register again"
              onCancel={() => setRegistering(false)}
              onRegistered={(r) => {
                setRegistering(false);
                notifications.show({ color: 'teal', title: 'Registered again', message: `Branch ${r.branchCode}, client ${r.clientId}` });
                void refresh();
              }}
            />
          </Stack>
        </Modal>
      )}
    </div>
  );
}

function ConnectionBadge({ status }: { status: SyncStatus }) {
  if (!status.bound)
    return (
      <Badge color="gray" variant="outline" data-testid="sync-connection">
        Not registered
      </Badge>
    );
  return status.online ? (
    <Badge color="teal" leftSection={<IconCloudCheck size={12} />} data-testid="sync-connection">
      Online
    </Badge>
  ) : (
    <Badge color="orange" leftSection={<IconCloudOff size={12} />} data-testid="sync-connection">
      Offline
    </Badge>
  );
}

function NotRegistered() {
  return (
    <Alert color="gray" variant="light" title="Not registered with a central database" icon={<IconCloudOff size={18} />} data-testid="sync-not-registered">
      <Text size="sm">
        This install works on its own: everything stays in this computer’s database and nothing is sent anywhere, so there is nothing to sync. That is how the demo company and a company set up on its own first-run screen work.
      </Text>
      <Text size="sm" mt={6}>
        To work as a branch of your company’s central database, start a new install and choose “Join my company’s central database” on its first-run screen (or run <span className="bl-mono">branchline branch register</span> on a new database). An install that already has its own data cannot join.
      </Text>
    </Alert>
  );
}

/** A label over a value; the title (a tooltip) holds the exact time. */
function Stat({ label, value, title, testId, wide }: { label: string; value: ReactNode; title?: string; testId?: string; wide?: boolean }) {
  return (
    <div data-testid={testId} style={wide ? { gridColumn: '1 / -1' } : undefined}>
      <dt>{label}</dt>
      <dd title={title}>{value}</dd>
    </div>
  );
}

function StatusPanels({ status }: { status: SyncStatus }) {
  const at = (iso: string | null) => ({ value: timeAgo(iso), title: iso ? dateTime(iso) : undefined });
  return (
    <Group align="stretch" gap={12} grow wrap="wrap">
      <section className="bl-panel" aria-label="Connection" style={{ minWidth: 360 }}>
        <div className="bl-panel-head">Connection</div>
        <dl className="bl-stats bl-panel-body">
          <Stat label="Central database" wide value={<span className="bl-mono">{status.bound ? redactAddress(status.central) : 'none'}</span>} testId="sync-central" />
          <Stat label="Branch" value={status.branchCode ?? '—'} testId="sync-branch" />
          <Stat label="Client id" value={<span className="bl-mono">{status.clientId}</span>} testId="sync-client" />
          <Stat label="First sync" value={!status.bound ? '—' : status.snapshotDone ? 'Done' : 'Not finished'} />
        </dl>
      </section>
      <section className="bl-panel" aria-label="Status" style={{ minWidth: 420 }}>
        <div className="bl-panel-head">Status</div>
        <dl className="bl-stats bl-panel-body">
          <Stat label="Changes waiting" value={status.pending.toLocaleString('en-US')} testId="sync-pending" />
          <Stat label="Oldest waiting" value={pendingAge(status.oldestPendingAt)} title={status.oldestPendingAt ? dateTime(status.oldestPendingAt) : undefined} testId="sync-oldest" />
          <Stat label="Last success" {...at(status.lastSuccessAt)} testId="sync-last-success" />
          <Stat label="Last push" {...at(status.lastPushAt)} />
          <Stat label="Last pull" {...at(status.lastPullAt)} />
          <Stat label="Open exceptions" value={status.openExceptions} />
        </dl>
        {status.lastError && (
          <Text size="sm" c="red.8" px={12} pb={10} data-testid="sync-last-error">
            Last error: {status.lastError}
          </Text>
        )}
      </section>
    </Group>
  );
}

const COLUMNS: Column<SyncException>[] = [
  { id: 'when', label: 'Raised', width: '140px', render: (x) => dateTime(x.createdAt) },
  { id: 'kind', label: 'Kind', width: '104px', render: (x) => <Badge color={x.kind === 'quarantine' ? 'red' : 'orange'} variant="light" tt="none">{x.kind}</Badge> },
  { id: 'message', label: 'What happened', width: 'minmax(280px, 3fr)', render: (x) => <span title={x.message}>{x.message}</span> },
  { id: 'doc', label: 'Document', width: '96px', mono: true, render: (x) => (x.documentId ? <span title={x.documentId}>{x.documentId.slice(-8)}</span> : '') },
  { id: 'status', label: 'Status', width: '108px', render: (x) => <Badge color={x.status === 'open' ? 'red' : 'teal'} variant="dot" tt="none">{x.status === 'open' ? 'Open' : 'Resolved'}</Badge> },
  { id: 'resolution', label: 'Resolution', width: 'minmax(160px, 1.5fr)', render: (x) => <span title={x.resolution ?? undefined}>{x.resolution ?? ''}</span> },
];

/** `changed` differs whenever a pull or a resolution may have changed the list: it is then refetched in place. */
function ExceptionsPanel({ admin, changed, onResolved }: { admin: boolean; changed: string; onResolved(): void }) {
  const [filter, setFilter] = useState<Filter>('open');
  const [resolving, setResolving] = useState<SyncException | null>(null);
  const fetchPage = useCallback((offset: number, limit: number) => client.call('sync.exceptions.list', { status: filter, offset, limit }), [filter]);
  const list = usePagedWindow<SyncException>(filter, fetchPage, 100);
  const { reload } = list;
  const seen = useRef(changed);
  useEffect(() => {
    if (seen.current === changed) return;
    const first = seen.current === '';
    seen.current = changed;
    if (!first) void reload();
  }, [changed, reload]);
  const selectedRow = list.selected >= 0 ? list.rowAt(list.selected) : undefined;
  const open = (x: SyncException) => admin && x.status === 'open' && setResolving(x);
  const columns: Column<SyncException>[] = admin
    ? [
        ...COLUMNS,
        {
          id: 'action',
          label: '',
          width: '92px',
          render: (x) =>
            x.status === 'open' ? (
              <Button size="compact-xs" variant="light" onClick={() => setResolving(x)} aria-label={`Resolve: ${x.message}`}>
                Resolve
              </Button>
            ) : null,
        },
      ]
    : COLUMNS;

  return (
    <section className="bl-panel" aria-label="Sync exceptions" style={{ display: 'flex', flexDirection: 'column', minHeight: 300, flex: 1 }}>
      <div className="bl-panel-head">
        Sync exceptions
        <Text span size="xs" c="dimmed" tt="none" fw={400} aria-live="polite" data-testid="exception-count">
          {countLabel(list.total, 'exception', 'exceptions')}
        </Text>
      </div>
      <Toolbar style={{ padding: '6px 10px' }}>
        <SegmentedField label="Show" value={filter} onChange={(v) => setFilter(v as Filter)} data={FILTERS} />
        <Text size="xs" c="dimmed" mb={4} style={{ flex: 1 }}>
          A conflict found when branches’ work met at the centre (say, two branches sold the same last units offline). It is never dropped: it stays open until someone records what was done.
        </Text>
        {admin && (
          <Tooltip label="Or press Enter on a row">
            <Button size="xs" variant="default" disabled={!selectedRow || selectedRow.status !== 'open'} onClick={() => selectedRow && setResolving(selectedRow)}>
              Resolve selected
            </Button>
          </Tooltip>
        )}
      </Toolbar>
      <VirtualTable<SyncException>
        label="Sync exceptions"
        columns={columns}
        source={list}
        onOpen={open}
        rowClass={(x) => (x.status === 'resolved' ? 'bl-archived' : undefined)}
        emptyText={filter === 'open' ? 'No open sync exceptions' : filter === 'resolved' ? 'No resolved sync exceptions' : 'No sync exceptions'}
      />
      {resolving && (
        <ResolveModal
          exception={resolving}
          onClose={() => setResolving(null)}
          onResolved={(x) => {
            setResolving(null);
            list.patch((r) => r.id === x.id, x);
            void list.reload();
            onResolved();
          }}
        />
      )}
    </section>
  );
}

function ResolveModal({ exception, onClose, onResolved }: { exception: SyncException; onClose(): void; onResolved(x: SyncException): void }) {
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { resolution: '' },
    validate: (v) => schemaErrors(contract['sync.exceptions.resolve'].input, { id: exception.id, resolution: v.resolution }),
  });
  const submit = form.onSubmit(async (v) => {
    setSaving(true);
    setFormError(null);
    try {
      const x = await client.call('sync.exceptions.resolve', { id: exception.id, resolution: v.resolution.trim() });
      notifications.show({ color: 'teal', title: 'Exception resolved', message: x.message.slice(0, 120) });
      onResolved(x);
    } catch (e) {
      setFormError(applyServerError(form, e, ['resolution']));
      setSaving(false);
    }
  });
  return (
    <Modal opened onClose={onClose} title={<Text fw={600}>Resolve a sync exception</Text>} size="lg">
      <form onSubmit={submit} onKeyDown={getHotkeyHandler([['mod+S', () => submit()]])} noValidate aria-label="Resolve a sync exception">
        <Stack gap="sm">
          {formError && <Alert color="red">{formError}</Alert>}
          <div className="bl-panel">
            <div className="bl-panel-body">
              <Group gap="xs" mb={4}>
                <Badge color="orange" variant="light" tt="none">
                  {exception.kind}
                </Badge>
                <Text size="xs" c="dimmed">
                  Raised {dateTime(exception.createdAt)}
                  {exception.documentId ? ` · document ${exception.documentId}` : ''}
                </Text>
              </Group>
              <Text size="sm">{exception.message}</Text>
            </div>
          </div>
          <Textarea
            label="Resolution note"
            description="What was done about it (at least 3 characters): it stays with the exception for everyone to see"
            required
            autosize
            minRows={3}
            data-autofocus
            {...form.getInputProps('resolution')}
          />
          <FormActions onCancel={onClose} submitLabel="Resolve" saving={saving} saveKey />
        </Stack>
      </form>
    </Modal>
  );
}
