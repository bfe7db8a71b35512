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

/**
 * Confidentiality of a case and clearance of a person, lowest first (公开 / 内部 / 秘密): `public`
 * cases may be published (the Open311 feed), `internal` ones are for staff cleared for internal
 * matters, `secret` ones only for people cleared for secret. A person reads or acts on a case only
 * when their clearance is at least its confidentiality — on top of the unit rules; the reporter of
 * a case always sees their own.
 */
export const CONFIDENTIALITY = ['public', 'internal', 'secret'] as const;
export type Confidentiality = (typeof CONFIDENTIALITY)[number];

export function isConfidentiality(value: unknown): value is Confidentiality {
  return typeof value === 'string' && (CONFIDENTIALITY as readonly string[]).includes(value);
}

/** Whether a clearance covers a level of confidentiality. */
export function clears(clearance: Confidentiality, level: Confidentiality): boolean {
  return CONFIDENTIALITY.indexOf(clearance) >= CONFIDENTIALITY.indexOf(level);
}

/** Who is calling, as the identity provider vouches for it. */
export interface Principal {
  subject: string;
  username: string;
  roles: Role[];
  /** The unit the person works in (a unit code), or null for citizens. */
  unitId: string | null;
  /**
   * The person's clearance (the `clearance` claim, from the identity provider's user attribute);
   * a token without one is `public` — the least.
   */
  clearance: Confidentiality;
  /**
   * Set when a unit head acts on a case of a unit below theirs (their subtree): `unitId` is then that
   * case's unit for the request, and this the unit they belong to (the audit trail records this one).
   */
  homeUnitId?: string;
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
  const clearance = isConfidentiality(claims.clearance) ? claims.clearance : 'public';
  return { subject, username, roles, unitId, clearance, ...(clientId ? { clientId } : {}) };
}
