import { Badge, Card, Group, List, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconHourglassHigh } from '@tabler/icons-react';
import type { ReactNode } from 'react';

/** A section that is not built yet, saying what it will hold. */
export function ComingSoon({ title, icon, summary, items }: { title: string; icon: ReactNode; summary: string; items: string[] }) {
  return (
    <div className="bl-page">
      <div className="bl-page-header">
        <Title order={2}>{title}</Title>
        <Badge color="gray" leftSection={<IconHourglassHigh size={12} />}>
          Coming soon
        </Badge>
      </div>
      <div className="bl-page-body">
        <Card withBorder padding="xl" radius="md" maw={720} role="region" aria-label={`${title} — coming soon`}>
          <Group align="flex-start" gap="lg" wrap="nowrap">
            <ThemeIcon size={48} radius="md" variant="light">
              {icon}
            </ThemeIcon>
            <Stack gap="xs">
              <Title order={3}>{title} is coming soon</Title>
              <Text size="sm" c="dimmed">
                {summary}
              </Text>
              <Text size="sm" fw={600} mt="xs">
                What will be here
              </Text>
              <List size="sm" spacing={4}>
                {items.map((i) => (
                  <List.Item key={i}>{i}</List.Item>
                ))}
              </List>
            </Stack>
          </Group>
        </Card>
      </div>
    </div>
  );
}
