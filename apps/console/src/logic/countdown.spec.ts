import { countdown, formatDuration } from './countdown';

const HOUR = 3_600_000;

describe('countdown', () => {
  it('says the time left in days and hours, hours and minutes, or minutes, in both languages', () => {
    expect(formatDuration(2 * 24 * HOUR + 3 * HOUR + 59_000, 'zh-CN')).toBe('2 天 3 小时');
    expect(formatDuration(2 * 24 * HOUR, 'en')).toBe('2 d');
    expect(formatDuration(5 * HOUR + 7 * 60_000, 'en')).toBe('5 h 7 min');
    expect(formatDuration(45 * 60_000 + 30_000, 'zh-CN')).toBe('45 分钟');
    expect(formatDuration(-5, 'en')).toBe('0 min');
  });

  it('turns into the time overdue past the limit', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(countdown('2026-12-04T14:30:00Z', now, 'en')).toEqual({ overdue: false, ms: 2.5 * HOUR, text: '2 h 30 min left' });
    expect(countdown('2026-12-04T09:30:00Z', now, 'zh-CN')).toEqual({ overdue: true, ms: 2.5 * HOUR, text: '已超时 2 小时 30 分钟' });
  });
});
