/**
 * Every table of the board exports CSV (RFC 4180): fields with a comma, quote or line break are
 * quoted, quotes doubled; lines end with CRLF; a byte-order mark first, so spreadsheet programs
 * read the Chinese names as UTF-8. A field that starts like a formula (= + - @) is prefixed with
 * an apostrophe, so a case title cannot run as a formula in the spreadsheet (CSV injection).
 */
export type CsvValue = string | number | boolean | null | undefined;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return '\uFEFF' + [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
