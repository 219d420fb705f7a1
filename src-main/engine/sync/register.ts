import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { BranchDatabase, CentralDatabase } from '../platform/db';
import { DomainError } from '../platform/errors';
import { newId } from '../platform/ids';
import { mutationPayload, signPayload } from '../platform/mutation';
import { currentSchema } from '../platform/migrate';
import { LATEST_SCHEMA } from '../../../migrations/index';
import { BRANCH_GROUP_ROLE } from './central-init';
import type { SyncCredentials } from './credentials';

export interface RegisterInput {
  /** The centre, with an administrator's login (creates the branch's own login). */
  admin: CentralDatabase;
  branch: BranchDatabase;
  code: string;
  name: string;
  /** Re-register an install whose database was copied or restored: new client id, outbox kept. */
  again?: boolean;
}

/**
 * Registers this install with the centre, bound to one branch: creates the branch (if new),
 * a PostgreSQL login of its own for this install, and the client row with a signing secret.
 * The install must be new (no users: it gets its company from the first sync) unless it
 * re-registers. Returns the credentials to store.
 */
export async function registerBranch(input: RegisterInput): Promise<SyncCredentials> {
  const { admin, branch } = input;
  if ((await currentSchema(admin.db)) !== LATEST_SCHEMA) throw new DomainError('BUSINESS_RULE', 'The central database is not initialised at this version: run `branchline central init` first');
  if (!/^[A-Z][A-Z0-9]{1,5}$/.test(input.code)) throw new DomainError('VALIDATION', 'Branch code is 2–6 capital letters or digits, starting with a letter (e.g. B01)');
  const users = Number((await branch.db.selectFrom('app_user').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  if (users > 0 && !input.again) throw new DomainError('BUSINESS_RULE', 'This database already has data; register a new database (it receives the company at its first sync), or use --again for a copied or restored branch database');
  const company = await admin.db.selectFrom('company').select(['id']).executeTakeFirst();
  if (!company) throw new DomainError('BUSINESS_RULE', 'The centre has no company yet: run `branchline central init --demo` or set it up first');

  const now = new Date().toISOString();
  let centralBranch = await admin.db.selectFrom('branch').select(['id', 'code']).where('code', '=', input.code).executeTakeFirst();
  if (!centralBranch) {
    const id = newId();
    await admin.db.insertInto('branch').values({ id, branch_id: id, created_at: now, updated_at: now, version: 1, company_id: company.id, code: input.code, name: input.name }).execute();
    centralBranch = { id, code: input.code };
  }
  const state = await branch.db.selectFrom('client_state').selectAll().executeTakeFirstOrThrow();
  const clientId = input.again ? newId() : state.client_id;
  const firstPending = await branch.db.selectFrom('outbox').select((eb) => eb.fn.min('mutation_id').as('m')).executeTakeFirst();
  // The centre expects this install's next mutation id: the oldest one still waiting, or the next one.
  const startAfter = firstPending?.m != null ? Number(firstPending.m) - 1 : Number(state.last_mutation_id);
  const role = `bl_${input.code.toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const secret = randomBytes(32).toString('hex');
  await admin.db.transaction().execute(async (trx) => {
    await sql`CREATE ROLE ${sql.raw(role)} LOGIN PASSWORD ${sql.lit(password)} IN ROLE ${sql.raw(BRANCH_GROUP_ROLE)}`.execute(trx);
    await trx
      .insertInto('sync_client')
      .values({ client_id: clientId, branch_id: centralBranch.id, role_name: role, secret, last_mutation_id: startAfter, app_version: null, registered_at: now, last_seen_at: null, retired: 0 })
      .execute();
    if (input.again) await trx.updateTable('sync_client').set({ retired: 1 }).where('client_id', '=', state.client_id).execute();
  });
  await branch.db.transaction().execute(async (trx) => {
    await trx.updateTable('client_state').set({ client_id: clientId, branch_id: centralBranch.id, capture: 1 }).execute();
    // Waiting mutations travel under the new identity: re-signed with the new secret.
    const waiting = await trx.selectFrom('outbox').selectAll().execute();
    for (const m of waiting) {
      const row = { ...m, client_id: clientId, mutation_id: Number(m.mutation_id) };
      await trx.updateTable('outbox').set({ client_id: clientId, signature: signPayload(secret, mutationPayload(row)) }).where('mutation_id', '=', m.mutation_id).execute();
    }
    const existing = await trx.selectFrom('sync_state').select('singleton').executeTakeFirst();
    if (!existing) await trx.insertInto('sync_state').values({ singleton: 1, central_label: null, pull_cursor: null, snapshot_table: null, snapshot_after: null, last_push_at: null, last_pull_at: null, last_success_at: null, last_error: null, blocked_reason: null }).execute();
  });
  const url = new URL(admin.url);
  url.username = role;
  url.password = password;
  return { url: url.toString(), clientId, secret, branchId: centralBranch.id, branchCode: input.code };
}
