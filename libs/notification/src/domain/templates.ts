import { forDisplay } from '@duban/service-defaults';

/**
 * Message templates in zh-CN and en, filled with the case's facts from the event. Pure.
 */
export type Locale = 'zh-CN' | 'en';

/** The events people can subscribe to, and what each template says. */
export const NOTIFIABLE = [
  'case.assigned',
  'sla.light-changed',
  'case.supervision-escalated',
  'case.supervision-ordered',
  'unit.card-issued',
  'assist.requested',
  'case.result-rejected',
  'case.resolved',
  'case.rebounded',
] as const;
export type NotifiableEvent = (typeof NOTIFIABLE)[number];

type Data = Record<string, unknown>;

const LIGHT_ZH: Record<string, string> = { yellow: '黄灯', orange: '橙灯', red: '红灯' };
const STAGE_ZH: Record<string, string> = { accept: '签收', start: '响应', result: '首次反馈', complete: '办结', solution: '方案', designate: '指定牵头单位', assist: '配合答复', supervision: '督办回复' };

/** Local time (China Standard Time) of an ISO instant, as "YYYY-MM-DD HH:mm". */
export function local(iso: unknown, utcOffsetMinutes = 480): string {
  const t = new Date(String(iso));
  if (Number.isNaN(t.getTime())) return String(iso ?? '');
  return new Date(t.getTime() + utcOffsetMinutes * 60_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** A message of `type` for one person, shown without bidi controls from the people's text it quotes (display-text.ts). */
export function render(type: string, locale: Locale, caseId: string, d: Data): { title: string; body: string } {
  const { title, body } = compose(type, locale, caseId, d);
  return { title: forDisplay(title), body: forDisplay(body) };
}

function compose(type: string, locale: Locale, caseId: string, d: Data): { title: string; body: string } {
  const ref = caseId.slice(0, 8);
  const zh = locale === 'zh-CN';
  switch (type) {
    case 'case.assigned':
      return zh
        ? { title: `新案件 ${ref}`, body: `${d.unitName ?? d.unitId} 收到一件${tierZh(d.tier)}案件（${d.category}）。${d.reason ?? ''}`.trim() }
        : { title: `New case ${ref}`, body: `A ${d.tier} case (${d.category}) was assigned to ${d.unitName ?? d.unitId}. ${d.reason ?? ''}`.trim() };
    case 'sla.light-changed':
      return zh
        ? { title: `${LIGHT_ZH[String(d.light)] ?? d.light}预警 ${ref}`, body: `案件${STAGE_ZH[String(d.stage)] ?? d.stage}时限 ${local(d.dueAt)} 到期，已亮${LIGHT_ZH[String(d.light)] ?? d.light}。` }
        : { title: `${cap(String(d.light))} light on ${ref}`, body: `The ${d.stage} limit of the case is due ${local(d.dueAt)} (China time); its light turned ${d.light}.` };
    case 'case.supervision-escalated':
      return zh
        ? { title: `升级督办 ${ref}`, body: `案件已超过${STAGE_ZH[String(d.stage)] ?? d.stage}时限，升级为市级督办。` }
        : { title: `Escalated ${ref}`, body: `The case ran past its ${d.stage} limit and is now supervised at organisation level.` };
    case 'case.supervision-ordered':
      return zh
        ? { title: `督办单 ${ref}`, body: `请于 ${local(d.dueAt)} 前回复：${d.reason ?? ''}` }
        : { title: `Supervision order ${ref}`, body: `Reply by ${local(d.dueAt)} (China time): ${d.reason ?? ''}` };
    case 'unit.card-issued':
      return zh
        ? { title: `${d.kind === 'red' ? '红牌' : '黄牌'} ${ref}`, body: `${d.unitId} 收到${d.kind === 'red' ? '红牌' : '黄牌'}：${d.reason ?? ''}` }
        : { title: `${d.kind === 'red' ? 'Red' : 'Yellow'} card ${ref}`, body: `${d.unitId} got a ${d.kind} card: ${d.reason ?? ''}` };
    case 'assist.requested':
      return zh
        ? { title: `配合请求 ${ref}`, body: `${d.leadUnitId} 请求 ${d.unitId} 配合：${d.request ?? ''}` }
        : { title: `Request to cooperate ${ref}`, body: `${d.leadUnitId} asks ${d.unitId} to cooperate: ${d.request ?? ''}` };
    case 'case.result-rejected':
      return zh ? { title: `退回重办 ${ref}`, body: `办理结果被退回：${d.reason ?? ''}` } : { title: `Result rejected ${ref}`, body: `The result was sent back: ${d.reason ?? ''}` };
    case 'case.resolved':
      return zh ? { title: `已办结 ${ref}`, body: `案件已办结，请评价。` } : { title: `Resolved ${ref}`, body: `The case is resolved; please rate it.` };
    case 'case.rebounded':
      return zh ? { title: `群众不满意，重办 ${ref}`, body: `${d.reason ?? ''}` } : { title: `Reopened ${ref}`, body: `The reporter was not satisfied: ${d.reason ?? ''}` };
    default:
      return { title: `${type} ${ref}`, body: '' };
  }
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const tierZh = (tier: unknown) => ({ immediate: '紧急', general: '一般', complex: '复杂' })[String(tier)] ?? '';

/** Urgent messages are sent during quiet hours too: immediate-tier cases and red lights. */
export function urgent(type: string, d: Data): boolean {
  return d.tier === 'immediate' || (type === 'sla.light-changed' && d.light === 'red') || type === 'case.supervision-escalated';
}

/**
 * When a message may go out: now, or the end of the person's quiet hours (local minutes of the
 * day, [from, to), may wrap midnight) unless it is urgent.
 */
export function notBefore(
  now: Date,
  quiet: { from: number | null; to: number | null; offDuty?: boolean },
  isUrgent: boolean,
  utcOffsetMinutes = 480,
  calendar?: { addWorkingMinutes(start: Date, minutes: number): Date },
): Date {
  if (isUrgent) return now;
  // Off duty on the working calendar (nights, weekends, holidays; make-up working days count): wait for the next working minute.
  if (quiet.offDuty && calendar) {
    const next = new Date(calendar.addWorkingMinutes(now, 1).getTime() - 60_000);
    if (next.getTime() > now.getTime()) return next;
  }
  if (quiet.from === null || quiet.to === null || quiet.from === quiet.to) return now;
  const minute = Math.floor(((now.getTime() / 60_000 + utcOffsetMinutes) % 1440 + 1440) % 1440);
  const inQuiet = quiet.from < quiet.to ? minute >= quiet.from && minute < quiet.to : minute >= quiet.from || minute < quiet.to;
  if (!inQuiet) return now;
  const wait = (quiet.to - minute + 1440) % 1440;
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000 + wait * 60_000);
}

/** What a daily digest counts, by key: event type, with the light or card kind where it matters. */
export function digestKey(type: string, d: Data): string | null {
  if (type === 'sla.light-changed') return d.light === 'red' ? 'red-light' : null;
  if (type === 'unit.card-issued') return d.kind === 'red' ? 'red-card' : 'yellow-card';
  if (type === 'case.assigned') return 'assigned';
  if (type === 'case.supervision-escalated') return 'escalated';
  if (type === 'case.result-rejected') return 'result-rejected';
  if (type === 'case.rebounded') return 'rebounded';
  if (type === 'case.resolved') return 'resolved';
  return null;
}

const DIGEST_ORDER = ['assigned', 'resolved', 'red-light', 'escalated', 'yellow-card', 'red-card', 'result-rejected', 'rebounded'] as const;
const DIGEST_ZH: Record<(typeof DIGEST_ORDER)[number], string> = {
  assigned: '新派案件',
  resolved: '办结',
  'red-light': '红灯超时',
  escalated: '升级督办',
  'yellow-card': '黄牌',
  'red-card': '红牌',
  'result-rejected': '退回重办',
  rebounded: '群众不满意重办',
};
const DIGEST_EN: Record<(typeof DIGEST_ORDER)[number], string> = {
  assigned: 'cases assigned',
  resolved: 'resolved',
  'red-light': 'limits run out (red lights)',
  escalated: 'escalated to organisation level',
  'yellow-card': 'yellow cards',
  'red-card': 'red cards',
  'result-rejected': 'results sent back',
  rebounded: 'reopened by reporters',
};

/** The daily digest for supervisors (每日督办摘要): yesterday's counts, busiest units first. */
export function digestText(locale: Locale, day: string, scope: string, counts: { unitId: string; key: string; n: number }[]): { title: string; body: string } {
  const total = (key: string) => counts.filter((c) => c.key === key).reduce((s, c) => s + c.n, 0);
  const zh = locale === 'zh-CN';
  const totals = DIGEST_ORDER.map((k) => `${zh ? DIGEST_ZH[k] : DIGEST_EN[k]} ${total(k)}`).join(zh ? '，' : ', ');
  const late = new Map<string, number>();
  for (const c of counts) if (c.key === 'red-light' || c.key === 'escalated') late.set(c.unitId, (late.get(c.unitId) ?? 0) + c.n);
  const worst = [...late].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3);
  const tail = worst.length ? (zh ? `。超时最多：${worst.map(([u, n]) => `${u} ${n}`).join('，')}` : `. Most time limits missed: ${worst.map(([u, n]) => `${u} ${n}`).join(', ')}`) : '';
  return zh ? { title: `每日督办摘要 ${day}（${scope}）`, body: `${totals}${tail}。` } : { title: `Daily digest ${day} (${scope})`, body: `${totals}${tail}.` };
}
