import { createContext, useContext } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import type { Permission } from '../../../src-shared/permissions';

export type SystemStatus = OutputOf<'system.status'>;
export type Session = NonNullable<OutputOf<'auth.session'>>;

export interface SessionContextValue {
  status: SystemStatus;
  session: Session;
  /** Whether the user holds a permission. Only hides actions: the engine enforces anyway. */
  can(permission: Permission): boolean;
  logout(): Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside the app shell');
  return value;
}

export function useCan(): (permission: Permission) => boolean {
  return useSession().can;
}
