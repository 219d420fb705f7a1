/**
 * Permissions and roles. One list, used by the contract (each method names the
 * permission it needs), by the engine's bus (which enforces it) and by the UI
 * (which only hides what the engine would refuse anyway).
 */
export const PERMISSIONS = [
  'catalog.read',
  'catalog.write',
  'inventory.read',
  'inventory.operate',
  'inventory.adjust',
  'inventory.count.approve',
  'inventory.config',
  'partners.read',
  'partners.write',
  'pricing.read',
  'pricing.write',
  'sales.read',
  'sales.write',
  'sales.approve',
  'sales.credit.release',
  'sales.invoice',
  'sales.config',
  'purchasing.read',
  'purchasing.write',
  'purchasing.approve',
  'purchasing.approve.double',
  'purchasing.receive',
  'purchasing.bill',
  'purchasing.bill.approve',
  'purchasing.config',
  'service.read',
  'service.write',
  'service.approve',
  'service.config',
  'finance.read',
  'finance.post',
  'finance.close',
  'finance.config',
  'users.read',
  'users.write',
  'system.admin',
  'reports.read',
  'reports.forecast',
  // Background work the app itself runs (report refresh steps, scheduled replenishment, sync
  // follow-ups). No role holds it: only the host's runners, as the host actor (engine.ts).
  'system.background',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['clerk', 'warehouse', 'buyer', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What each role may do. A user holding several roles gets the union.
 * `inventory.count.approve` is the warehouse-manager permission (count variances above
 * the threshold); only admins hold it until per-user grants exist. Clerks sell
 * (`sales.write`); finance releases credit holds, invoices, and decides the approvals routed
 * to finance; admins decide any approval and edit pricing and channel policies. Who may
 * decide a given approval request is its approver role (sales/approvals.ts).
 */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  clerk: ['catalog.read', 'partners.read', 'partners.write', 'inventory.read', 'pricing.read', 'sales.read', 'sales.write', 'service.read', 'service.write', 'reports.read'],
  warehouse: ['catalog.read', 'inventory.read', 'inventory.operate', 'inventory.adjust', 'sales.read', 'service.read', 'purchasing.read', 'purchasing.receive', 'reports.read'],
  buyer: ['catalog.read', 'catalog.write', 'partners.read', 'partners.write', 'inventory.read', 'pricing.read', 'sales.read', 'purchasing.read', 'purchasing.write', 'purchasing.approve', 'purchasing.receive', 'purchasing.bill', 'purchasing.bill.approve', 'reports.read', 'reports.forecast'],
  finance: ['catalog.read', 'partners.read', 'inventory.read', 'pricing.read', 'sales.read', 'sales.approve', 'sales.credit.release', 'sales.invoice', 'service.read', 'service.approve', 'purchasing.read', 'purchasing.approve', 'purchasing.approve.double', 'purchasing.bill', 'purchasing.bill.approve', 'reports.read', 'finance.read', 'finance.post', 'finance.close', 'finance.config'],
  admin: PERMISSIONS.filter((p) => p !== 'system.background'),
};

/** What the host's own background runners may do: their own steps, nothing a user does. */
export const HOST_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>(['system.background']);

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  const granted = new Set<Permission>();
  for (const role of roles) for (const p of ROLE_PERMISSIONS[role]) granted.add(p);
  return granted;
}
