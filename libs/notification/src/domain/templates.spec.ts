import { defaultCalendar } from '@duban/calendar';
import { digestKey, digestText, local, notBefore, render, urgent } from './templates';

const CASE = '6f1c2f9e-0c1a-4f59-9b7e-3c1d2e4f5a6b';

describe('message templates', () => {
  it('fills the case facts in zh-CN and en', () => {
    const light = { light: 'orange', stage: 'complete', dueAt: '2026-12-01T09:30:00.000Z' };
    expect(render('sla.light-changed', 'zh-CN', CASE, light)).toEqual({ title: '橙灯预警 6f1c2f9e', body: '案件办结时限 2026-12-01 17:30 到期，已亮橙灯。' });
    expect(render('sla.light-changed', 'en', CASE, light)).toEqual({ title: 'Orange light on 6f1c2f9e', body: 'The complete limit of the case is due 2026-12-01 17:30 (China time); its light turned orange.' });
    expect(render('case.assigned', 'zh-CN', CASE, { unitName: '水务局', tier: 'immediate', category: 'water.leak', reason: 'rule water.leak v1' }).body).toBe('水务局 收到一件紧急案件（water.leak）。rule water.leak v1');
    expect(render('unit.card-issued', 'en', CASE, { kind: 'yellow', unitId: 'parks', reason: 'result rejected: still broken' }).title).toBe('Yellow card 6f1c2f9e');
    expect(local('2026-12-31T20:00:00Z')).toBe('2027-01-01 04:00');
  });

  it('holds messages in quiet hours until they end, except urgent ones', () => {
    const quiet = { from: 22 * 60, to: 7 * 60 }; // 22:00–07:00 China time, across midnight
    const at = (local: string) => new Date(`${local}+08:00`);
    expect(notBefore(at('2026-12-01T23:15:30'), quiet, false)).toEqual(at('2026-12-02T07:00:00'));
    expect(notBefore(at('2026-12-02T06:59:00'), quiet, false)).toEqual(at('2026-12-02T07:00:00'));
    expect(notBefore(at('2026-12-02T07:00:00'), quiet, false)).toEqual(at('2026-12-02T07:00:00'));
    expect(notBefore(at('2026-12-01T12:00:00'), quiet, false)).toEqual(at('2026-12-01T12:00:00'));
    expect(notBefore(at('2026-12-01T23:15:00'), quiet, true)).toEqual(at('2026-12-01T23:15:00'));
    expect(notBefore(at('2026-12-01T13:00:00'), { from: 12 * 60, to: 14 * 60 }, false)).toEqual(at('2026-12-01T14:00:00'));
    expect(urgent('sla.light-changed', { light: 'red' })).toBe(true);
    expect(urgent('case.assigned', { tier: 'immediate' })).toBe(true);
    expect(urgent('case.assigned', { tier: 'general' })).toBe(false);
  });
});

describe('the daily digest', () => {
  it('counts yesterday by kind and names the units that missed the most limits', () => {
    const counts = [
      { unitId: 'water', key: 'assigned', n: 12 },
      { unitId: 'parks', key: 'assigned', n: 3 },
      { unitId: 'water', key: 'red-light', n: 2 },
      { unitId: 'parks', key: 'red-light', n: 4 },
      { unitId: 'parks', key: 'escalated', n: 1 },
      { unitId: 'water', key: 'yellow-card', n: 1 },
    ];
    expect(digestText('zh-CN', '2026-11-30', '全部单位', counts)).toEqual({
      title: '每日督办摘要 2026-11-30（全部单位）',
      body: '新派案件 15，办结 0，红灯超时 6，升级督办 1，黄牌 1，红牌 0，退回重办 0，群众不满意重办 0。超时最多：parks 5，water 2。',
    });
    expect(digestText('en', '2026-11-30', 'water', [counts[0]]).body).toBe(
      'cases assigned 12, resolved 0, limits run out (red lights) 0, escalated to organisation level 0, yellow cards 0, red cards 0, results sent back 0, reopened by reporters 0.',
    );
    expect(digestKey('sla.light-changed', { light: 'orange' })).toBeNull();
    expect(digestKey('unit.card-issued', { kind: 'red' })).toBe('red-card');
  });
});

describe('quiet hours on the working calendar', () => {
  it('holds a message sent off duty until the next working minute, holidays and make-up days included', () => {
    const cal = defaultCalendar();
    const at = (local: string) => new Date(`${local}+08:00`);
    const offDuty = { from: null, to: null, offDuty: true };
    // Friday evening → Monday 09:00.
    expect(notBefore(at('2025-03-07T19:00:00'), offDuty, false, 480, cal)).toEqual(at('2025-03-10T09:00:00'));
    // Lunch break → 13:30.
    expect(notBefore(at('2025-03-10T12:10:00'), offDuty, false, 480, cal)).toEqual(at('2025-03-10T13:30:00'));
    // During working time: at once; urgent: at once.
    expect(notBefore(at('2025-03-10T10:00:00'), offDuty, false, 480, cal)).toEqual(at('2025-03-10T10:00:00'));
    expect(notBefore(at('2025-03-07T19:00:00'), offDuty, true, 480, cal)).toEqual(at('2025-03-07T19:00:00'));
    // National Day 2025 (1–8 October): the next working day is Thursday 9 October.
    expect(notBefore(at('2025-10-01T10:00:00'), offDuty, false, 480, cal)).toEqual(at('2025-10-09T09:00:00'));
    // A make-up working Saturday (调休, 2025-09-28) is a working day.
    expect(notBefore(at('2025-09-28T10:00:00'), offDuty, false, 480, cal)).toEqual(at('2025-09-28T10:00:00'));
  });
});
