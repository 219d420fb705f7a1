import { Badge } from '@mantine/core';
import { useEffect, useState } from 'react';
import { SLA_COLORS, type SlaStatus, slaText } from './format';

/**
 * The SLA timer: the engine says where the SLA stood when it answered; the badge counts on from
 * there each second (a paused, met or breached-for-good timer stands still).
 */
export function SlaBadge({ status, remainingMs, fetchedAt, testId }: { status: SlaStatus; remainingMs: number | null; fetchedAt: number; testId?: string }) {
  const running = (status === 'ok' || status === 'warning' || status === 'breached') && remainingMs !== null;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [running]);
  const left = running ? remainingMs! - Math.max(0, now - fetchedAt) : remainingMs;
  const shown: SlaStatus = running && left! < 0 ? 'breached' : status;
  return (
    <Badge color={SLA_COLORS[shown]} variant={shown === 'breached' ? 'filled' : 'light'} data-testid={testId} data-sla={shown}>
      {slaText(shown, left)}
    </Badge>
  );
}
