import { csvCell, csvText } from './csv';
import { forDisplay } from './display-text';

describe('text as people are shown it', () => {
  it('drops bidi embeddings, overrides and isolates, and keeps everything else', () => {
    // "Invoice" RLO "gpj.exe": shown as is, the file name reads backwards ("Invoiceexe.jpg").
    expect(forDisplay('Invoice\u202Egpj.exe')).toBe('Invoicegpj.exe');
    for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
      expect([c.codePointAt(0)!.toString(16), forDisplay(`a${c}b${c}`)]).toEqual([c.codePointAt(0)!.toString(16), 'ab']);
    }
    // Right-to-left scripts, the direction marks, CJK and emoji are untouched.
    for (const text of ['مرحبا بالعالم', 'שלום \u200F(עולם)', 'abc\u200Edef', '路灯不亮 🚧', '']) expect(forDisplay(text)).toBe(text);
    expect(forDisplay(null)).toBeNull();
    expect(forDisplay(undefined)).toBeUndefined();
  });

  it('leaves them out of CSV cells too, lists included, with formulas still defused', () => {
    expect(csvCell('\u202E=1+1')).toBe("'=1+1");
    expect(csvCell(['a\u202Eb', 'c'])).toBe('ab c');
    expect(csvText([['x\u2067y', 2]])).toBe('xy,2\r\n');
  });
});
