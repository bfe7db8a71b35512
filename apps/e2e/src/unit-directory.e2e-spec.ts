import KcAdminClient from '@keycloak/keycloak-admin-client';
import { randomBytes } from 'node:crypto';
import { api, eventually, stack, tokenFor } from '@duban/testing';

jest.setTimeout(120_000);

/** Keycloak's admin API as an identity administrator uses it (the master realm's admin of the local stack). */
async function keycloakAdmin(): Promise<KcAdminClient> {
  const issuer = new URL(stack.oidcIssuer);
  const kc = new KcAdminClient({ baseUrl: issuer.origin, realmName: 'master' });
  await kc.auth({ grantType: 'password', clientId: 'admin-cli', username: process.env.KEYCLOAK_ADMIN_USER ?? 'admin', password: process.env.KEYCLOAK_ADMIN_PASS ?? 'admin' });
  kc.setConfig({ realmName: issuer.pathname.split('/').pop()! });
  return kc;
}

/** The group at a path (`/city/water/…`), or undefined. */
async function groupAt(kc: KcAdminClient, path: string) {
  const r = await fetch(`${kc.baseUrl}/admin/realms/${kc.realmName}/group-by-path${path}`, { headers: { authorization: `Bearer ${kc.accessToken}` } });
  if (r.status === 404) return undefined;
  if (!r.ok) throw new Error(`group-by-path ${path}: HTTP ${r.status}`);
  return kc.groups.findOne({ id: ((await r.json()) as { id: string }).id });
}

/**
 * The unit directory dispatch owns and the unit tree in Keycloak follow each other (docs/dispatch.md):
 * an administrator's unit appears as a group under its parent's group, a group an identity
 * administrator adds under a unit's group becomes a unit, a rename on either side reaches the other.
 */
describe('the unit tree in Keycloak', () => {
  it('follows the unit directory both ways, through Keycloak’s admin API', async () => {
    const [admin, handler] = await Promise.all([tokenFor('admin1'), tokenFor('handler-water-a')]);
    const kc = await keycloakAdmin();
    const id = `e2e-${randomBytes(4).toString('hex')}`;

    // Bad input changes nothing: a handler, an unknown parent, a unit under itself.
    const body = { id, nameZh: '水质监测站', nameEn: 'Water Quality Station', parentId: 'water', kind: 'office' };
    expect((await api('/api/v1/units', { method: 'POST', token: handler, body })).status).toBe(403);
    const unknownParent = await api('/api/v1/units', { method: 'POST', token: admin, body: { ...body, parentId: 'no-such-unit' } });
    expect([unknownParent.status, unknownParent.body.errors?.[0]?.field]).toEqual([400, 'parentId']);

    // Dispatch → Keycloak: a new unit becomes a group under its parent's group, with its names.
    const created = await api('/api/v1/units', { method: 'POST', token: admin, body });
    expect([created.status, created.body.parentId]).toEqual([201, 'water']);
    expect((await api('/api/v1/units', { method: 'POST', token: admin, body })).status).toBe(409);
    const group = await eventually(async () => groupAt(kc, `/city/water/${id}`));
    expect(group?.attributes).toEqual(expect.objectContaining({ unit_id: [id], name_zh: ['水质监测站'], name_en: ['Water Quality Station'], kind: ['office'] }));
    const underItself = await api(`/api/v1/units/${id}`, { method: 'PATCH', token: admin, body: { parentId: id } });
    expect([underItself.status, underItself.body.errors?.[0]?.field]).toEqual([400, 'parentId']);

    // Keycloak → dispatch: an identity administrator adds a group under the unit's group and renames the unit's group.
    const child = `${id}-lab`;
    await kc.groups.createChildGroup({ id: group!.id! }, { name: child, attributes: { name_en: ['Station Laboratory'], name_zh: ['实验室'], kind: ['office'] } });
    await kc.groups.update({ id: group!.id! }, { ...group, attributes: { ...group!.attributes, name_en: ['Water Quality Centre'] } });
    const report = await api('/api/v1/units/sync', { method: 'POST', token: admin });
    expect(report.status).toBe(200);
    expect(report.body.unitsTaken).toEqual(expect.arrayContaining([id, child]));
    const units = async () => new Map(((await api('/api/v1/units', { token: handler })).body.units as { id: string; nameEn: string; parentId: string }[]).map((u) => [u.id, u]));
    const taken = await units();
    expect(taken.get(child)).toEqual(expect.objectContaining({ parentId: id, nameEn: 'Station Laboratory' }));
    expect(taken.get(id)?.nameEn).toBe('Water Quality Centre');

    // Dispatch → Keycloak again: an administrator renames and moves the unit; its group follows.
    const moved = await api(`/api/v1/units/${id}`, { method: 'PATCH', token: admin, body: { nameEn: 'Water Quality Agency', parentId: 'environment' } });
    expect([moved.status, moved.body.parentId]).toEqual([200, 'environment']);
    const after = await eventually(async () => {
      const g = await groupAt(kc, `/city/environment/${id}`);
      return g?.attributes?.name_en?.[0] === 'Water Quality Agency' ? g : undefined;
    });
    expect(after?.subGroupCount).toBe(1);
    expect(await groupAt(kc, `/city/water/${id}`)).toBeUndefined();
    const status = await api('/api/v1/units/sync', { token: admin });
    expect([status.body.enabled, status.body.lastError]).toEqual([true, null]);
  });
});
