import { Badge, Loader, Tooltip, UnstyledButton } from '@mantine/core';
import { IconAlertTriangle, IconCloud, IconCloudCheck, IconCloudOff, IconCloudUpload } from '@tabler/icons-react';
import { navigate } from '../app/router';
import { healthOf } from './status';
import { useSyncStatus } from './useSyncStatus';

/** Header badge: is this install syncing, how much waits, is the centre reachable. Opens Admin → Sync. */
export function SyncIndicator() {
  const { status } = useSyncStatus(15_000);
  if (!status) return null;
  const health = healthOf(status);
  const icon = !status.bound ? (
    <IconCloud size={12} />
  ) : status.running ? (
    <Loader size={10} color={health.color} />
  ) : health.color === 'red' ? (
    <IconAlertTriangle size={12} />
  ) : !status.online ? (
    <IconCloudOff size={12} />
  ) : status.pending > 0 ? (
    <IconCloudUpload size={12} />
  ) : (
    <IconCloudCheck size={12} />
  );
  const exceptions = status.openExceptions > 0 ? ` · ${status.openExceptions} exception${status.openExceptions === 1 ? '' : 's'}` : '';
  return (
    <Tooltip label={`${health.detail}${exceptions}`} multiline maw={320} withArrow>
      <UnstyledButton aria-label={`Sync: ${health.label}${exceptions}`} onClick={() => navigate('admin/sync')} data-testid="sync-indicator" style={{ display: 'inline-flex', gap: 4 }}>
        <Badge variant={status.bound ? 'light' : 'outline'} color={health.color} leftSection={icon} tt="none" style={{ cursor: 'pointer' }}>
          {health.label}
        </Badge>
        {status.openExceptions > 0 && (
          <Badge color="red" variant="filled" tt="none" style={{ cursor: 'pointer' }}>
            {status.openExceptions}
          </Badge>
        )}
      </UnstyledButton>
    </Tooltip>
  );
}
