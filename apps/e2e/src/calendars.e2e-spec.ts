import { defaultCalendar } from '@duban/calendar';
import { api, distinct, eventually, tokenFor } from '@duban/testing';

jest.setTimeout(60_000);

describe('holiday years an administrator loads, without a release', () => {
  it('loads a year, changes the working days time limits are computed on, and refuses bad files by field', async () => {
    const [admin, supervisor] = await Promise.all([tokenFor('admin1'), tokenFor('supervisor1')]);
    const file = (days: { name: string; date: string; isOffDay: boolean }[]) => ({ year: 2027, papers: ['https://www.gov.cn/'], days });

    expect((await api('/api/v1/calendars/holidays/2027', { method: 'PUT', token: supervisor, body: file([]) })).status).toBe(403);
    const wrongYear = await api('/api/v1/calendars/holidays/2028', { method: 'PUT', token: admin, body: file([]) });
    expect([wrongYear.status, wrongYear.body.errors[0].field]).toEqual([400, 'year']);
    const badDate = await api('/api/v1/calendars/holidays/2027', { method: 'PUT', token: admin, body: file([{ name: '春节', date: '2027-02-30', isOffDay: true }]) });
    expect([badDate.status, badDate.body.errors[0].field]).toEqual([400, 'days.0.date']);
    const extra = await api('/api/v1/calendars/holidays/2027', { method: 'PUT', token: admin, body: { ...file([]), source: 'x' } });
    expect([extra.status, extra.body.errors[0].field]).toEqual([400, 'source']);

    // 2027 has 261 weekdays: one official day off leaves 260, a make-up Saturday (调休) brings 261 back.
    const off = await api('/api/v1/calendars/holidays/2027', { method: 'PUT', token: admin, body: file([{ name: '假日', date: '2027-01-04', isOffDay: true }]) });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ year: 2027, source: 'loaded', days: 1, loadedBy: 'admin1', workingDaysInYear: 260 });
    const makeUp = await api('/api/v1/calendars/holidays/2027', {
      method: 'PUT',
      token: admin,
      body: file([
        { name: '假日', date: '2027-01-04', isOffDay: true },
        { name: '假日', date: '2027-01-09', isOffDay: false },
      ]),
    });
    expect(makeUp.body.workingDaysInYear).toBe(261);

    const years = await api('/api/v1/calendars/holidays', { token: supervisor });
    expect(years.body.years.map((y: { year: number; source: string }) => [y.year, y.source])).toEqual(
      expect.arrayContaining([
        [2024, 'shipped'],
        [2026, 'shipped'],
        [2027, 'loaded'],
      ]),
    );
  });
});

describe('time limits an administrator changes, without a release', () => {
  it('changes the general accept limit for new clocks only, refuses bad changes by field, and goes back to the default', async () => {
    const [admin, supervisor, operator] = await Promise.all([tokenFor('admin1'), tokenFor('supervisor1'), tokenFor('operator1')]);
    const listed = await api('/api/v1/sla-policies', { token: supervisor });
    expect(listed.body.policies).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'general.accept', stage: 'accept', tier: 'general', minutes: 240, basis: 'working', changed: false })]),
    );
    expect((await api('/api/v1/sla-policies/general.accept', { method: 'PUT', token: supervisor, body: { minutes: 480, basis: 'working' } })).status).toBe(403);
    expect((await api('/api/v1/sla-policies/general.lunch', { method: 'PUT', token: admin, body: { minutes: 480, basis: 'working' } })).status).toBe(404);
    const zero = await api('/api/v1/sla-policies/general.accept', { method: 'PUT', token: admin, body: { minutes: 0, basis: 'working' } });
    expect([zero.status, zero.body.errors[0].field]).toEqual([400, 'minutes']);
    const basis = await api('/api/v1/sla-policies/general.accept', { method: 'PUT', token: admin, body: { minutes: 480, basis: 'natural' } });
    expect([basis.status, basis.body.errors[0].field]).toEqual([400, 'basis']);

    const clockOf = async (caseId: string) =>
      eventually(async () => {
        const r = await api(`/api/v1/clocks/${caseId}`, { token: supervisor });
        return (r.body?.clocks ?? []).find((c: { stage: string }) => c.stage === 'accept') as
          | { policy: string; startedAt: string; dueAt: string; lights: { light: string; at: string; fired: boolean }[] }
          | undefined;
      });
    const file = async () =>
      (await api('/api/v1/cases', { method: 'POST', token: operator, body: { title: 'Leaking roof', description: distinct('Water drips through the ceiling of flat 3'), category: 'housing.repair' } })).body.id as string;

    const before = await file();
    const old = await clockOf(before); // started before the change
    const changed = await api('/api/v1/sla-policies/general.accept', { method: 'PUT', token: admin, body: { minutes: 480, basis: 'working' } });
    try {
      expect(changed.body).toMatchObject({ key: 'general.accept', minutes: 480, changed: true, changedBy: 'admin1', default: { minutes: 240, basis: 'working' } });
      const after = await file();
      const now = await clockOf(after);
      expect(now.policy).toBe('general.accept.480m-working');
      expect(new Date(now.dueAt).toISOString()).toBe(defaultCalendar().addWorkingMinutes(new Date(now.startedAt), 480).toISOString());
      // When each light changes, on the same calendar: yellow at half the time, orange at 80 %, red at the limit (the console's chips).
      const working = (minutes: number) => defaultCalendar().addWorkingMinutes(new Date(now.startedAt), minutes).toISOString();
      expect(now.lights.map((l) => [l.light, new Date(l.at).toISOString(), l.fired])).toEqual([
        ['yellow', working(240), false],
        ['orange', working(384), false],
        ['red', working(480), false],
      ]);
      // The clock that was running keeps its limit.
      expect(old.policy).toBe('general.accept.4wh');
    } finally {
      expect((await api('/api/v1/sla-policies/general.accept', { method: 'DELETE', token: admin })).status).toBe(204);
    }
    expect((await api('/api/v1/sla-policies/general.accept', { method: 'DELETE', token: admin })).status).toBe(404);
  });
});
