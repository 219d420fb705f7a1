import { describe, expect, it } from 'vitest';
import { contract } from '../../../src-shared/contract/index';
import { schemaErrors } from '../lib/forms';
import { type SyncStatus, blockedOf, durationInWords, firstSyncDone, healthOf, pendingAge, progressLabel, redactAddress, timeAgo } from './status';

const NOW = Date.parse('2026-05-04T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const status = (patch: Partial<SyncStatus> = {}): SyncStatus => ({
  bound: true,
  branchCode: 'B02',
  clientId: '0190b6f0-0000-7000-8000-000000000001',
  central: 'postgres://bl_b02_ab12:***@db.example:5432/central',
  pending: 0,
  oldestPendingAt: null,
  lastSuccessAt: ago(30_000),
  lastPushAt: null,
  lastPullAt: null,
  lastError: null,
  blockedReason: null,
  snapshotDone: true,
  running: false,
  online: true,
  openExceptions: 0,
  ...patch,
});

describe('ages in words', () => {
  it('rounds down to minutes, hours, days', () => {
    expect(durationInWords(59_000)).toBe('less than a minute');
    expect(durationInWords(60_000)).toBe('1 minute');
    expect(durationInWords(59 * 60_000)).toBe('59 minutes');
    expect(durationInWords(2 * 3600_000 + 5)).toBe('2 hours');
    expect(durationInWords(36 * 3600_000)).toBe('1 day');
    expect(durationInWords(10 * 86400_000)).toBe('10 days');
  });

  it('says when something happened, or never', () => {
    expect(timeAgo(null, NOW)).toBe('never');
    expect(timeAgo(ago(10_000), NOW)).toBe('just now');
    expect(timeAgo(ago(-60_000), NOW)).toBe('just now');
    expect(timeAgo(ago(3 * 60_000), NOW)).toBe('3 minutes ago');
  });

  it('says how long the oldest change has waited', () => {
    expect(pendingAge(null, NOW)).toBe('nothing waiting');
    expect(pendingAge(ago(5 * 3600_000), NOW)).toBe('waiting 5 hours');
  });
});

describe('blocked reasons', () => {
  it('names the engine’s reasons', () => {
    expect(blockedOf(null)).toBeNull();
    expect(blockedOf('Branchline 0.1.0 is older than the minimum 0.2.0 the centre accepts: update the app. You can keep working; changes wait in the outbox.')?.title).toBe('Update required');
    expect(blockedOf('This database is a copy or an older restore of a registered install (the centre has newer changes from it); register it again before syncing')?.kind).toBe('copy');
    expect(blockedOf('This install was retired at the centre; register it again')?.title).toBe('Retired at the centre');
    expect(blockedOf('Something else')).toEqual({ kind: 'other', title: 'Sync blocked', message: 'Something else' });
  });
});

describe('addresses', () => {
  it('never shows a password', () => {
    expect(redactAddress('postgres://bl_b02:s3cret@db:5432/central')).toBe('postgres://bl_b02:***@db:5432/central');
    expect(redactAddress('postgres://bl_b02:***@db:5432/central')).toBe('postgres://bl_b02:***@db:5432/central');
    expect(redactAddress('postgres://db:5432/central')).toBe('postgres://db:5432/central');
    expect(redactAddress(null)).toBe('—');
  });
});

describe('progress and health', () => {
  it('says which step runs', () => {
    expect(progressLabel({ task: 'sync:snapshot', done: 1500, total: 12000 })).toBe('Loading the company from the centre: 1,500 of 12,000');
    expect(progressLabel({ task: 'sync:push', done: 0, total: 0 })).toBe('Sending this branch’s changes');
  });

  it('sums up replication for the header', () => {
    expect(healthOf(status({ bound: false, online: false })).label).toBe('Standalone');
    expect(healthOf(status()).label).toBe('Synced');
    expect(healthOf(status({ pending: 3, oldestPendingAt: ago(120_000) })).label).toBe('3 pending');
    expect(healthOf(status({ online: false, pending: 2 }))).toMatchObject({ label: 'Offline · 2 pending', color: 'orange' });
    expect(healthOf(status({ blockedReason: 'This install was retired at the centre; register it again' })).color).toBe('red');
    expect(healthOf(status({ running: true })).label).toBe('Syncing…');
  });

  it('decides when the first sync is done', () => {
    const base = { initialized: true, snapshotFinished: false, lastEventAt: NOW - 1000, initializedAt: NOW - 1000, now: NOW };
    expect(firstSyncDone({ ...base, initialized: false, snapshotFinished: true })).toBe(false);
    expect(firstSyncDone({ ...base, snapshotFinished: true })).toBe(true);
    expect(firstSyncDone(base)).toBe(false);
    expect(firstSyncDone({ ...base, lastEventAt: null, initializedAt: NOW - 5000 })).toBe(true);
  });
});

describe('the join form’s rules are the contract’s', () => {
  const input = (patch: Record<string, unknown>) => ({ centralUrl: 'postgres://admin:pw@db:5432/central', code: 'B02', name: 'South', again: false, ...patch });
  it('refuses an address that is not postgres://, a bad code and an empty name', () => {
    const schema = contract['sync.register'].input;
    expect(schemaErrors(schema, input({}))).toEqual({});
    expect(schemaErrors(schema, input({ centralUrl: 'http://db/central' })).centralUrl).toBe('Use a postgres:// address');
    expect(schemaErrors(schema, input({ code: 'b2' })).code).toMatch(/^Branch code is 2–6 capital letters/);
    expect(schemaErrors(schema, input({ name: ' ' })).name).toBe('Branch name is required');
  });

  it('needs a resolution note of 3 characters or more', () => {
    const schema = contract['sync.exceptions.resolve'].input;
    expect(schemaErrors(schema, { id: '0190b6f0-0000-7000-8000-000000000001', resolution: 'ok' }).resolution).toBe('Resolution needs at least 3 characters');
  });
});
