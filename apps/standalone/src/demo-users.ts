import { readFileSync } from 'node:fs';

export interface DemoUser {
  username: string;
  roles: string[];
  unitId: string | null;
  /** public / internal / secret (the realm's `clearance` attribute); absent for citizens. */
  clearance?: string;
}

interface RealmFile {
  users: { username: string; serviceAccountClientId?: string; realmRoles?: string[]; attributes?: { unit_id?: string[]; clearance?: string[] } }[];
}

/** The demo users of the Keycloak realm file, so both modes know the same people. */
export function demoUsersFromRealm(realmFile: string): DemoUser[] {
  const realm = JSON.parse(readFileSync(realmFile, 'utf8')) as RealmFile;
  return realm.users.filter((u) => !u.serviceAccountClientId).map((u) => ({
    username: u.username,
    roles: (u.realmRoles ?? []).filter((r) => !r.startsWith('default-roles')),
    unitId: u.attributes?.unit_id?.[0] ?? null,
    ...(u.attributes?.clearance?.[0] ? { clearance: u.attributes.clearance[0] } : {}),
  }));
}
