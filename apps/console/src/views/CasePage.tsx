import { FormEvent, useState } from 'react';
import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { CaseView } from '@duban/contracts';
import { api, ApiError } from '../api';
import { useSession } from '../session';
import { Chip, ErrorMessage, Field, unitName } from '../components/ui';
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
}

interface Clocks {
  supervisionLevel: 'department' | 'organisation';
  clocks: Clock[];
}

interface Workspace {
  workspace: { state: string; unitId: string; handler: string | null };
  notes: { id: string; text: string; author: string; createdAt: string }[];
}

/** Which clock is shown on which stage of the axis. */
const CLOCK_ON: Record<string, StageKey> = { accept: 'signed', solution: 'resolved' };

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
  const workspace = useApiData<Workspace>(view.data && !person.roles.includes('reporter') ? `/api/v1/workspaces/${id}` : undefined, true, 15_000);
  const [note, setNote] = useState('');
  const [noteError, setNoteError] = useState<string>();
  const [actionError, setActionError] = useState<ApiError>();

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

  async function act(path: string, body?: unknown) {
    setActionError(undefined);
    try {
      await api(`/api/v1/workspaces/${id}/${path}`, { method: 'POST', body });
      workspace.reload();
      view.reload();
      return true;
    } catch (e) {
      setActionError(e as ApiError);
      return false;
    }
  }

  async function addNote(e: FormEvent) {
    e.preventDefault();
    setNoteError(undefined);
    try {
      await api(`/api/v1/workspaces/${id}/notes`, { method: 'POST', body: { text: note } });
      setNote('');
      view.reload();
    } catch (error) {
      const apiError = error as ApiError;
      setNoteError(apiError.fieldErrors?.().text ?? apiError.message);
    }
  }

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

      {isLead && ws && (
        <section className="card" aria-label={t('case.actions')}>
          <h2>{t('case.actions')}</h2>
          <ErrorMessage error={actionError} />
          {ws.state === 'awaiting-sign-for' && (
            <button type="button" className="primary" onClick={() => void act('sign-for')}>{t('case.signFor')}</button>
          )}
          {ws.state === 'in-progress' && (
            <form onSubmit={addNote} noValidate>
              <Field id="text" label={t('case.note')} error={noteError}>
                <textarea id="text" rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
              </Field>
              <button type="submit">{t('case.addNote')}</button>
            </form>
          )}
        </section>
      )}
    </article>
  );
}
