/**
 * One RFC 4180 CSV cell: dates as ISO 8601, lists space-separated, text a spreadsheet would read as a
 * formula prefixed with ' (CSV injection), quoted when it holds a comma, quote or line break.
 */
export function csvCell(v: unknown): string {
  const s =
    v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.join(' ') : typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV text with CRLF line ends. */
export const csvText = (rows: readonly (readonly unknown[])[]): string => `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
