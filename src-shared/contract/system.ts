import { z } from 'zod';
import { ROLES } from '../permissions';
import { Id, PageInput, pageOf, text } from './common';
import { command, query } from './method';

export const Username = z
  .string({ message: 'User name must be text' })
  .trim()
  .min(2, { message: 'User name needs at least 2 characters' })
  .max(40, { message: 'User name is at most 40 characters' })
  .regex(/^[a-z0-9._-]+$/i, { message: 'User name may only contain letters, digits and . _ -' })
  .transform((s) => s.toLowerCase());

export const Password = z
  .string({ message: 'Password must be text' })
  .min(8, { message: 'Password needs at least 8 characters' })
  .max(200, { message: 'Password is at most 200 characters' });

export const User = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  active: z.boolean(),
});
export type User = z.infer<typeof User>;

export const Session = z.object({ user: User, permissions: z.array(z.string()) });
export type Session = z.infer<typeof Session>;

export const SystemStatus = z.object({
  initialized: z.boolean(),
  companyName: z.string().nullable(),
  branchCode: z.string().nullable(),
  branchName: z.string().nullable(),
  demo: z.boolean(),
  schemaVersion: z.string(),
  appVersion: z.string(),
  readOnly: z.boolean(),
  demoLogins: z.array(z.object({ username: z.string(), password: z.string(), roles: z.array(z.string()) })),
});

export const BranchCode = z
  .string()
  .trim()
  .regex(/^[A-Z][A-Z0-9]{1,5}$/, { message: 'Branch code is 2–6 capital letters or digits, starting with a letter (e.g. B01)' });

export const AuditEntry = z.object({
  id: Id,
  at: z.string(),
  userId: Id.nullable(),
  username: z.string().nullable(),
  method: z.string(),
  mutationId: z.number().int(),
  summary: z.string(),
});

export const systemContract = {
  'system.status': query({
    access: 'public',
    summary: 'Is this install set up, which company and branch, which versions',
    input: z.object({}).strict(),
    output: SystemStatus,
  }),
  'system.setup': command({
    access: 'public',
    summary: 'First run: create the company, this branch and the first admin (only while no user exists)',
    input: z
      .object({
        companyName: text('Company name', 120, 1),
        branchCode: BranchCode,
        branchName: text('Branch name', 120, 1),
        adminUsername: Username,
        adminDisplayName: text('Display name', 120, 1),
        adminPassword: Password,
      })
      .strict(),
    output: z.object({ ok: z.literal(true) }),
  }),
  'system.loadDemo': command({
    access: 'public',
    summary: 'First run: load the demo company (only while no user exists)',
    input: z.object({ seed: z.number().int().min(0).max(2 ** 31).default(1), size: z.enum(['small', 'default', 'large']).default('default') }).strict(),
    output: z.object({ products: z.number().int(), customers: z.number().int(), vendors: z.number().int() }),
  }),
  'auth.login': query({
    access: 'public',
    summary: 'Log in with user name and password',
    input: z.object({ username: z.string().trim().min(1, { message: 'User name is required' }).max(40), password: z.string().min(1, { message: 'Password is required' }).max(200) }).strict(),
    output: Session,
  }),
  'auth.logout': query({
    access: 'public',
    summary: 'End this session',
    input: z.object({}).strict(),
    output: z.object({ ok: z.literal(true) }),
  }),
  'auth.session': query({
    access: 'public',
    summary: 'The logged-in user, or null',
    input: z.object({}).strict(),
    output: Session.nullable(),
  }),
  'users.list': query({
    access: 'users.read',
    summary: 'All users',
    input: z.object({}).strict(),
    output: z.object({ rows: z.array(User) }),
  }),
  'users.create': command({
    access: 'users.write',
    summary: 'Create a user with roles',
    input: z
      .object({
        username: Username,
        displayName: text('Display name', 120, 1),
        password: Password,
        roles: z.array(z.enum(ROLES)).min(1, { message: 'Give the user at least one role' }),
      })
      .strict(),
    output: User,
  }),
  'users.setRoles': command({
    access: 'users.write',
    summary: "Replace a user's roles",
    input: z.object({ id: Id, roles: z.array(z.enum(ROLES)).min(1, { message: 'Give the user at least one role' }) }).strict(),
    output: User,
  }),
  'users.setPassword': command({
    access: 'users.write',
    summary: "Set a user's password",
    input: z.object({ id: Id, password: Password }).strict(),
    output: z.object({ ok: z.literal(true) }),
  }),
  'users.setActive': command({
    access: 'users.write',
    summary: 'Deactivate or reactivate a user',
    input: z.object({ id: Id, active: z.boolean() }).strict(),
    output: User,
  }),
  'system.audit.list': query({
    access: 'system.admin',
    summary: 'The audit log, newest first',
    input: z.object({ method: z.string().max(100).optional(), ...PageInput }).strict(),
    output: pageOf(AuditEntry),
  }),
  'system.outbox.stats': query({
    access: 'system.admin',
    summary: 'Mutations waiting to replicate',
    input: z.object({}).strict(),
    output: z.object({ pending: z.number().int(), lastMutationId: z.number().int(), oldestPendingAt: z.string().nullable() }),
  }),
} as const;
