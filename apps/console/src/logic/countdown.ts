/**
 * Time left to a limit, in words of the person's language: "2 天 3 小时", "2 d 3 h", "45 min";
 * past the limit, the time it is overdue. Calendar-aware limits come from the server (the due
 * instant is already on the unit's working calendar); this only says how far away it is.
 */
export interface Countdown {
  overdue: boolean;
  /** Milliseconds to the limit (positive) or past it (positive, with overdue). */
  ms: number;
  text: string;
}

const UNITS = {
  'zh-CN': { d: '天', h: '小时', m: '分钟', overdue: (t: string) => `已超时 ${t}`, left: (t: string) => `剩余 ${t}` },
  en: { d: 'd', h: 'h', m: 'min', overdue: (t: string) => `${t} overdue`, left: (t: string) => `${t} left` },
} as const;

export type ConsoleLocale = keyof typeof UNITS;

export function formatDuration(ms: number, locale: ConsoleLocale): string {
  const u = UNITS[locale];
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const sep = locale === 'zh-CN' ? ' ' : ' ';
  if (days > 0) return [`${days} ${u.d}`, hours > 0 ? `${hours} ${u.h}` : ''].filter(Boolean).join(sep);
  if (hours > 0) return [`${hours} ${u.h}`, mins > 0 ? `${mins} ${u.m}` : ''].filter(Boolean).join(sep);
  return `${mins} ${u.m}`;
}

export function countdown(dueAt: string, now: number, locale: ConsoleLocale): Countdown {
  const diff = Date.parse(dueAt) - now;
  const overdue = diff < 0;
  const ms = Math.abs(diff);
  const text = overdue ? UNITS[locale].overdue(formatDuration(ms, locale)) : UNITS[locale].left(formatDuration(ms, locale));
  return { overdue, ms, text };
}
