/**
 * Permissions and roles. One list, used by the contract (each method names the
 * permission it needs), by the engine's bus (which enforces it) and by the UI
 * (which only hides what the engine would refuse anyway).
 */
export const PERMISSIONS = [
  'catalog.read',
  'catalog.write',
  'partners.read',
  'partners.write',
  'users.read',
  'users.write',
  'system.admin',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['clerk', 'warehouse', 'buyer', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may do. A user holding several roles gets the union. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  clerk: ['catalog.read', 'partners.read', 'partners.write'],
  warehouse: ['catalog.read'],
  buyer: ['catalog.read', 'catalog.write', 'partners.read', 'partners.write'],
  finance: ['catalog.read', 'partners.read'],
  admin: PERMISSIONS,
};

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  const granted = new Set<Permission>();
  for (const role of roles) for (const p of ROLE_PERMISSIONS[role]) granted.add(p);
  return granted;
}
