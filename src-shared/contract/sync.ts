import { z } from 'zod';
import { Id, PageInput, pageOf, text } from './common';
import { command, query } from './method';

export const SyncStatus = z.object({
  bound: z.boolean(),
  branchCode: z.string().nullable(),
  clientId: z.string(),
  central: z.string().nullable(),
  pending: z.number().int(),
  oldestPendingAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastPushAt: z.string().nullable(),
  lastPullAt: z.string().nullable(),
  lastError: z.string().nullable(),
  blockedReason: z.string().nullable(),
  snapshotDone: z.boolean(),
  running: z.boolean(),
  online: z.boolean(),
  openExceptions: z.number().int(),
});

export const SyncException = z.object({
  id: Id,
  kind: z.string(),
  status: z.enum(['open', 'resolved']),
  message: z.string(),
  branchId: z.string(),
  documentId: z.string().nullable(),
  createdAt: z.string(),
  resolution: z.string().nullable(),
});

export const syncContract = {
  'sync.status': query({
    access: 'authenticated',
    summary: 'Replication status: pending mutations, oldest pending age, last success, last error',
    input: z.object({}).strict(),
    output: SyncStatus,
  }),
  'sync.run': query({
    access: 'system.admin',
    summary: 'Sync now: push the outbox, then pull (writes no business data of its own)',
    input: z.object({}).strict(),
    output: z.object({ pushed: z.number().int(), quarantined: z.number().int(), pulled: z.number().int(), pending: z.number().int(), message: z.string() }),
  }),
  'sync.register': query({
    access: 'public',
    summary: 'Register this install with the centre as a branch: from the first-run screen of a new install, or by an admin (again: a copied or restored database)',
    input: z
      .object({
        centralUrl: z.string().trim().regex(/^postgres(ql)?:\/\//, { message: 'Use a postgres:// address' }).max(500),
        code: z.string().trim().regex(/^[A-Z][A-Z0-9]{1,5}$/, { message: 'Branch code is 2–6 capital letters or digits, starting with a letter (e.g. B01)' }),
        name: text('Branch name', 120, 1),
        again: z.boolean().default(false),
      })
      .strict(),
    output: z.object({ clientId: z.string(), branchCode: z.string() }),
  }),
  'sync.exceptions.list': query({
    access: 'authenticated',
    summary: 'Business conflicts found when branches merged: never dropped, shown until resolved',
    input: z.object({ status: z.enum(['open', 'resolved', 'all']).default('open'), ...PageInput }).strict(),
    output: pageOf(SyncException),
  }),
  'sync.followUp': command({
    access: 'system.background',
    summary: "After a pull: what this branch owes for changes another install made to its documents — the 855 of an EDI order whose hold was released elsewhere (each once)",
    input: z.object({}).strict(),
    output: z.object({ acknowledged: z.number().int() }),
  }),
  'sync.exceptions.resolve': command({
    access: 'system.admin',
    summary: 'Resolve a sync exception with a note of what was done',
    input: z.object({ id: Id, resolution: text('Resolution', 500, 3) }).strict(),
    output: SyncException,
  }),
} as const;
