import { randomBytes } from 'node:crypto';
import { api, eventually, tokenFor } from '@duban/testing';

jest.setTimeout(120_000);

/** A place of its own for this run: earlier runs' cases on the same stack must not be near it. */
const spot = () => ({ lat: 42.25 + Math.random() * 0.1, lon: -71.15 + Math.random() * 0.1 });
/** ≈ metres north of a point. */
/** The repeat's own receipt in its timeline (the original's steps are in it too). */
const ownReceipt = (view: { timeline: { type: string; summary: string }[] }) =>
  view.timeline.find((t) => t.type === 'case.received' && !t.summary.startsWith('Original case: '))?.summary;
const north = (p: { lat: number; lon: number }, metres: number) => ({ lat: p.lat + metres / 111_195, lon: p.lon });

describe('duplicate reports through the gateway', () => {
  let citizen: string;
  let operator: string;
  let dispatcher: string;

  beforeAll(async () => {
    [citizen, operator, dispatcher] = await Promise.all([tokenFor('citizen1'), tokenFor('operator1'), tokenFor('dispatcher1')]);
  });

  const file = async (token: string, body: Record<string, unknown>) => {
    const r = await api('/api/v1/cases', { method: 'POST', token, body });
    expect(r.status).toBe(201);
    return r.body;
  };
  const assignments = (id: string) => api(`/api/v1/assignments/${id}`, { token: dispatcher });

  it('previews a filing before submit: the category from the text, the open case it would join, and nothing written', async () => {
    const here = spot();
    const text = `Water gushing out of the pavement ${randomBytes(8).toString('hex')}`;
    const original = await file(operator, { title: 'Burst pipe by the school', description: text, category: 'water.leak', location: { point: here } });

    const preview = await api('/api/v1/cases/preview', {
      method: 'POST',
      token: citizen,
      body: { title: '路边水管漏水', description: '人行道下水管爆管，一直在冒水', location: { point: north(here, 20) } },
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ category: { code: 'water.leak', nameZh: '供水管道漏水爆管' }, tier: 'immediate' });
    expect(preview.body.matched).toEqual(expect.arrayContaining(['漏水', '爆管', '冒水']));
    expect(preview.body.duplicateOf).toMatchObject({ caseId: original.id, title: 'Burst pipe by the school', reason: 'place', distanceMeters: 20 });

    // Far away: no original; a preview files nothing, so the same body still finds none afterwards.
    const alone = await api('/api/v1/cases/preview', { method: 'POST', token: citizen, body: { title: 'Leak', description: text, category: 'water.leak', location: { point: north(here, 5000) } } });
    expect(alone.body.duplicateOf).toBeNull();
    const again = await api('/api/v1/cases/preview', { method: 'POST', token: citizen, body: { title: 'Leak', description: text, category: 'water.leak', location: { point: north(here, 5000) } } });
    expect(again.body.duplicateOf).toBeNull();

    // Validated and authorised as a filing: a field named, a channel the role may not use refused.
    const bad = await api('/api/v1/cases/preview', { method: 'POST', token: citizen, body: { title: '', description: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('title');
    const unknown = await api('/api/v1/cases/preview', { method: 'POST', token: citizen, body: { title: 'Hmm', description: 'Nothing we know of qwxz' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('category');
    const hotline = await api('/api/v1/cases/preview', { method: 'POST', token: citizen, body: { title: 'Leak', description: 'Water', channel: 'hotline', category: 'water.leak' } });
    expect(hotline.status).toBe(403);

    const categories = await api('/api/v1/cases/categories', { token: citizen });
    expect(categories.status).toBe(200);
    expect(categories.body.categories).toContainEqual(expect.objectContaining({ code: 'water.leak', nameZh: '供水管道漏水爆管', nameEn: 'Water main leak or burst', tier: 'immediate', group: expect.any(String) }));
  });

  it('links a report of the same category nearby to the open case; its reporter follows the original', async () => {
    const here = spot();
    const original = await file(operator, {
      title: 'Burst pipe at the corner',
      description: `Water gushing from the pavement ${randomBytes(8).toString('hex')}`,
      category: 'water.leak',
      location: { point: here },
    });
    await eventually(async () => ((await assignments(original.id)).status === 200 ? true : undefined));

    const repeat = await file(citizen, { title: 'Water everywhere', description: 'The street is flooded near the shop', category: 'water.leak', location: { point: north(here, 30) } });
    expect(repeat.duplicateOf).toBe(original.id);
    expect(ownReceipt(repeat)).toMatch(/linked to the open case .* \(same category 30 m away\)/);

    // The reporter of the repeat sees the original's progress on their own case.
    const followed = await eventually(async () => {
      const r = await api(`/api/v1/cases/${repeat.id}`, { token: citizen });
      return r.body.unitId === 'water' ? r.body : undefined;
    });
    expect(followed).toMatchObject({ id: repeat.id, duplicateOf: original.id, status: 'assigned', unitName: 'Water Bureau' });
    expect(followed.timeline.some((t: { summary: string }) => t.summary.startsWith('Original case: '))).toBe(true);
    // Handled once: the repeat is never dispatched, and the original knows about it.
    expect((await assignments(repeat.id)).status).toBe(404);
    const originalView = await api(`/api/v1/cases/${original.id}`, { token: dispatcher });
    expect(originalView.body.duplicates).toEqual([repeat.id]);
    expect(originalView.body.timeline.some((t: { type: string }) => t.type === 'case.duplicate-linked')).toBe(true);

    // Farther than the radius, or another category, or a leader's directive: a case of its own.
    const far = await file(citizen, { title: 'Leak', description: 'Another leak down the road', category: 'water.leak', location: { point: north(here, 200) } });
    const other = await file(citizen, { title: 'Tree', description: 'A tree leans over the road', category: 'parks.tree-hazard', location: { point: north(here, 5) } });
    const directive = await api('/api/v1/cases', {
      method: 'POST',
      token: await tokenFor('supervisor1'),
      body: { title: 'Fix the leak', description: 'Mayor: fix the leak today', category: 'water.leak', channel: 'leader', sourceReference: 'Instruction 7', tier: 'immediate', location: { point: north(here, 10) } },
    });
    expect([far.duplicateOf, other.duplicateOf, directive.body.duplicateOf]).toEqual([null, null, null]);
  });

  it('links near-identical text without a place, and a dispatcher can unlink it to be handled on its own', async () => {
    const text = `The streetlight at the school gate on Willow Lane has been dark for three nights ${randomBytes(6).toString('hex')}`;
    const original = await file(citizen, { title: 'Streetlight dark', description: text, category: 'public-works.streetlight' });
    const repeat = await file(operator, { title: 'Streetlight dark', description: `${text}!`, category: 'public-works.streetlight', caller: { name: 'Zhao' } });
    expect(repeat.duplicateOf).toBe(original.id);
    expect(ownReceipt(repeat)).toMatch(/near-identical text/);

    const handler = await tokenFor('handler-public-works-a');
    expect((await api(`/api/v1/cases/${repeat.id}/unlink`, { method: 'POST', token: handler, body: { reason: 'Different lamp' } })).status).toBe(403);
    const short = await api(`/api/v1/cases/${repeat.id}/unlink`, { method: 'POST', token: dispatcher, body: { reason: 'no' } });
    expect([short.status, short.body.errors[0].field]).toEqual([400, 'reason']);
    expect((await api(`/api/v1/cases/${original.id}/unlink`, { method: 'POST', token: dispatcher, body: { reason: 'Not a duplicate' } })).status).toBe(409);

    const unlinked = await api(`/api/v1/cases/${repeat.id}/unlink`, { method: 'POST', token: dispatcher, body: { reason: 'The caller means the lamp at the back gate' } });
    expect(unlinked.status).toBe(200);
    expect(unlinked.body.duplicateOf).toBeNull();
    const own = await eventually(async () => {
      const r = await assignments(repeat.id);
      return r.status === 200 ? r.body.assignments : undefined;
    });
    expect(own).toHaveLength(1);
    const view = await eventually(async () => {
      const r = await api(`/api/v1/cases/${repeat.id}`, { token: operator });
      return r.body.status === 'assigned' ? r.body : undefined;
    });
    expect(view.timeline.map((t: { type: string }) => t.type)).toEqual(expect.arrayContaining(['case.duplicate-unlinked', 'case.assigned']));
  });
});
