import { csvField, toCsv } from './csv';

describe('CSV export', () => {
  it('quotes what needs quoting and leaves the rest', () => {
    expect(csvField('湖西区')).toBe('湖西区');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect([csvField(12.5), csvField(null), csvField(undefined), csvField(false)]).toEqual(['12.5', '', '', 'false']);
  });

  it('keeps a title from running as a formula, but not a negative number', () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-3)).toBe('-3');
  });

  it('writes a header and rows with CRLF after a byte-order mark', () => {
    expect(toCsv(['单位', 'red'], [['住建局', 2], ['水务局', 0]])).toBe('\uFEFF单位,red\r\n住建局,2\r\n水务局,0\r\n');
  });
});
