import { describe, expect, it } from 'vitest';
import type { ClientUpdateStatusValue } from '../../../src-shared/contract/updates';
import { updateView } from './UpdateView';

const base: ClientUpdateStatusValue = {
  state: 'up-to-date',
  currentVersion: '1.3.0',
  channel: 'stable',
  availableVersion: null,
  forced: false,
  forcedWhy: null,
  progress: null,
  message: null,
  installAt: null,
  fixed: [],
};

describe('the header’s update indicator', () => {
  it('shows nothing when there is nothing to do, or this install does not update itself', () => {
    for (const state of ['unmanaged', 'disabled', 'idle', 'checking', 'up-to-date'] as const) expect(updateView({ ...base, state })).toBeNull();
    expect(updateView(null)).toBeNull();
  });

  it('available → downloading with its progress → restart to update', () => {
    expect(updateView({ ...base, state: 'available', availableVersion: '1.4.0' })).toMatchObject({ label: 'Update 1.4.0 available', action: 'download' });
    const down = updateView({ ...base, state: 'downloading', availableVersion: '1.4.0', progress: { percent: 41.6, transferred: 416, total: 1000, bytesPerSecond: 10 } });
    expect(down).toMatchObject({ label: 'Downloading update 42 %', percent: 42, action: null });
    expect(down!.pollMs).toBeLessThan(5_000);
    expect(updateView({ ...base, state: 'ready', availableVersion: '1.4.0' })).toMatchObject({ label: 'Restart to update', action: 'restart', color: 'teal' });
  });

  it('says why an update waits (the policy’s reason) and lets the user try again', () => {
    const v = updateView({ ...base, state: 'waiting', availableVersion: '1.4.0', message: '3 change(s) have not reached the centre yet; the update installs once they are sent' });
    expect(v).toMatchObject({ label: 'Update waits', action: 'restart', color: 'orange' });
    expect(v!.detail).toContain('3 change(s) have not reached the centre yet');
  });

  it('a required update says why and when it installs by itself', () => {
    const now = Date.parse('2026-11-29T10:00:00Z');
    const v = updateView({ ...base, state: 'ready', availableVersion: '1.4.0', forced: true, forcedWhy: 'the centre requires at least 1.4.0', installAt: '2026-11-29T10:04:10Z' }, now);
    expect(v).toMatchObject({ color: 'red', action: 'restart' });
    expect(v!.detail).toContain('installs by itself in 5 minute(s)');
    expect(v!.detail).toContain('Required: the centre requires at least 1.4.0.');
  });

  it('names the settings the machine policy fixes', () => {
    const v = updateView({ ...base, state: 'available', availableVersion: '1.4.0', fixed: ['updateUrl', 'channel'] });
    expect(v!.detail).toContain('Set by your administrator: update server, channel.');
  });
});
