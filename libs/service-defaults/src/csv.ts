import { forDisplay } from './display-text';

/**
 * One RFC 4180 CSV cell: dates as ISO 8601, lists space-separated, text a spreadsheet would read as a
 * formula prefixed with ' (CSV injection), without bidi controls (display-text.ts), quoted when it
 * holds a comma, quote or line break.
 */
export function csvCell(v: unknown): string {
  const t = typeof v === 'string' ? forDisplay(v) : v;
  const s =
    t === null || t === undefined ? '' : t instanceof Date ? t.toISOString() : Array.isArray(t) ? t.map((x) => (typeof x === 'string' ? forDisplay(x) : x)).join(' ') : typeof t === 'string' && /^[=+\-@\t\r]/.test(t) ? `'${t}` : String(t);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV text with CRLF line ends. */
export const csvText = (rows: readonly (readonly unknown[])[]): string => `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
