import { DEFAULT_WEIGHTS, UnitCounters, zeroCounters } from './kpi';
import { buildReport, renderHtml, toCsv } from './report';

const unit = (c: Partial<UnitCounters>): UnitCounters => ({ ...zeroCounters(), ...c });

function sample() {
  return buildReport({
    organisation: 'Minghu',
    quarter: '2026-Q4',
    from: '2026-10-01',
    to: '2026-12-31',
    weights: DEFAULT_WEIGHTS,
    units: new Map([
      ['water', unit({ assigned: 10, responses: 10, responsesOnTime: 9, completions: 10, completionsOnTime: 9, resolved: 9, ratings: 9, scoreSum: 800, firstRatings: 9, firstTime: 8, lateMinutes: 120 })],
      ['parks', unit({ assigned: 10, responses: 10, responsesOnTime: 5, completions: 10, completionsOnTime: 3, resolved: 6, ratings: 6, scoreSum: 240, rebounds: 2, firstRatings: 6, firstTime: 3, lateMinutes: 3000 })],
      ['housing', unit({ assigned: 5, responses: 5, responsesOnTime: 5, completions: 5, completionsOnTime: 4, resolved: 5, ratings: 5, scoreSum: 400, firstRatings: 5, firstTime: 5, lateMinutes: 60 })],
    ]),
    categories: [
      { category: 'parks.tree-hazard', kind: 'result', due: 10, late: 7, lateMinutes: 2400 },
      { category: 'parks.tree-hazard', kind: 'first', due: 10, late: 5, lateMinutes: 600 },
      { category: 'water.leak', kind: 'result', due: 10, late: 1, lateMinutes: 120 },
      { category: '=HYPERLINK("x")', kind: 'result', due: 1, late: 0, lateMinutes: 0 },
    ],
  });
}

describe('the quarterly efficiency report', () => {
  it('ranks units, totals the quarter and orders categories by time lost', () => {
    const r = sample();
    // water 90.6, housing 90, parks 45.7: mean 75.4, so all three are more than 15 % from it.
    expect(r.units.map((u) => [u.unitId, u.rank, u.index, u.flagged])).toEqual([
      ['water', 1, 90.6, true],
      ['housing', 2, 90, true],
      ['parks', 3, 45.7, true],
    ]);
    expect(r.totals).toMatchObject({ assigned: 25, resolved: 20, ratings: 20, lostHours: 53 });
    expect(r.categories[0]).toMatchObject({ category: 'parks.tree-hazard', kind: 'result', lateRate: 70, lostHours: 40 });
    expect(r.stages).toEqual([
      { kind: 'first', due: 10, late: 5, lostHours: 10 },
      { kind: 'result', due: 21, late: 8, lostHours: 42 },
    ]);
  });

  it('computes at least three recommendations from the numbers: category, stage, unit (and satisfaction)', () => {
    const [category, stage, lastUnit, satisfaction] = sample().recommendations;
    expect(category).toMatch(/^Category parks\.tree-hazard lost the most time: 40 h past its result \(办结\) limits, 76\.9 % of all time lost/);
    expect(stage).toMatch(/^The result \(办结\) stage loses the most time: 42 h \(38\.1 % late\), 4\.2 times the 10 h lost at the first response/);
    expect(lastUnit).toMatch(/^Unit parks ranks last .* it lost 50 h\. It deviates more than 15 %: start a rectification review\./);
    expect(satisfaction).toMatch(/^Reporters are least satisfied with parks: 40\/100/);
  });

  it('renders HTML with inline SVG charts and escaped text, and CSV safe from formula injection', () => {
    const r = sample();
    const html = renderHtml(r);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Efficiency index (0–100)"');
    expect(html).toContain('&quot;x&quot;');
    expect(html).not.toContain('<script');
    expect(html).toContain('<tr class="flagged"><td>3</td><td>parks</td>');
    const units = toCsv(r, 'units').split('\r\n');
    expect(units[0]).toBe('rank,unit,index,deviation,response_timeliness,on_time_completion,closed_loop_rate,first_time_resolution,satisfaction,rebound_rate,assigned,resolved,hours_lost,flagged');
    expect(units[3]).toMatch(/^3,parks,[0-9.]+,-0\.[0-9]+,50,30,60,50,40,33\.3,10,6,50,true$/);
    expect(toCsv(r, 'categories')).toContain(`"'=HYPERLINK(""x"")",result,1,0,0,0`);
  });
});
