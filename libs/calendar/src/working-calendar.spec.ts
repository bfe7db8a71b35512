import { defaultCalendar, SHIPPED_HOLIDAYS } from './default-calendar';
import { holidayFileProblems } from './working-calendar';

const cal = defaultCalendar();
const cst = (local: string) => new Date(`${local}+08:00`);

describe('WorkingCalendar', () => {
  it('has seven working hours a day', () => {
    expect(cal.minutesPerDay).toBe(420);
  });

  it('adds within a morning', () => {
    expect(cal.addWorkingMinutes(cst('2025-03-04T09:30:00'), 60)).toEqual(cst('2025-03-04T10:30:00'));
  });

  it('skips the lunch break', () => {
    expect(cal.addWorkingMinutes(cst('2025-03-04T11:30:00'), 60)).toEqual(cst('2025-03-04T14:00:00'));
  });

  it('starts counting at the next opening when received at night', () => {
    expect(cal.addWorkingMinutes(cst('2025-03-04T22:00:00'), 30)).toEqual(cst('2025-03-05T09:30:00'));
  });

  it('skips weekends', () => {
    // Friday 16:30 + 4 h: 1 h on Friday, 3 h on Monday morning.
    expect(cal.addWorkingMinutes(cst('2025-03-07T16:30:00'), 240)).toEqual(cst('2025-03-10T12:00:00'));
  });

  it('skips the National Day holiday and works the make-up Saturday (调休)', () => {
    // 2025: 1–8 October off; Saturday 11 October is a working day.
    expect(cal.isWorkingDay('2025-10-03')).toBe(false);
    expect(cal.isWorkingDay('2025-10-11')).toBe(true);
    expect(cal.addWorkingMinutes(cst('2025-09-30T17:00:00'), 60)).toEqual(cst('2025-10-09T09:30:00'));
  });

  it('is monotonic: more working time never ends earlier', () => {
    const start = cst('2026-01-30T15:10:00');
    let previous = start.getTime();
    for (let m = 0; m <= 5000; m += 37) {
      const t = cal.addWorkingMinutes(start, m).getTime();
      expect(t).toBeGreaterThanOrEqual(previous);
      previous = t;
    }
  });

  it('never ends on a day off', () => {
    const start = cst('2026-02-10T10:00:00'); // before the Spring Festival
    for (let m = 1; m <= 10 * 420; m += 53) {
      const end = cal.addWorkingMinutes(start, m);
      const localDate = new Date(end.getTime() + 480 * 60_000).toISOString().slice(0, 10);
      expect(cal.isWorkingDay(localDate)).toBe(true);
    }
  });
});

describe('holidayFileProblems', () => {
  it('accepts the shipped files and names what is wrong with a bad one', () => {
    for (const file of SHIPPED_HOLIDAYS) expect(holidayFileProblems(file, file.year)).toEqual([]);
    const bad = {
      year: 2027,
      days: [
        { name: '元旦', date: '2027-01-01', isOffDay: true },
        { name: '元旦', date: '2027-01-01', isOffDay: true },
        { name: '春节', date: '2027-02-30', isOffDay: true },
        { name: '国庆节', date: '2028-10-01', isOffDay: true },
      ],
    };
    expect(holidayFileProblems(bad, 2027)).toEqual([
      { field: 'days.1.date', detail: '2027-01-01 is listed twice' },
      { field: 'days.2.date', detail: '2027-02-30 is not a date' },
      { field: 'days.3.date', detail: '2028-10-01 is not in 2027' },
    ]);
    expect(holidayFileProblems({ year: 2026, days: [] }, 2027)).toEqual([{ field: 'year', detail: 'must be 2027, the year in the path' }]);
  });

  it('lets a loaded year change the working days', () => {
    const start = new Date('2027-01-04T01:00:00Z'); // Monday 09:00 in China
    const plain = defaultCalendar();
    const loaded = defaultCalendar([{ year: 2027, days: [{ name: '假日', date: '2027-01-04', isOffDay: true }] }]);
    expect(plain.isWorkingDay('2027-01-04')).toBe(true);
    expect(loaded.isWorkingDay('2027-01-04')).toBe(false);
    expect(loaded.addWorkingMinutes(start, 60).getTime()).toBeGreaterThan(plain.addWorkingMinutes(start, 60).getTime());
  });
});
