import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { CaseView } from '@duban/contracts';
import { api, ApiError } from '../api';
import { onNotification } from '../live';
import { useSession } from '../session';
import { Chip, ErrorMessage, unitName } from '../components/ui';
import { Assist, AssistReply } from '../components/CaseActions';
import { useApiData, useNow, useUnits } from '../components/data';
import { ClockLike, lightAt } from '../logic/lights';
import { formatDateTime } from '../i18n';

interface Workspace {
  caseId: string;
  unitId: string;
  handler: string | null;
  state: string;
  tier: string;
  openedAt: string;
}

interface Clock extends ClockLike {
  id: string;
  stage: string;
  unitId: string;
}

interface Row {
  workspace: Workspace;
  title: string;
  clock?: Clock;
}

const PAGE = 100;

/** The clock that matters now: the earliest due of the unit's running ones, else any. */
function leadClock(clocks: Clock[], unitId: string): Clock | undefined {
  const mine = clocks.filter((c) => c.unitId === unitId);
  const running = mine.filter((c) => c.state === 'running' && c.dueAt).sort((a, b) => Date.parse(a.dueAt!) - Date.parse(b.dueAt!));
  return running[0] ?? mine.find((c) => c.state === 'paused') ?? mine[0];
}

/** The unit's workspaces with each case's title and the clock that matters now (one page). */
async function loadQueue(state: string): Promise<Row[]> {
  const list = await api<{ workspaces: Workspace[] }>(`/api/v1/workspaces${state ? `?state=${encodeURIComponent(state)}` : ''}`);
  return Promise.all(
    list.workspaces.slice(0, PAGE).map(async (w): Promise<Row> => {
      const [view, clocks] = await Promise.all([
        api<CaseView>(`/api/v1/cases/${w.caseId}`).catch(() => undefined),
        api<{ clocks: Clock[] }>(`/api/v1/clocks/${w.caseId}`).catch(() => ({ clocks: [] as Clock[] })),
      ]);
      return { workspace: w, title: view?.title ?? w.caseId, clock: leadClock(clocks.clocks, w.unitId) };
    }),
  );
}

export default function WorkView() {
  const { t } = useTranslation();
  const { person } = useSession();
  const units = useUnits();
  const now = useNow();
  const navigate = useNavigate();
  const [rows, setRows] = useState<Row[]>();
  const [error, setError] = useState<ApiError>();
  const [state, setState] = useState('');
  const [busy, setBusy] = useState<string>();

  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    let current = true;
    loadQueue(state)
      .then((loaded) => {
        if (!current) return;
        setRows(loaded);
        setError(undefined);
      })
      .catch((e: ApiError) => current && setError(e));
    return () => {
      current = false;
    };
  }, [state, tick]);
  // New assignments and light changes arrive as notifications: the queue follows without reload.
  // The notice of an assignment can come before the handling service has opened the workspace
  // (both follow the same event), so the queue asks again a moment later, and every 15 s while shown.
  useEffect(() => {
    const timers: ReturnType<typeof setTimeout>[] = [];
    const off = onNotification(() => {
      reload();
      timers.push(setTimeout(reload, 2000));
    });
    const every = setInterval(() => document.visibilityState === 'visible' && reload(), 15_000);
    return () => {
      off();
      timers.forEach(clearTimeout);
      clearInterval(every);
    };
  }, [reload]);

  const sorted = useMemo(
    () =>
      [...(rows ?? [])].sort((a, b) => {
        const due = (r: Row) => (r.clock?.state === 'running' && r.clock.dueAt ? Date.parse(r.clock.dueAt) : Number.MAX_SAFE_INTEGER);
        return due(a) - due(b);
      }),
    [rows],
  );

  async function signFor(caseId: string) {
    setBusy(caseId);
    try {
      await api(`/api/v1/workspaces/${caseId}/sign-for`, { method: 'POST' });
      reload();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(undefined);
    }
  }

  const mayAct = (w: Workspace) => w.handler === person.username || person.roles.includes('unit-head');
  const lights = sorted.map((r) => (r.clock ? lightAt(r.clock, now) : 'done'));
  return (
    <section>
      <h1>{t('work.title')}</h1>
      <p className="muted">{person.unitId ? t('work.unitQueue', { unit: unitName(units, person.unitId) }) : ''} · {t('work.lead')}</p>
      <div className="toolbar">
        <label htmlFor="state-filter">{t('work.filter')}</label>
        <select id="state-filter" value={state} onChange={(e) => setState(e.target.value)}>
          <option value="">{t('work.all')}</option>
          {['awaiting-sign-for', 'in-progress', 'waiting-on-reporter', 'result-submitted'].map((s) => (
            <option key={s} value={s}>{t(`work.states.${s}`)}</option>
          ))}
        </select>
        {rows && rows.length > 0 && (
          <span className="light-counts" data-testid="light-counts">
            {(['red', 'orange', 'yellow', 'green', 'paused'] as const).map((l) => (
              <span key={l} className={`chip chip-${l}`}>
                <span className="chip-dot" aria-hidden="true" />
                {t(`lights.${l}`)} {lights.filter((x) => x === l).length}
              </span>
            ))}
          </span>
        )}
      </div>
      <ErrorMessage error={error} />
      {!rows && !error && <p>{t('loading')}</p>}
      {rows && rows.length === 0 && <p className="empty">{t('work.empty')}</p>}
      {rows && rows.length > 0 && (
        <table className="queue" data-testid="queue">
          <thead>
            <tr>
              <th scope="col">{t('work.timeLeft')}</th>
              <th scope="col">{t('work.caseTitle')}</th>
              <th scope="col">{t('work.state')}</th>
              <th scope="col">{t('work.handler')}</th>
              <th scope="col"><span className="visually-hidden">{t('case.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((r) => (
              <tr key={r.workspace.caseId} data-case={r.workspace.caseId} onDoubleClick={() => navigate(`/cases/${r.workspace.caseId}`)}>
                <td>{r.clock ? <Chip clock={r.clock} now={now} /> : '—'}</td>
                <td>
                  <Link to={`/cases/${r.workspace.caseId}`}>{r.title}</Link>
                  <span className="muted small"> · {t(`tiers.${r.workspace.tier}`, { defaultValue: r.workspace.tier })}</span>
                </td>
                <td>{t(`work.states.${r.workspace.state}`, { defaultValue: r.workspace.state })}</td>
                <td>{r.workspace.handler ?? '—'}</td>
                <td className="row-actions">
                  {r.workspace.state === 'awaiting-sign-for' && mayAct(r.workspace) && (
                    <button type="button" className="primary" disabled={busy === r.workspace.caseId} onClick={() => void signFor(r.workspace.caseId)}>
                      {t('work.signFor')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AssistInbox />
    </section>
  );
}

/** The requests other units sent this unit (协办): answered here, each with what was asked and by whom. */
function AssistInbox() {
  const { t } = useTranslation();
  const units = useUnits();
  const inbox = useApiData<{ assists: (Assist & { caseId: string; requestedAt: string })[] }>('/api/v1/assists', true, 15_000);
  const open = (inbox.data?.assists ?? []).filter((a) => a.state === 'open' || a.state === 'extension-requested');
  if (open.length === 0) return null;
  return (
    <section className="card assist-inbox" data-testid="assist-inbox">
      <h2>{t('work.assists', { count: open.length })}</h2>
      <ul className="clocks">
        {open.map((a) => (
          <li key={a.id} data-assist={a.id}>
            <div>
              <strong>{unitName(units, a.leadUnitId)}</strong> · {a.requestedBy} · {formatDateTime(a.requestedAt)} <span className="muted small">({t('work.caseRef', { id: a.caseId.slice(0, 8) })})</span>
              <p className="assist-request">{a.request}</p>
            </div>
            <AssistReply assist={a} onDone={inbox.reload} />
          </li>
        ))}
      </ul>
    </section>
  );
}
