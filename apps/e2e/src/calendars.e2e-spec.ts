import { api, tokenFor } from '@duban/testing';

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
