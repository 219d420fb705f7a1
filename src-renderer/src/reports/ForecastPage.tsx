import { Alert, Badge, Button, Card, Group, Progress, SimpleGrid, Table, Text } from '@mantine/core';
import { IconPlayerPlay, IconPlayerStop } from '@tabler/icons-react';
import { useState } from 'react';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { PageHeader } from '../ui/PageHeader';
import { useProgress } from '../ui/useEngineEvents';
import { useEngineQuery } from '../ui/useEngineQuery';

const pct = (v: number | null | undefined) => (v == null ? '—' : `${(v * 100).toFixed(1)} %`);

/** The benchmark said as it is: 52-week seasonal naive needs two years before the held-out weeks, else it is plain naive. */
const benchmark = (season: number | null | undefined) => (season === 52 ? 'seasonal naive (52 weeks)' : season === 1 ? 'naive (under two years of history)' : 'seasonal naive');

/** Forecasting: run over all products (progress, cancel), accuracy vs seasonal naive, demand warnings. */
export function ForecastPage() {
  const { can } = useSession();
  const summary = useEngineQuery(() => client.call('reports.forecast.summary', {}), []);
  const warnings = useEngineQuery(() => client.call('reports.warnings.demand', { limit: 50 }), []);
  const [progress, setProgress] = useProgress('reports.forecast');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setRunning(true);
    setError(null);
    setProgress(null);
    try {
      await client.call('reports.forecast.run', {});
      await Promise.all([summary.reload(), warnings.reload()]);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setRunning(false);
    }
  };
  const s = summary.data;
  return (
    <div className="bl-page">
      <PageHeader
        title="Demand forecast"
        actions={
          can('reports.forecast') && (
            <Group gap="xs">
              {running && (
                <Button color="red" variant="light" leftSection={<IconPlayerStop size={14} />} onClick={() => void client.call('reports.forecast.cancel', {})}>
                  Cancel
                </Button>
              )}
              <Button leftSection={<IconPlayerPlay size={14} />} loading={running} onClick={() => void run()}>
                Forecast all products
              </Button>
            </Group>
          )
        }
      />
      <div className="bl-page-body">
        {running && progress && progress.total > 0 && <Progress value={(progress.done / progress.total) * 100} mb="sm" aria-label={`Forecast ${progress.done} of ${progress.total} series`} />}
        {(error || summary.error) && <Alert color="red" mb="sm">{error ?? summary.error}</Alert>}
        <SimpleGrid cols={4} spacing="xs" mb="md">
          <Card withBorder padding="xs">
            <Text size="xs" c="dimmed">Series forecast</Text>
            <Text fw={600} className="bl-num">{s ? s.series.toLocaleString('en-US') : '—'}</Text>
            <Text size="xs" c="dimmed">{s?.computedAt ? `at ${s.computedAt.slice(0, 16).replace('T', ' ')}` : 'never run'}</Text>
          </Card>
          <Card withBorder padding="xs">
            <Text size="xs" c="dimmed">WAPE on held-out weeks</Text>
            <Text fw={600} className="bl-num">{pct(s?.wape)}</Text>
            <Text size="xs" c="dimmed" data-testid="naive-wape">
              {benchmark(s?.naiveSeason)} {pct(s?.naiveWape)}
            </Text>
          </Card>
          <Card withBorder padding="xs">
            <Text size="xs" c="dimmed">Mean MASE</Text>
            <Text fw={600} className="bl-num">{s?.mase == null ? '—' : s.mase.toFixed(2)}</Text>
            <Text size="xs" c="dimmed">
              {benchmark(s?.naiveSeason)} {s?.naiveMase == null ? '—' : s.naiveMase.toFixed(2)}
            </Text>
          </Card>
          <Card withBorder padding="xs">
            <Text size="xs" c="dimmed">Methods chosen</Text>
            <Group gap={4} mt={4}>
              {(s?.byMethod ?? []).map((m) => (
                <Badge key={m.method} variant="light" tt="none">
                  {m.method} {m.count}
                </Badge>
              ))}
            </Group>
          </Card>
        </SimpleGrid>
        <Text fw={600} size="sm" mb={4}>Demand spikes and drops in the last week</Text>
        <Table className="bl-table" aria-label="Demand warnings">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={90}>Kind</Table.Th>
              <Table.Th>Product</Table.Th>
              <Table.Th>Explanation</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(warnings.data?.rows ?? []).map((w) => (
              <Table.Tr key={`${w.productId}-${w.warehouseId}`}>
                <Table.Td><Badge color={w.direction === 'spike' ? 'grape' : 'indigo'} variant="light">{w.direction}</Badge></Table.Td>
                <Table.Td>{w.productName}</Table.Td>
                <Table.Td>{w.explanation}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </div>
  );
}
