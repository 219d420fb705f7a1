import { LATEST_SCHEMA } from '../../../migrations/index';
import { permissionsOf } from '../../../src-shared/permissions';
import { hashPassword, verifyPassword } from '../auth/password';
import { findUser, toUser, userCount } from '../auth/users';
import { DEMO_LOGINS, DEMO_SIZES, seedDemoCompany } from '../demo/seed';
import { defineHandlers, type CommandContext, newRowMeta } from '../platform/context';
import { createCompanyAndBranch } from './company';
import { DomainError, notFound } from '../platform/errors';

async function assertFirstRun(ctx: CommandContext): Promise<void> {
  if ((await userCount(ctx.db)) > 0) {
    throw new DomainError('BUSINESS_RULE', 'This install is already set up; log in instead');
  }
}

export const systemHandlers = defineHandlers({
  'system.status': async (ctx) => {
    const state = await ctx.db.selectFrom('client_state').select(['branch_id', 'demo']).executeTakeFirst();
    const branch = state?.branch_id
      ? await ctx.db
          .selectFrom('branch')
          .innerJoin('company', 'company.id', 'branch.company_id')
          .select(['branch.code', 'branch.name', 'company.name as company_name'])
          .where('branch.id', '=', state.branch_id)
          .executeTakeFirst()
      : undefined;
    const initialized = (await userCount(ctx.db)) > 0;
    const demo = state?.demo === 1;
    return {
      initialized,
      companyName: branch?.company_name ?? null,
      branchCode: branch?.code ?? null,
      branchName: branch?.name ?? null,
      demo,
      schemaVersion: LATEST_SCHEMA,
      appVersion: ctx.install.appVersion,
      readOnly: false,
      demoLogins: demo ? DEMO_LOGINS.map(({ username, password, roles }) => ({ username, password, roles: [...roles] })) : [],
    };
  },

  'system.setup': async (ctx, input) => {
    await assertFirstRun(ctx);
    await createCompanyAndBranch(ctx, { ...input, demo: false });
    const passwordHash = await hashPassword(input.adminPassword);
    await ctx.db
      .insertInto('app_user')
      .values({
        ...newRowMeta(ctx),
        username: input.adminUsername,
        display_name: input.adminDisplayName,
        password_hash: passwordHash,
        roles: JSON.stringify(['admin']),
        active: 1,
      })
      .execute();
    ctx.recordInputAs({ ...input, adminPassword: undefined, adminPasswordHash: passwordHash });
    ctx.summarize(`Set up ${input.companyName}, branch ${input.branchCode}, admin ${input.adminUsername}`);
    return { ok: true as const };
  },

  'system.loadDemo': async (ctx, input) => {
    await assertFirstRun(ctx);
    let last = 0;
    const counts = await seedDemoCompany(ctx, {
      seed: input.seed,
      size: DEMO_SIZES[input.size],
      onProgress: (done, total) => {
        // At most a few reports a second: they cross to the UI.
        if (done === total || Date.now() - last > 200) {
          last = Date.now();
          ctx.services.progress('demo', done, total);
        }
      },
    });
    ctx.summarize(`Loaded the demo company (seed ${input.seed})`);
    return counts;
  },

  'auth.login': async (ctx, input) => {
    const row = await ctx.db.selectFrom('app_user').selectAll().where('username', '=', input.username.toLowerCase()).executeTakeFirst();
    // Same message whether the user or the password is wrong: do not reveal which user names exist.
    const refused = new DomainError('UNAUTHENTICATED', 'User name or password is wrong');
    if (!row) {
      await verifyPassword(input.password, 'scrypt$16384$8$1$AAAA$AAAA'); // keep timing alike
      throw refused;
    }
    if (!(await verifyPassword(input.password, row.password_hash))) throw refused;
    if (row.active !== 1) throw new DomainError('UNAUTHENTICATED', 'This user is deactivated; ask an admin');
    const user = toUser(row);
    ctx.session.bind(user.id);
    return { user, permissions: [...permissionsOf(user.roles)] };
  },

  'auth.logout': async (ctx) => {
    ctx.session.end();
    return { ok: true as const };
  },

  'auth.session': async (ctx) => {
    if (!ctx.actor.userId) return null;
    const user = await findUser(ctx.db, ctx.actor.userId);
    return user ? { user, permissions: [...ctx.actor.permissions] } : null;
  },

  'users.list': async (ctx) => {
    const rows = await ctx.db.selectFrom('app_user').select(['id', 'username', 'display_name', 'roles', 'active']).orderBy('username').execute();
    return { rows: rows.map(toUser) };
  },

  'users.create': async (ctx, input) => {
    const passwordHash = await hashPassword(input.password);
    const id = ctx.newId();
    await ctx.db
      .insertInto('app_user')
      .values({
        ...newRowMeta(ctx, id),
        username: input.username,
        display_name: input.displayName,
        password_hash: passwordHash,
        roles: JSON.stringify([...new Set(input.roles)]),
        active: 1,
      })
      .execute();
    ctx.recordInputAs({ ...input, password: undefined, passwordHash });
    ctx.summarize(`Created user ${input.username} (${input.roles.join(', ')})`);
    return (await findUser(ctx.db, id))!;
  },

  'users.setRoles': async (ctx, input) => {
    await assertNotLastAdmin(ctx, input.id, input.roles.includes('admin'));
    const res = await ctx.db
      .updateTable('app_user')
      .set((eb) => ({ roles: JSON.stringify([...new Set(input.roles)]), updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', input.id)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw notFound('User');
    const user = (await findUser(ctx.db, input.id))!;
    ctx.summarize(`Roles of ${user.username}: ${input.roles.join(', ')}`);
    return user;
  },

  'users.setPassword': async (ctx, input) => {
    const passwordHash = await hashPassword(input.password);
    const res = await ctx.db
      .updateTable('app_user')
      .set((eb) => ({ password_hash: passwordHash, updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', input.id)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw notFound('User');
    ctx.recordInputAs({ id: input.id, passwordHash });
    return { ok: true as const };
  },

  'users.setActive': async (ctx, input) => {
    if (!input.active) await assertNotLastAdmin(ctx, input.id, false);
    if (!input.active && input.id === ctx.actor.userId) throw new DomainError('BUSINESS_RULE', 'You cannot deactivate yourself');
    const res = await ctx.db
      .updateTable('app_user')
      .set((eb) => ({ active: input.active ? 1 : 0, updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', input.id)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw notFound('User');
    const user = (await findUser(ctx.db, input.id))!;
    ctx.summarize(`${input.active ? 'Reactivated' : 'Deactivated'} user ${user.username}`);
    return user;
  },

  'system.audit.list': async (ctx, input) => {
    let q = ctx.db.selectFrom('audit_log');
    if (input.method) q = q.where('method', '=', input.method);
    const [rows, total] = await Promise.all([
      q.select(['id', 'at', 'user_id', 'username', 'method', 'mutation_id', 'summary']).orderBy('mutation_id', 'desc').limit(input.limit).offset(input.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      rows: rows.map((r) => ({ id: r.id, at: r.at, userId: r.user_id, username: r.username, method: r.method, mutationId: Number(r.mutation_id), summary: r.summary })),
      total: Number(total.n),
      offset: input.offset,
    };
  },

  'system.outbox.stats': async (ctx) => {
    const [agg, state] = await Promise.all([
      ctx.db
        .selectFrom('outbox')
        .select((eb) => [eb.fn.countAll<number>().as('pending'), eb.fn.min('created_at').as('oldest')])
        .executeTakeFirstOrThrow(),
      ctx.db.selectFrom('client_state').select('last_mutation_id').executeTakeFirstOrThrow(),
    ]);
    return { pending: Number(agg.pending), lastMutationId: Number(state.last_mutation_id), oldestPendingAt: (agg.oldest as string | null) ?? null };
  },
});

/** An install must always keep one active admin, or nobody could manage users again. */
async function assertNotLastAdmin(ctx: CommandContext, userId: string, staysAdmin: boolean): Promise<void> {
  if (staysAdmin) return;
  const admins = await ctx.db.selectFrom('app_user').select(['id', 'roles']).where('active', '=', 1).execute();
  const adminIds = admins.filter((a) => (JSON.parse(a.roles) as string[]).includes('admin')).map((a) => a.id);
  if (adminIds.length === 1 && adminIds[0] === userId) {
    throw new DomainError('BUSINESS_RULE', 'This is the last active admin; make someone else admin first');
  }
}
