import type { User } from '../../../src-shared/contract/index';
import { permissionsOf, ROLES, type Role } from '../../../src-shared/permissions';
import type { Actor } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import type { AppUserTable } from '../platform/schema';

export function parseRoles(json: string): Role[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((r): r is Role => (ROLES as readonly string[]).includes(r)) : [];
}

export function toUser(row: Pick<AppUserTable, 'id' | 'username' | 'display_name' | 'roles' | 'active'>): User {
  return { id: row.id, username: row.username, displayName: row.display_name, roles: parseRoles(row.roles), active: row.active === 1 };
}

export function actorOf(user: User): Actor {
  return { userId: user.id, username: user.username, roles: user.roles, permissions: permissionsOf(user.roles) };
}

export async function findUser(db: Db | Tx, id: string): Promise<User | null> {
  const row = await db.selectFrom('app_user').select(['id', 'username', 'display_name', 'roles', 'active']).where('id', '=', id).executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function userCount(db: Db | Tx): Promise<number> {
  const row = await db.selectFrom('app_user').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
