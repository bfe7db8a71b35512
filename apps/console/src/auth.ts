import { User, UserManager, WebStorageStateStore } from 'oidc-client-ts';

/** What the gateway tells the console at /console-config.json: whom to sign in with. */
export interface ConsoleConfig {
  issuer: string;
  clientId: string;
  /** Jaeger's UI, when traces are kept (distributed mode): a case's trace id links there. */
  traceUrl?: string;
}

/** Duban's roles (libs/auth), in the order the console names them. */
export const ROLES = ['reporter', 'operator', 'dispatcher', 'handler', 'unit-head', 'supervisor', 'assessor', 'admin'] as const;

export interface Person {
  username: string;
  roles: string[];
  unitId: string | null;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/console-config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`console-config.json: ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}

/**
 * Sign-in with OIDC authorization code + PKCE (oidc-client-ts) against whichever issuer runs: the
 * standalone's development issuer or Keycloak. Tokens live in this tab's sessionStorage and are
 * renewed with the refresh token before they expire.
 */
export function userManager(config: ConsoleConfig): UserManager {
  const origin = window.location.origin;
  return new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: `${origin}/callback`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: 'openid',
    automaticSilentRenew: true,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

/** The person in an access token (Keycloak's claims, also the development issuer's), read, not verified: the API verifies. */
export function personOf(user: User): Person {
  const payload = user.access_token.split('.')[1] ?? '';
  const claims = JSON.parse(decodeBase64Url(payload)) as { preferred_username?: string; realm_access?: { roles?: string[] }; unit_id?: string };
  return {
    username: claims.preferred_username ?? user.profile.preferred_username ?? user.profile.sub,
    // Duban's roles only: an issuer adds its own (Keycloak: default-roles-…, offline_access).
    roles: (claims.realm_access?.roles ?? []).filter((r) => (ROLES as readonly string[]).includes(r)),
    unitId: claims.unit_id ?? null,
  };
}

function decodeBase64Url(part: string): string {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
