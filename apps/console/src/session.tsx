import { createContext, useContext } from 'react';
import type { ConsoleConfig, Person } from './auth';

export interface Session {
  person: Person;
  config: ConsoleConfig;
  signOut: () => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}

/** The views a role may use, in menu order; the menu shows only these. */
export type ViewKey = 'intake' | 'work' | 'map' | 'notifications';
const VIEW_ROLES: Record<ViewKey, readonly string[]> = {
  intake: ['operator', 'dispatcher', 'supervisor', 'admin', 'reporter'],
  work: ['handler', 'unit-head'],
  map: ['supervisor', 'dispatcher', 'assessor', 'admin'],
  notifications: ['reporter', 'operator', 'dispatcher', 'handler', 'unit-head', 'supervisor', 'assessor', 'admin'],
};

export function viewsFor(roles: readonly string[]): ViewKey[] {
  return (Object.keys(VIEW_ROLES) as ViewKey[]).filter((v) => VIEW_ROLES[v].some((r) => roles.includes(r)));
}
