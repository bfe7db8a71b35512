import { DEFAULT_WEIGHTS, zeroCounters } from '../domain/kpi';
import { buildReport } from '../domain/report';
import { renderPdf } from './report-pdf';

/** The text the PDF shows: its hex text strings decoded and joined (kerning splits words into pieces). */
const shownText = (pdf: Buffer) => [...pdf.toString('latin1').matchAll(/<([0-9a-f]+)>/g)].map((m) => Buffer.from(m[1], 'hex').toString('latin1')).join('');

describe('the quarterly report as a PDF', () => {
  it('writes a PDF with the recommendations, the charts and the unit table (Latin text only)', async () => {
    const report = buildReport({
      organisation: 'Minghu City (明湖市)',
      quarter: '2026-Q4',
      from: '2026-10-01',
      to: '2026-12-31',
      weights: DEFAULT_WEIGHTS,
      units: new Map([
        ['water', { ...zeroCounters(), assigned: 10, responses: 10, responsesOnTime: 9, completions: 10, completionsOnTime: 9, resolved: 9, lateMinutes: 120 }],
        ['parks', { ...zeroCounters(), assigned: 10, responses: 10, responsesOnTime: 5, completions: 10, completionsOnTime: 3, resolved: 6, lateMinutes: 3000 }],
      ]),
      categories: [{ category: 'parks.tree-hazard', kind: 'result', due: 10, late: 7, lateMinutes: 2400 }],
    });
    const pdf = await renderPdf(report, { compress: false });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = shownText(pdf);
    for (const s of ['Minghu City - quarterly efficiency report 2026-Q4', 'Recommendations', '1. Category parks.tree-hazard lost the most time', 'Units by efficiency index', 'Hours lost past the limit, by category', 'water']) {
      expect(text).toContain(s);
    }
    expect(text).not.toMatch(/明湖|\(\)/);
    expect(text).toContain('1water91.590 %90 %90 %'); // the unit table: rank, unit, index, response, on time, closed loop
    expect(pdf.toString('latin1')).toContain('(Minghu City efficiency report 2026-Q4)'); // the document title
    expect((await renderPdf(report)).length).toBeLessThan(pdf.length); // compressed by default
  });
});
