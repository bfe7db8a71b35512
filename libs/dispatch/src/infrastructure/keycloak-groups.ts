import KcAdminClient from '@keycloak/keycloak-admin-client';
import type GroupRepresentation from '@keycloak/keycloak-admin-client/lib/defs/groupRepresentation';
import type { DirectoryGroup, UnitFacts } from '../domain/unit-sync';

export interface KeycloakGroupsOptions {
  /** Keycloak's base URL, e.g. http://127.0.0.1:18080 */
  baseUrl: string;
  realm: string;
  /** A confidential client with a service account allowed to manage groups (realm-management: manage-users, query-groups). */
  clientId: string;
  clientSecret: string;
}

const UNIT_CODE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const PAGE = 500;

/** The unit tree as Keycloak groups, through Keycloak's admin API (@keycloak/keycloak-admin-client). */
export class KeycloakGroups {
  private readonly client: KcAdminClient;
  private authenticatedAt = 0;

  constructor(private readonly options: KeycloakGroupsOptions) {
    this.client = new KcAdminClient({ baseUrl: options.baseUrl, realmName: options.realm });
  }

  /** A fresh service-account token every minute (Keycloak's default lifetime is five). */
  private async api(): Promise<KcAdminClient> {
    if (Date.now() - this.authenticatedAt > 60_000) {
      await this.client.auth({ grantType: 'client_credentials', clientId: this.options.clientId, clientSecret: this.options.clientSecret });
      this.authenticatedAt = Date.now();
    }
    return this.client;
  }

  /**
   * Every group that stands for a unit: one with a `unit_id` attribute, or one placed under a unit's
   * group whose name is a unit code (an identity administrator adding a unit in Keycloak).
   */
  async list(): Promise<DirectoryGroup[]> {
    const kc = await this.api();
    const found: DirectoryGroup[] = [];
    const visit = async (groups: GroupRepresentation[], parentUnitId: string | null): Promise<void> => {
      for (const g of groups) {
        const attributeUnit = g.attributes?.unit_id?.[0];
        const unitId = attributeUnit ?? (parentUnitId && g.name && UNIT_CODE.test(g.name) ? g.name : undefined);
        if (unitId && g.id) {
          found.push({
            groupId: g.id,
            unitId,
            parentUnitId,
            // A group without these attributes has no say on them (a realm imported from its file carries only unit_id).
            nameZh: g.attributes?.name_zh?.[0] ?? (attributeUnit ? null : (g.name ?? null)),
            nameEn: g.attributes?.name_en?.[0] ?? (attributeUnit ? null : (g.name ?? null)),
            kind: g.attributes?.kind?.[0] ?? null,
          });
        }
        if (g.id && (g.subGroupCount ?? 1) > 0) await visit(await this.children(kc, g.id), unitId ?? null);
      }
    };
    await visit(await kc.groups.find({ briefRepresentation: false, max: PAGE }), null);
    return found;
  }

  private async children(kc: KcAdminClient, parentId: string): Promise<GroupRepresentation[]> {
    const all: GroupRepresentation[] = [];
    for (let first = 0; ; first += PAGE) {
      const page = await kc.groups.listSubGroups({ parentId, first, max: PAGE, briefRepresentation: false });
      all.push(...page);
      if (page.length < PAGE) return all;
    }
  }

  /** Creates the unit's group under its parent's group; answers the new group's id. */
  async create(unitId: string, facts: UnitFacts, parentGroupId: string): Promise<string> {
    const kc = await this.api();
    const { id } = await kc.groups.createChildGroup({ id: parentGroupId }, { name: unitId, attributes: attributesOf(unitId, facts) });
    return id;
  }

  /** Writes the unit's names and kind to its group, and moves it under another parent's group when asked. */
  async update(groupId: string, unitId: string, facts: UnitFacts, newParentGroupId?: string): Promise<void> {
    const kc = await this.api();
    const current = await kc.groups.findOne({ id: groupId });
    await kc.groups.update({ id: groupId }, { ...current, name: current?.name ?? unitId, attributes: { ...(current?.attributes ?? {}), ...attributesOf(unitId, facts) } });
    // Posting an existing group as a child moves it there.
    if (newParentGroupId) await kc.groups.updateChildGroup({ id: newParentGroupId }, { id: groupId, name: current?.name ?? unitId });
  }
}

function attributesOf(unitId: string, facts: UnitFacts): Record<string, string[]> {
  return { unit_id: [unitId], name_zh: [facts.nameZh], name_en: [facts.nameEn], kind: [facts.kind] };
}
