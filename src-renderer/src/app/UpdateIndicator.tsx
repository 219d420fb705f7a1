import { Badge, Button, Group, RingProgress, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconDownload, IconRefresh } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { client, messageOf } from '../rpc';
import { useEngineQuery } from '../ui/useEngineQuery';
import { updateView } from './UpdateView';

/**
 * Header indicator of this install's own update (desktop app): "Update available", download
 * progress, "Restart to update", or why it waits. The install decision is the update
 * policy's (never during a period close or an import, nor with unsent changes unless
 * required); this only asks and shows the answer. Hidden in browser mode.
 */
export function UpdateIndicator() {
  const { data, reload, setData } = useEngineQuery(() => client.call('updates.client.status', {}), []);
  const view = updateView(data);
  const [busy, setBusy] = useState(false);
  const pollMs = view?.pollMs ?? 60_000;

  useEffect(() => {
    // Browser mode and the CLI never update themselves: no need to keep asking.
    if (data?.state === 'unmanaged') return;
    const timer = setInterval(() => void reload(), pollMs);
    return () => clearInterval(timer);
  }, [reload, pollMs, data?.state]);

  if (!view) return null;

  async function act(action: 'download' | 'restart') {
    setBusy(true);
    try {
      const next = await client.call(action === 'download' ? 'updates.client.download' : 'updates.client.restart', {});
      setData(next);
      if (action === 'restart' && next.state === 'waiting' && next.message) notifications.show({ color: 'orange', title: 'The update waits', message: next.message, autoClose: 10_000 });
    } catch (e) {
      notifications.show({ color: 'red', title: 'Update', message: messageOf(e) });
    } finally {
      setBusy(false);
    }
  }

  const icon =
    view.percent !== null ? (
      <RingProgress size={18} thickness={3} roundCaps sections={[{ value: view.percent, color: view.color }]} aria-hidden />
    ) : view.color === 'red' && !view.action ? (
      <IconAlertTriangle size={12} />
    ) : view.action === 'restart' ? (
      <IconRefresh size={12} />
    ) : (
      <IconDownload size={12} />
    );

  return (
    <Tooltip label={view.detail} multiline maw={340} withArrow>
      <Group gap={4} wrap="nowrap" data-testid="update-indicator">
        {view.action ? (
          <Button size="compact-sm" variant="light" color={view.color} leftSection={icon} loading={busy} onClick={() => void act(view.action!)} aria-label={view.label}>
            {view.label}
          </Button>
        ) : (
          <Badge
            variant="light"
            color={view.color}
            leftSection={icon}
            tt="none"
            role={view.percent !== null ? 'progressbar' : undefined}
            aria-valuenow={view.percent ?? undefined}
            aria-valuemin={view.percent !== null ? 0 : undefined}
            aria-valuemax={view.percent !== null ? 100 : undefined}
            aria-label={view.label}
          >
            {view.label}
          </Badge>
        )}
      </Group>
    </Tooltip>
  );
}
