import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { CaseView } from '@duban/contracts';
import { useSession } from '../session';
import { Chip, ErrorMessage, unitName } from '../components/ui';
import { AssistReply, LeadActions, OrderForm, WorkspaceData } from '../components/CaseActions';
import { useApiData, useNow, useUnits } from '../components/data';
import { processAxis, StageKey } from '../logic/axis';
import type { ClockLike } from '../logic/lights';
import { formatDateTime } from '../i18n';

interface Clock extends ClockLike {
  id: string;
  stage: string;
  unitId: string;
  startedAt: string;
  policy: string;
  ref?: string | null;
}

interface Clocks {
  supervisionLevel: 'department' | 'organisation';
  clocks: Clock[];
}

interface Order {
  id: string;
  unitId: string;
  issuedBy: string;
  issuedAt: string;
  reason: string;
  dueAt: string;
  status: string;
  reply: string | null;
}

/** Which clock is shown on which stage of the axis. */
const CLOCK_ON: Record<string, StageKey> = { accept: 'signed', start: 'signed', solution: 'resolved', result: 'resolved' };

function usedShare(clock: Clock, now: number): number | undefined {
  if (!clock.dueAt) return undefined;
  const start = Date.parse(clock.startedAt);
  const due = Date.parse(clock.dueAt);
  return due > start ? Math.max(0, Math.round(((now - start) / (due - start)) * 100)) : undefined;
}

export default function CasePage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const { person, config } = useSession();
  const units = useUnits();
  const now = useNow();
  const view = useApiData<CaseView>(id ? `/api/v1/cases/${id}` : undefined, true, 5000);
  // Clocks and the workspace only once the case itself may be read: nothing else is asked for a refused case.
  const clocks = useApiData<Clocks>(view.data ? `/api/v1/clocks/${id}` : undefined, true, 15_000);
  const workspace = useApiData<WorkspaceData>(view.data && !person.roles.includes('reporter') ? `/api/v1/workspaces/${id}` : undefined, true, 15_000);
  const oversight = person.roles.some((r) => ['supervisor', 'dispatcher', 'assessor', 'admin'].includes(r));
  const orderList = useApiData<{ orders: Order[] }>(view.data && (oversight || workspace.data) ? `/api/v1/supervision-orders?caseId=${id}` : undefined, true, 30_000);

  if (view.error && !view.data) {
    return (
      <section>
        <ErrorMessage error={view.error} />
      </section>
    );
  }
  if (!view.data) return <p>{t('loading')}</p>;
  const c = view.data;
  const axis = processAxis(c.timeline);
  const clockList = clocks.data?.clocks ?? [];
  const ws = workspace.data?.workspace;
  const isLead = ws && (ws.handler === person.username || (person.roles.includes('unit-head') && ws.unitId === person.unitId));
  const orders = c.timeline.filter((e) => e.type === 'case.supervision-ordered').length;

  const reload = () => {
    workspace.reload();
    view.reload();
    clocks.reload();
    orderList.reload();
  };
  // A co-unit's reply limit is a clock of escalation's (stage assist, on that unit's calendar).
  const replyClock = (a: { id: string; unitId: string }) =>
    clockList.find((k) => k.stage === 'assist' && k.ref === a.id) ?? clockList.find((k) => k.stage === 'assist' && k.unitId === a.unitId && k.state === 'running');
  const myAssists = (workspace.data?.assists ?? []).filter((a) => a.unitId === person.unitId && a.state === 'open');
  const mayOrder = (person.roles.includes('supervisor') || person.roles.includes('admin')) && c.status !== 'closed' && c.status !== 'resolved';

  return (
    <article className="case-page" data-testid="case-page">
      <header className="case-head">
        <h1>{c.title}</h1>
        <div className="badges">
          <span className="badge">{t(`case.statuses.${c.status}`, { defaultValue: c.status })}</span>
          <span className={`badge tier-${c.tier}`}>{t(`tiers.${c.tier}`)}</span>
          {clocks.data && (
            <span className={`badge supervision-${clocks.data.supervisionLevel}`} title={t(`case.supervision.${clocks.data.supervisionLevel}`)}>
              <span aria-hidden="true">{clocks.data.supervisionLevel === 'organisation' ? '★★' : '★'}</span> {t(`case.supervision.${clocks.data.supervisionLevel}`)}
            </span>
          )}
          {orders > 0 && <span className="badge order" title={t('case.supervision.order')}><span aria-hidden="true">⚑</span> {t('case.supervision.order')} ×{orders}</span>}
        </div>
      </header>

      <section aria-label={t('case.axis')}>
        <h2>{t('case.axis')}</h2>
        <ol className="axis" data-testid="axis">
          {axis.map((s) => {
            const stageClocks = clockList.filter((k) => CLOCK_ON[k.stage] === s.key);
            return (
              <li key={s.key} className={`stage stage-${s.state}`} data-stage={s.key} data-state={s.state}>
                <span className="stage-dot" aria-hidden="true" />
                <span className="stage-name">{t(`case.stages.${s.key}`)}</span>
                {s.at && <span className="stage-at">{formatDateTime(s.at)}</span>}
                {s.unitId && <span className="stage-who">{unitName(units, s.unitId)}</span>}
                {stageClocks.map((k) => (
                  <span key={k.id} className="stage-clock">
                    <Chip clock={k} now={now} />
                  </span>
                ))}
              </li>
            );
          })}
        </ol>
      </section>

      <div className="case-columns">
        <section className="card">
          <h2>{t('case.details')}</h2>
          <dl className="facts">
            <dt>{t('case.unit')}</dt><dd>{unitName(units, c.unitId)}</dd>
            <dt>{t('case.assignee')}</dt><dd>{c.assignee ?? '—'}</dd>
            <dt>{t('case.received')}</dt><dd>{formatDateTime(c.receivedAt)}</dd>
            <dt>{t('case.channel')}</dt><dd>{t(`intake.channels.${c.channel}`, { defaultValue: c.channel })}</dd>
            {c.traceId && config.traceUrl && (
              <>
                <dt>{t('case.trace')}</dt>
                <dd><a href={`${config.traceUrl.replace(/\/$/, '')}/trace/${c.traceId}`} target="_blank" rel="noreferrer">{c.traceId.slice(0, 12)}…</a></dd>
              </>
            )}
          </dl>
          <p className="description">{c.description}</p>
          {clockList.length > 0 && (
            <>
              <h3>{t('case.clocks')}</h3>
              <ul className="clocks">
                {clockList.map((k) => (
                  <li key={k.id}>
                    <span>{t(`case.clockStages.${k.stage}`, { defaultValue: k.stage })} · {unitName(units, k.unitId)}</span>
                    <Chip clock={k} now={now} />
                    {k.dueAt && <span className="muted small">{t('case.due', { at: formatDateTime(k.dueAt) })}</span>}
                    {usedShare(k, now) !== undefined && k.state === 'running' && <span className="muted small">{t('case.used', { share: usedShare(k, now) })}</span>}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>

        <section className="card">
          <h2>{t('case.timeline')}</h2>
          <ol className="timeline" data-testid="timeline">
            {[...c.timeline].reverse().map((e) => (
              <li key={e.eventId}>
                <time dateTime={e.occurredAt}>{formatDateTime(e.occurredAt)}</time>
                <span className="timeline-summary">{e.summary}</span>
              </li>
            ))}
          </ol>
        </section>
      </div>

      {workspace.data && (
        <div className="case-columns">
          <section className="card" data-testid="co-units">
            <h2>{t('case.coUnits')}</h2>
            {workspace.data.assists.length === 0 ? (
              <p className="muted">{t('case.noCoUnits')}</p>
            ) : (
              <ul className="clocks">
                {workspace.data.assists.map((a) => (
                  <li key={a.id} data-assist={a.id} data-state={a.state}>
                    <strong>{unitName(units, a.unitId)}</strong>
                    <span>{a.request}</span>
                    <span className="badge">{t(`case.assistStates.${a.state}`, { defaultValue: a.state })}</span>
                    {a.state === 'open' && replyClock(a) && <Chip clock={replyClock(a)!} now={now} />}
                    {a.reply && <span className="muted">「{a.reply}」</span>}
                  </li>
                ))}
              </ul>
            )}
            {myAssists.map((a) => <AssistReply key={a.id} assist={a} onDone={reload} />)}
          </section>
          <section className="card">
            <h2>{t('case.resultsAndFiles')}</h2>
            {workspace.data.results.map((r) => (
              <p key={r.id} data-result={r.state}>
                <span className="badge">{t(`case.resultStates.${r.state}`, { defaultValue: r.state })}</span> {r.summary} <span className="muted small">· {r.submittedBy} · {formatDateTime(r.submittedAt)}</span>
              </p>
            ))}
            <ul className="files">
              {workspace.data.attachments.map((f) => <li key={f.id}>{f.name} <span className="muted small">({Math.ceil(f.size / 1024)} KB)</span></li>)}
            </ul>
            {workspace.data.results.length === 0 && workspace.data.attachments.length === 0 && <p className="muted">{t('board.none')}</p>}
          </section>
        </div>
      )}

      {(orderList.data?.orders.length ?? 0) > 0 && (
        <section className="card" data-testid="case-orders">
          <h2>{t('board.orders')}</h2>
          <ul className="clocks">
            {orderList.data!.orders.map((o) => (
              <li key={o.id}>
                <span className="badge order"><span aria-hidden="true">⚑</span> {t(`case.orderStates.${o.status}`, { defaultValue: o.status })}</span>
                <span>{o.reason}</span>
                <span className="muted small">{t('case.due', { at: formatDateTime(o.dueAt) })} · {o.issuedBy}</span>
                {o.reply && <span className="muted">「{o.reply}」</span>}
              </li>
            ))}
          </ul>
        </section>
      )}

      {isLead && workspace.data && <LeadActions caseId={c.id} ws={workspace.data} units={units} onDone={reload} />}
      {mayOrder && <OrderForm caseId={c.id} onDone={reload} />}
    </article>
  );
}
