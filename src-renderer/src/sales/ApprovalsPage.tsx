import { Anchor, Badge, Button, Group, SegmentedControl, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { Pager, usePagedQuery } from '../ui/usePagedQuery';
import { dateTime } from '../warehouse/format';
import { money } from './format';
import { ReasonModal } from './ReasonModal';

type Approval = OutputOf<'sales.approval.list'>['rows'][number];
type Activity = OutputOf<'activity.list'>['rows'][number];

/**
 * The approver's inbox: approval requests (pending first) with approve/reject and a reason,
 * and the tasks of the user's roles (credit holds for finance, short stock for buyers…).
 */
export function ApprovalsPage() {
  const { can, session } = useSession();
  const [state, setState] = useState<'pending' | 'approved' | 'rejected'>('pending');
  const [ask, setAsk] = useState<{ approval: Approval; decision: 'approve' | 'reject' } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const approvals = usePagedQuery((offset, limit) => client.call('sales.approval.list', { state, offset, limit }), [state], 50);
  const tasks = usePagedQuery((offset, limit) => client.call('activity.list', { state: 'open', offset, limit }), [], 50);
  useReloadOnCommit('sales.', approvals.reload);
  useReloadOnCommit('', tasks.reload);
  const mayDecide = (a: Approval) => can('sales.approve') && (session.user.roles.includes('admin') || session.user.roles.includes(a.approverRole));

  async function complete(t: Activity) {
    try {
      await client.call('activity.complete', { id: t.id, note: null });
      await tasks.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  }

  return (
    <div className="bl-page">
      <PageHeader title="Approvals & tasks" count={{ total: approvals.data?.total, one: 'request', many: 'requests', testId: 'approval-count' }} />
      <Toolbar>
        <SegmentedControl
          aria-label="Approval state"
          value={state}
          onChange={(v) => setState(v as typeof state)}
          data={[
            { value: 'pending', label: 'Pending' },
            { value: 'approved', label: 'Approved' },
            { value: 'rejected', label: 'Rejected' },
          ]}
        />
      </Toolbar>
      <div className="so-detail so-panel">
        <ErrorAlert error={error ?? approvals.error ?? tasks.error} onClose={() => setError(null)} />
        <SimpleTable
          label="Approval requests"
          rows={approvals.data?.rows ?? []}
          rowKey={(a) => a.id}
          rowTestId={(a) => `approval-${a.orderNumber}`}
          empty={<Text size="sm" c="dimmed">{state === 'pending' ? 'Nothing waits for approval.' : 'None.'}</Text>}
          columns={[
            { id: 'order', label: 'Order', mono: true, render: (a) => <Anchor onClick={() => navigate(`orders/${a.orderId}`)}>{a.orderNumber}</Anchor> },
            { id: 'customer', label: 'Customer', render: (a) => a.customerName },
            { id: 'total', label: 'Total', num: true, render: (a) => money(a.totalMinor) },
            { id: 'role', label: 'Approver', render: (a) => <Badge variant="light">{a.approverRole}</Badge> },
            { id: 'why', label: 'Why', render: (a) => a.reasons.join('; ') },
            { id: 'asked', label: 'Asked', render: (a) => `${dateTime(a.requestedAt)}${a.requestedBy ? ` by ${a.requestedBy}` : ''}` },
            {
              id: 'act',
              label: '',
              render: (a) =>
                a.state === 'pending' ? (
                  mayDecide(a) ? (
                    <Group gap={4} wrap="nowrap">
                      <Button size="compact-xs" color="teal" leftSection={<IconCheck size={12} />} onClick={() => setAsk({ approval: a, decision: 'approve' })}>
                        Approve
                      </Button>
                      <Button size="compact-xs" color="red" variant="light" leftSection={<IconX size={12} />} onClick={() => setAsk({ approval: a, decision: 'reject' })}>
                        Reject
                      </Button>
                    </Group>
                  ) : (
                    <Text size="xs" c="dimmed">
                      for {a.approverRole}
                    </Text>
                  )
                ) : (
                  <Text size="xs">{`${a.decidedBy ?? ''}: ${a.decisionReason ?? ''}`}</Text>
                ),
            },
          ]}
        />
        <Pager query={approvals} />
        <Title order={4} mt="lg" mb={4}>
          My tasks
        </Title>
        <SimpleTable
          label="Tasks"
          rows={tasks.data?.rows ?? []}
          rowKey={(t) => t.id}
          empty={<Text size="sm" c="dimmed">No open tasks.</Text>}
          columns={[
            { id: 'role', label: 'Inbox', render: (t) => <Badge variant="light">{t.role}</Badge> },
            { id: 'kind', label: 'Kind', render: (t) => t.kind.replace('_', ' ') },
            { id: 'title', label: 'Task', render: (t) => (t.documentKind === 'sales_order' && t.documentId ? <Anchor onClick={() => navigate(`orders/${t.documentId}`)}>{t.title}</Anchor> : t.title) },
            { id: 'body', label: 'Details', render: (t) => <Text size="xs">{t.body}</Text> },
            { id: 'at', label: 'Opened', render: (t) => dateTime(t.createdAt) },
            { id: 'done', label: '', render: (t) => <Button size="compact-xs" variant="subtle" onClick={() => void complete(t)}>Done</Button> },
          ]}
        />
        <Pager query={tasks} />
      </div>
      {ask && (
        <ReasonModal
          title={`${ask.decision === 'approve' ? 'Approve' : 'Reject'} ${ask.approval.orderNumber}`}
          intro={<Text size="sm">{ask.approval.reasons.join('; ')}</Text>}
          submitLabel={ask.decision === 'approve' ? 'Approve' : 'Reject'}
          color={ask.decision === 'approve' ? 'teal' : 'red'}
          onClose={() => setAsk(null)}
          onSubmit={async (reason) => {
            const r = await client.call('sales.approval.decide', { id: ask.approval.id, decision: ask.decision, reason }).catch((e: unknown) => {
              throw new Error(messageOf(e));
            });
            setAsk(null);
            notifications.show({ color: 'teal', title: ask.decision === 'approve' ? 'Approved' : 'Rejected', message: `${r.number}: ${r.state.replace(/_/g, ' ')}` });
            await Promise.all([approvals.reload(), tasks.reload()]);
          }}
        />
      )}
    </div>
  );
}
