import PDFDocument from 'pdfkit';
import { QuarterReport } from '../domain/report';

/** The PDF's built-in fonts carry Latin text only: CJK names are dropped (the HTML keeps them). */
const latin = (s: unknown) =>
  String(s ?? '-')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF]+/g, '')
    .replace(/\(\s*\)|（\s*）/g, '')
    .replace(/\s{2,}/g, ' ')
    .trim();

/**
 * The quarterly efficiency report as a PDF (A4): the same numbers, recommendations and charts as
 * the HTML, drawn as vector bars. Resolves with the document's bytes.
 */
export function renderPdf(r: QuarterReport, options: { compress?: boolean } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 40, compress: options.compress ?? true, info: { Title: `${latin(r.organisation)} efficiency report ${r.quarter}`, Author: 'Duban' } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const k = (v: number | null, suffix = ' %') => (v === null ? '-' : `${v}${suffix}`);

    doc.font('Helvetica-Bold').fontSize(16).text(`${latin(r.organisation)} - quarterly efficiency report ${r.quarter}`);
    doc.moveDown(0.5).font('Helvetica').fontSize(10);
    doc.text(
      `${r.from} to ${r.to}: ${r.totals.assigned} cases assigned, ${r.totals.resolved} resolved, ${r.totals.ratings} ratings; on-time completion ${k(r.totals.onTimeCompletion)}, satisfaction ${k(r.totals.satisfaction, '/100')}; ${r.totals.lostHours} h lost past time limits.`,
    );
    doc.moveDown().font('Helvetica-Bold').fontSize(12).text('Recommendations');
    doc.font('Helvetica').fontSize(10);
    r.recommendations.forEach((x, i) => doc.moveDown(0.3).text(`${i + 1}. ${latin(x)}`));

    const bars = (title: string, items: { label: string; value: number }[], unit: string) => {
      doc.moveDown().font('Helvetica-Bold').fontSize(12).text(title);
      doc.font('Helvetica').fontSize(9);
      const max = Math.max(1, ...items.map((b) => b.value));
      for (const b of items) {
        if (doc.y > 780) doc.addPage();
        const y = doc.y + 2;
        doc.fillColor('#222').text(latin(b.label), 40, y, { width: 150, lineBreak: false });
        const w = Math.round((b.value / max) * 280);
        doc.rect(195, y, Math.max(1, w), 9).fill('#2f6fba');
        doc.fillColor('#222').text(`${b.value}${unit}`, 200 + w, y, { lineBreak: false });
        doc.x = 40;
        doc.y = y + 13;
      }
    };
    bars('Units by efficiency index (0-100)', r.units.filter((u) => u.index !== null).map((u) => ({ label: `${u.rank}. ${u.unitId}${u.flagged ? ' *' : ''}`, value: u.index as number })), '');
    doc.moveDown(0.3).fontSize(8).text('* more than 15 % from the mean index');
    bars('Hours lost past the limit, by category', r.categories.slice(0, 12).map((c) => ({ label: `${c.category} (${c.kind})`, value: c.lostHours })), ' h');

    doc.addPage().font('Helvetica-Bold').fontSize(12).text('Units');
    doc.font('Helvetica').fontSize(8);
    const cols = ['rank', 'unit', 'index', 'resp.', 'on time', 'closed', 'first', 'satisf.', 'rebound', 'h lost'];
    const xs = [40, 70, 180, 220, 262, 304, 346, 388, 430, 475];
    const row = (cells: string[]) => {
      if (doc.y > 790) doc.addPage();
      const y = doc.y;
      cells.forEach((c, i) => doc.text(c, xs[i], y, { width: (xs[i + 1] ?? 530) - xs[i] - 4, lineBreak: false }));
      doc.x = 40;
      doc.y = y + 12;
    };
    row(cols);
    for (const u of r.units) {
      row([String(u.rank ?? '-'), latin(u.unitId), String(u.index ?? '-'), k(u.kpis.responseTimeliness), k(u.kpis.onTimeCompletion), k(u.kpis.closedLoopRate), k(u.kpis.firstTimeResolution), k(u.kpis.satisfaction, ''), k(u.kpis.reboundRate), String(u.lostHours)]);
    }
    doc.end();
  });
}
