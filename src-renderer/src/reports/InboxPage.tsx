import { Alert, Badge, Button, Table, Text } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { navigate } from '../app/router';
import { client } from '../rpc';
import { PageHeader } from '../ui/PageHeader';
import { useEngineQuery } from '../ui/useEngineQuery';

const KIND: Record<string, { label: string; color: string }> = {
  late_order: { label: 'Late order risk', color: 'orange' },
  demand_spike: { label: 'Demand spike', color: 'grape' },
  demand_drop: { label: 'Demand drop', color: 'indigo' },
  sync_exception: { label: 'Sync exception', color: 'red' },
  credit_hold: { label: 'Credit hold', color: 'yellow' },
  approval: { label: 'Approval', color: 'blue' },
};

/** The exceptions inbox: every warning the engine ranks, most urgent and valuable first. */
export function InboxPage() {
  const q = useEngineQuery(() => client.call('reports.exceptions', { limit: 200 }), []);
  const rows = q.data?.rows ?? [];
  const open = (d: (typeof rows)[number]['document']) => {
    if (d.kind === 'transfer') navigate(`warehouse/transfers/${d.id}`);
    else if (d.kind === 'sales_order') navigate(`orders/${d.id}`);
    else if (d.kind === 'sync_exception') navigate('admin/sync');
  };
  return (
    <div className="bl-page">
      <PageHeader
        title="Exceptions inbox"
        count={{ total: q.data ? rows.length : undefined, one: 'exception', many: 'exceptions', testId: 'inbox-count' }}
        actions={
          <Button variant="default" leftSection={<IconRefresh size={14} />} onClick={() => void q.reload()}>
            Refresh
          </Button>
        }
      />
      <div className="bl-page-body">
        {q.error && <Alert color="red">{q.error}</Alert>}
        <Table className="bl-table" highlightOnHover stickyHeader aria-label="Exceptions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={150}>Kind</Table.Th>
              <Table.Th>What</Table.Th>
              <Table.Th>Why, and what to do</Table.Th>
              <Table.Th w={90} ta="right">Urgency</Table.Th>
              <Table.Th w={120} ta="right">Value</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={`${r.kind}-${r.id}`} className="rp-clickable" tabIndex={0} onClick={() => open(r.document)} onKeyDown={(e) => e.key === 'Enter' && open(r.document)}>
                <Table.Td>
                  <Badge color={KIND[r.kind]?.color ?? 'gray'} variant="light">
                    {KIND[r.kind]?.label ?? r.kind}
                  </Badge>
                </Table.Td>
                <Table.Td>{r.title}</Table.Td>
                <Table.Td>
                  <Text size="sm">{r.detail}</Text>
                </Table.Td>
                <Table.Td ta="right" className="bl-num">
                  {Math.round(r.urgency * 100)} %
                </Table.Td>
                <Table.Td ta="right" className="bl-num">
                  {(r.valueMinor / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}
                </Table.Td>
              </Table.Tr>
            ))}
            {q.data && rows.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text c="dimmed" size="sm" ta="center" py="md">
                    Nothing needs attention
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </div>
    </div>
  );
}
