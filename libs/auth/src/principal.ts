export const ROLES = [
  'reporter',
  'operator',
  'dispatcher',
  'handler',
  'unit-head',
  'supervisor',
  'assessor',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as the identity provider vouches for it. */
export interface Principal {
  subject: string;
  username: string;
  roles: Role[];
  /** The unit the person works in (a unit code), or null for citizens. */
  unitId: string | null;
  /** The OAuth client the token was issued to (`azp`), when the token says. */
  clientId?: string;
}

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return roles.some((r) => principal.roles.includes(r));
}

/** Reads our claims from a verified Keycloak (or any OIDC) access token payload. */
export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const realmAccess = claims.realm_access as { roles?: unknown } | undefined;
  const rawRoles = Array.isArray(realmAccess?.roles) ? realmAccess.roles : Array.isArray(claims.roles) ? claims.roles : [];
  const roles = rawRoles.filter((r): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r));
  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  const username = typeof claims.preferred_username === 'string' ? claims.preferred_username : subject;
  const unitId = typeof claims.unit_id === 'string' && claims.unit_id.length > 0 ? claims.unit_id : null;
  const clientId = typeof claims.azp === 'string' && claims.azp.length > 0 ? claims.azp : undefined;
  return { subject, username, roles, unitId, ...(clientId ? { clientId } : {}) };
}
