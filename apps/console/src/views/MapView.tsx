import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { boundsOf, contains } from '@duban/geo';
import { useApiData, useCategories, useUnits } from '../components/data';
import { ErrorMessage, unitName } from '../components/ui';
import { CityMap, District, Pin } from '../components/CityMap';
import { Column, DataTable } from '../components/tables';
import { currentLocale, formatDateTime } from '../i18n';
import { cardReasonText } from '../logic/card-reasons';
import { subtreeOf } from '../logic/units';

interface MapCase { caseId: string; lat: number | null; lon: number | null; category: string; tier: string; status: string; unitId: string | null }
interface CaseLight { caseId: string; unitId: string; light: string; dueAt: string | null; supervisionLevel: string }
interface Kpis { onTimeCompletion: number | null; closedLoopRate: number | null; satisfaction: number | null; reboundRate: number | null; responseTimeliness: number | null }
interface Ranked { unitId: string; index: number | null; rank: number | null; deviation: number | null; flagged: boolean; kpis: Kpis; assigned: number }
interface Rankings { period: string; from: string; to: string; units: Ranked[]; total: { assigned: number; kpis: Kpis; index: number | null } }
interface Risk { caseId: string; unitId: string; category: string; dueAt: string; score: number; flagged: boolean }
interface Order { id: string; caseId: string; unitId: string; issuedBy: string; issuedAt: string; reason: string; dueAt: string; status: string }
interface Card { id: string; unitId: string; caseId: string | null; kind: string; reason: string; issuedAt: string }

const LIGHTS = ['red', 'orange', 'yellow', 'green', 'paused'] as const;
const PERIODS = ['week', 'month', 'quarter', 'year'] as const;
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v}%`);

/** The supervisor's and leader's one map (一张图) with the board beside it (docs/console.md). */
export default function MapView() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const units = useUnits();
  const categories = useCategories();
  const categoryName = (code: string) => {
    const c = categories.get(code);
    return c ? (currentLocale() === 'en' ? c.nameEn : c.nameZh) : code;
  };
  const [district, setDistrict] = useState<string>();
  const [unit, setUnit] = useState('');
  const [heat, setHeat] = useState(false);
  const [period, setPeriod] = useState<(typeof PERIODS)[number]>('month');
  const [at, setAt] = useState(() => new Date().toLocaleDateString('sv'));

  const districts = useApiData<{ districts: District[] }>('/api/v1/districts?areas=true', false);
  const cases = useApiData<{ cases: MapCase[]; truncated: boolean }>('/api/v1/cases/map', true, 30_000);
  const lights = useApiData<{ at: string; cases: CaseLight[] }>('/api/v1/lights', true, 15_000);
  const rankings = useApiData<Rankings>(`/api/v1/assessment/rankings?period=${period}&at=${at}`, false, 60_000);
  const risk = useApiData<{ cases: Risk[] }>('/api/v1/risk?flagged=true&limit=500', true, 60_000);
  const orders = useApiData<{ orders: Order[] }>('/api/v1/supervision-orders?status=open', true, 30_000);
  const cards = useApiData<{ cards: Card[] }>('/api/v1/cards', true, 60_000);

  const areas = useMemo(() => (districts.data?.districts ?? []).filter((d) => d.area), [districts.data]);
  const lightOf = useMemo(() => new Map((lights.data?.cases ?? []).map((c) => [c.caseId, c])), [lights.data]);
  const inUnits = useMemo(() => (unit ? subtreeOf(units, unit) : undefined), [units, unit]);
  const selectedArea = district ? areas.find((d) => d.id === district)?.area ?? undefined : undefined;

  // The cases that pass the filters: the district clicked (by position), the unit and those below it.
  const visible = useMemo(() => {
    const ids = new Set<string>();
    for (const c of cases.data?.cases ?? []) {
      const owner = lightOf.get(c.caseId)?.unitId ?? c.unitId;
      if (inUnits && (!owner || !inUnits.has(owner))) continue;
      if (selectedArea && (c.lat === null || c.lon === null || !contains(selectedArea, { lat: c.lat, lon: c.lon }))) continue;
      ids.add(c.caseId);
    }
    return ids;
  }, [cases.data, lightOf, inUnits, selectedArea]);

  // Pins wait for the lights: a pin drawn before them would show a running case as having no limit.
  const pins: Pin[] = useMemo(
    () =>
      (lights.data ? (cases.data?.cases ?? []) : [])
        .filter((c) => visible.has(c.caseId) && c.lat !== null && c.lon !== null)
        .map((c) => ({ caseId: c.caseId, lat: c.lat!, lon: c.lon!, light: lightOf.get(c.caseId)?.light ?? 'none', title: categoryName(c.category) })),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the names follow the categories
    [cases.data, lights.data, visible, lightOf, categories],
  );
  const bounds = useMemo(() => boundsOf(areas.map((d) => d.area!)) ?? boundsOf([], pins), [areas, pins]);

  const board = useMemo(() => {
    const byUnit = new Map<string, Record<string, number>>();
    for (const c of lights.data?.cases ?? []) {
      if (!visible.has(c.caseId)) continue;
      const row = byUnit.get(c.unitId) ?? { red: 0, orange: 0, yellow: 0, green: 0, paused: 0 };
      row[c.light] = (row[c.light] ?? 0) + 1;
      byUnit.set(c.unitId, row);
    }
    return [...byUnit].map(([unitId, n]) => ({ unitId, ...n, total: LIGHTS.reduce((s, l) => s + (n[l] ?? 0), 0) }) as { unitId: string; total: number } & Record<string, number>)
      .sort((a, b) => b.red - a.red || b.orange - a.orange || b.total - a.total);
  }, [lights.data, visible]);
  const counts = LIGHTS.map((l) => ({ light: l, n: board.reduce((s, r) => s + (r[l] ?? 0), 0) }));

  const ranked = useMemo(() => (rankings.data?.units ?? []).filter((r) => !inUnits || inUnits.has(r.unitId)), [rankings.data, inUnits]);
  const tile = unit ? rankings.data?.units.find((r) => r.unitId === unit) : undefined;
  const kpis = tile ? tile.kpis : rankings.data?.total.kpis;
  const index = tile ? tile.index : rankings.data?.total.index;
  const scoped = <T extends { caseId: string | null; unitId: string }>(rows: T[]) =>
    rows.filter((r) => (!inUnits || inUnits.has(r.unitId)) && (!selectedArea || (r.caseId !== null && visible.has(r.caseId))));
  const warnings = scoped(risk.data?.cases ?? []);
  const openOrders = scoped(orders.data?.orders ?? []);
  const unitCards = (cards.data?.cards ?? []).filter((c) => !inUnits || inUnits.has(c.unitId));
  const caseLink = (id: string) => <Link to={`/cases/${id}`}>{id.slice(0, 8)}</Link>;
  const unitCol = <T extends { unitId: string }>(): Column<T> => ({ key: 'unit', label: t('board.unit'), render: (r) => unitName(units, r.unitId) });

  return (
    <section className="one-map">
      <h1>{t('board.title')}</h1>
      <div className="toolbar wrap" role="search">
        <label htmlFor="unit-filter">{t('board.unitFilter')}</label>
        <select id="unit-filter" value={unit} onChange={(e) => setUnit(e.target.value)}>
          <option value="">{t('board.allUnits')}</option>
          {[...units.values()].map((u) => <option key={u.id} value={u.id}>{unitName(units, u.id)}</option>)}
        </select>
        <label htmlFor="period">{t('board.period')}</label>
        <select id="period" value={period} onChange={(e) => setPeriod(e.target.value as (typeof PERIODS)[number])}>
          {PERIODS.map((p) => <option key={p} value={p}>{t(`board.periods.${p}`)}</option>)}
        </select>
        <label htmlFor="at">{t('board.at')}</label>
        <input id="at" type="date" value={at} onChange={(e) => e.target.value && setAt(e.target.value)} />
        <label className="check">
          <input type="checkbox" checked={heat} onChange={(e) => setHeat(e.target.checked)} /> {t('board.heat')}
        </label>
        {district && (
          <button type="button" onClick={() => setDistrict(undefined)}>
            {t('board.clearDistrict', { name: areas.find((d) => d.id === district)?.nameZh ?? district })}
          </button>
        )}
      </div>

      <ul className="kpi-tiles" data-testid="kpi-tiles" aria-label={t('board.kpis')}>
        {([
          ['onTime', pct(kpis?.onTimeCompletion)],
          ['closedLoop', pct(kpis?.closedLoopRate)],
          ['satisfaction', kpis?.satisfaction ?? '—'],
          ['rebound', pct(kpis?.reboundRate)],
          ['index', index ?? '—'],
        ] as const).map(([key, value]) => (
          <li key={key} className="kpi" data-kpi={key}>
            <span className="kpi-value">{value}</span>
            <span className="kpi-name">{t(`board.kpi.${key}`)}</span>
          </li>
        ))}
        {counts.map(({ light, n }) => (
          <li key={light} className={`kpi kpi-${light}`} data-light-count={light}>
            <span className="kpi-value">{n}</span>
            <span className="kpi-name">{t(`lights.${light}`)}</span>
          </li>
        ))}
      </ul>

      {[districts.error, cases.error, lights.error, rankings.error].map((e, i) => <ErrorMessage key={i} error={e} />)}
      <div className="map-grid">
        <div className="card map-card">
          {bounds ? (
            <CityMap districts={areas} bounds={bounds} pins={pins} heat={heat} selected={district} onSelect={setDistrict} onOpen={(id) => navigate(`/cases/${id}`)} />
          ) : (
            <p>{t('loading')}</p>
          )}
          <p className="muted small">
            {t('board.pins', { shown: pins.length, open: visible.size })}
            {cases.data?.truncated ? ` · ${t('board.truncated')}` : ''}
          </p>
        </div>
        <DataTable
          id="light-board"
          title={t('board.lightBoard')}
          rows={board}
          rowKey={(r) => r.unitId}
          columns={[
            unitCol(),
            ...LIGHTS.map((l): Column<(typeof board)[number]> => ({ key: l, label: t(`lights.${l}`), render: (r) => r[l] ?? 0 })),
            { key: 'total', label: t('board.total'), render: (r) => r.total },
          ]}
        />
      </div>

      <div className="board-columns">
        <DataTable
          id="ranking"
          title={t('board.ranking')}
          rows={ranked}
          rowKey={(r) => r.unitId}
          columns={[
            { key: 'rank', label: t('board.rank'), render: (r) => r.rank ?? '—' },
            unitCol(),
            { key: 'index', label: t('board.kpi.index'), render: (r) => r.index ?? '—' },
            { key: 'deviation', label: t('board.deviation'), render: (r) => (r.deviation === null ? '—' : `${(r.deviation * 100).toFixed(1)}%`), csv: (r) => r.deviation },
            { key: 'onTime', label: t('board.kpi.onTime'), render: (r) => pct(r.kpis.onTimeCompletion), csv: (r) => r.kpis.onTimeCompletion },
            { key: 'satisfaction', label: t('board.kpi.satisfaction'), render: (r) => r.kpis.satisfaction ?? '—', csv: (r) => r.kpis.satisfaction },
          ]}
        />
        <DataTable
          id="deviating"
          title={t('board.deviating')}
          rows={ranked.filter((r) => r.flagged)}
          rowKey={(r) => r.unitId}
          columns={[
            unitCol(),
            { key: 'index', label: t('board.kpi.index'), render: (r) => r.index ?? '—' },
            { key: 'deviation', label: t('board.deviation'), render: (r) => `${((r.deviation ?? 0) * 100).toFixed(1)}%`, csv: (r) => r.deviation },
          ]}
        />
      </div>

      <div className="board-columns">
        <DataTable
          id="early-warning"
          title={t('board.earlyWarning')}
          rows={warnings}
          rowKey={(r) => r.caseId}
          limit={50}
          columns={[
            { key: 'case', label: t('board.case'), render: (r) => caseLink(r.caseId), csv: (r) => r.caseId },
            unitCol(),
            { key: 'category', label: t('intake.category'), render: (r) => categoryName(r.category) },
            { key: 'due', label: t('board.due'), render: (r) => formatDateTime(r.dueAt), csv: (r) => r.dueAt },
            { key: 'score', label: t('board.risk'), render: (r) => `${Math.round(r.score * 100)}%`, csv: (r) => r.score },
          ]}
        />
        <DataTable
          id="orders"
          title={t('board.orders')}
          rows={openOrders}
          rowKey={(r) => r.id}
          limit={50}
          columns={[
            { key: 'case', label: t('board.case'), render: (r) => caseLink(r.caseId), csv: (r) => r.caseId },
            unitCol(),
            { key: 'reason', label: t('board.reason'), render: (r) => r.reason },
            { key: 'due', label: t('board.due'), render: (r) => formatDateTime(r.dueAt), csv: (r) => r.dueAt },
            { key: 'by', label: t('board.issuedBy'), render: (r) => r.issuedBy },
          ]}
        />
      </div>
      <DataTable
        id="cards"
        title={t('board.cards')}
        rows={unitCards}
        rowKey={(r) => r.id}
        limit={50}
        columns={[
          unitCol(),
          { key: 'kind', label: t('board.cardKind'), render: (r) => t(`board.cardKinds.${r.kind}`, { defaultValue: r.kind }), csv: (r) => r.kind },
          { key: 'reason', label: t('board.reason'), render: (r) => cardReasonText(r.reason, (key, options) => String(t(key, options as never))), csv: (r) => r.reason },
          { key: 'at', label: t('board.issuedAt'), render: (r) => formatDateTime(r.issuedAt), csv: (r) => r.issuedAt },
        ]}
      />
    </section>
  );
}
