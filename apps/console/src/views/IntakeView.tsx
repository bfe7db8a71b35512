import { FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { CaseView, CreateCaseRequest } from '@duban/contracts';
import { api, ApiError } from '../api';
import { useSession } from '../session';
import { ErrorMessage, Field, unitName } from '../components/ui';
import { useApiData, useUnits } from '../components/data';
import { currentLocale } from '../i18n';

interface Category {
  code: string;
  nameZh: string;
  nameEn: string;
  tier: string;
  group: string;
}

interface Preview {
  category: { code: string; nameZh: string; nameEn: string };
  tier: string;
  matched: string[];
  urgency: string[];
  duplicateOf: null | { caseId: string; title: string; status: string; unitId: string | null; unitName: string | null; reason: 'place' | 'text'; distanceMeters?: number; similarity?: number };
}

type Channel = NonNullable<CreateCaseRequest['channel']>;

interface Draft {
  title: string;
  description: string;
  category: string;
  channel: Channel;
  callerName: string;
  callerPhone: string;
  address: string;
  lat: string;
  lon: string;
  sourceReference: string;
  /** One key per draft: a retry after a dropped connection files the case once. */
  idempotencyKey: string;
}

const DRAFT_KEY = 'duban.draft.intake';

function channelsFor(roles: readonly string[]): Channel[] {
  const out = new Set<Channel>();
  if (roles.includes('operator')) out.add('hotline');
  if (roles.some((r) => ['reporter', 'operator', 'dispatcher', 'supervisor', 'admin'].includes(r))) out.add('web');
  if (roles.some((r) => ['supervisor', 'admin'].includes(r))) (['leader', 'inspection'] as const).forEach((c) => out.add(c));
  return [...out];
}

function emptyDraft(channel: Channel): Draft {
  return { title: '', description: '', category: '', channel, callerName: '', callerPhone: '', address: '', lat: '', lon: '', sourceReference: '', idempotencyKey: crypto.randomUUID() };
}

function loadDraft(channel: Channel): Draft {
  try {
    const saved = JSON.parse(localStorage.getItem(DRAFT_KEY) ?? 'null') as Draft | null;
    if (saved && typeof saved.title === 'string') return { ...emptyDraft(channel), ...saved };
  } catch {
    // A broken draft is dropped.
  }
  return emptyDraft(channel);
}

/** The request body of a draft: only what was filled in. */
export function requestOf(d: Draft): CreateCaseRequest {
  const lat = Number(d.lat);
  const lon = Number(d.lon);
  const point = d.lat.trim() && d.lon.trim() && Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : undefined;
  return {
    title: d.title.trim(),
    description: d.description.trim(),
    channel: d.channel,
    ...(d.category ? { category: d.category } : {}),
    ...(d.channel === 'hotline' && d.callerName.trim() ? { caller: { name: d.callerName.trim(), ...(d.callerPhone.trim() ? { phone: d.callerPhone.trim() } : {}) } } : {}),
    ...(d.address.trim() || point ? { location: { ...(d.address.trim() ? { address: d.address.trim() } : {}), ...(point ? { point } : {}) } } : {}),
    ...((d.channel === 'leader' || d.channel === 'inspection') && d.sourceReference.trim() ? { sourceReference: d.sourceReference.trim() } : {}),
  };
}

export default function IntakeView() {
  const { t } = useTranslation();
  const { person } = useSession();
  const channels = useMemo(() => channelsFor(person.roles), [person.roles]);
  const [draft, setDraft] = useState<Draft>(() => loadDraft(channels[0] ?? 'web'));
  const [preview, setPreview] = useState<Preview | null>(null);
  const [noSuggestion, setNoSuggestion] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [filed, setFiled] = useState<CaseView>();
  const units = useUnits();
  const categories = useApiData<{ categories: Category[] }>('/api/v1/cases/categories', false);
  const previewTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  // Every keystroke is kept in this browser: a reload, a sign-in again or a dropped connection loses nothing.
  useEffect(() => localStorage.setItem(DRAFT_KEY, JSON.stringify(draft)), [draft]);

  // As the text settles, ask what filing would do: the category, and the open case it would join.
  useEffect(() => {
    clearTimeout(previewTimer.current);
    if (!draft.title.trim() || !draft.description.trim()) return;
    const controller = new AbortController();
    previewTimer.current = setTimeout(() => {
      api<Preview>('/api/v1/cases/preview', { method: 'POST', body: requestOf(draft), signal: controller.signal })
        .then((p) => {
          setPreview(p);
          setNoSuggestion(false);
        })
        .catch((error: ApiError) => {
          if (error.name === 'AbortError') return;
          setPreview(null);
          setNoSuggestion(error.status === 400 && 'category' in error.fieldErrors());
        });
    }, 600);
    return () => {
      clearTimeout(previewTimer.current);
      controller.abort();
    };
  }, [draft]);

  const set = (field: keyof Draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [field]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFailure(undefined);
    try {
      const created = await api<CaseView>('/api/v1/cases', { method: 'POST', body: requestOf(draft), idempotencyKey: draft.idempotencyKey });
      setFiled(created);
      setPreview(null);
      localStorage.removeItem(DRAFT_KEY);
      setDraft(emptyDraft(draft.channel));
    } catch (error) {
      const apiError = error as ApiError;
      const fields = apiError.fieldErrors?.() ?? {};
      setErrors(fields);
      if (Object.keys(fields).length === 0) setFailure(apiError);
    } finally {
      setBusy(false);
    }
  }

  // A preview is for the text as it is: none once the title or description is emptied.
  const shown = draft.title.trim() && draft.description.trim() ? preview : null;
  const name = (c: { nameZh: string; nameEn: string }) => (currentLocale() === 'en' ? c.nameEn : c.nameZh);
  const groups = new Map<string, Category[]>();
  for (const c of categories.data?.categories ?? []) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  const err = (field: string) => errors[field];
  const described = (field: string) => (err(field) ? { 'aria-invalid': true, 'aria-describedby': `${field}-error` } : {});

  if (filed) {
    return (
      <section className="receipt" aria-live="polite">
        <h1>{filed.duplicateOf ? t('intake.linked', { id: filed.duplicateOf }) : t('intake.filed', { id: filed.id })}</h1>
        <p>{filed.timeline[0]?.summary}</p>
        <p className="actions">
          <Link className="button primary" to={`/cases/${filed.duplicateOf ?? filed.id}`}>{t('intake.open')}</Link>
          <button type="button" onClick={() => setFiled(undefined)}>{t('intake.another')}</button>
        </p>
      </section>
    );
  }

  return (
    <section className="intake">
      <h1>{t('intake.title')}</h1>
      <p className="muted">{t('intake.lead')}</p>
      <div className="intake-grid">
        <form onSubmit={submit} noValidate aria-label={t('intake.title')}>
          <Field id="channel" label={t('intake.channel')} error={err('channel')}>
            <select id="channel" value={draft.channel} onChange={set('channel')} {...described('channel')}>
              {channels.map((c) => <option key={c} value={c}>{t(`intake.channels.${c}`)}</option>)}
            </select>
          </Field>
          {draft.channel === 'hotline' && (
            <div className="row">
              <Field id="caller.name" label={t('intake.callerName')} error={err('caller.name') ?? err('caller')}>
                <input id="caller.name" value={draft.callerName} onChange={set('callerName')} autoComplete="off" {...described('caller.name')} />
              </Field>
              <Field id="caller.phone" label={t('intake.callerPhone')} error={err('caller.phone')}>
                <input id="caller.phone" value={draft.callerPhone} onChange={set('callerPhone')} inputMode="tel" autoComplete="off" {...described('caller.phone')} />
              </Field>
            </div>
          )}
          {(draft.channel === 'leader' || draft.channel === 'inspection') && (
            <Field id="sourceReference" label="sourceReference" error={err('sourceReference')}>
              <input id="sourceReference" value={draft.sourceReference} onChange={set('sourceReference')} {...described('sourceReference')} />
            </Field>
          )}
          <Field id="title" label={t('intake.caseTitle')} error={err('title')}>
            <input id="title" value={draft.title} onChange={set('title')} maxLength={200} required {...described('title')} />
          </Field>
          <Field id="description" label={t('intake.description')} error={err('description')}>
            <textarea id="description" value={draft.description} onChange={set('description')} rows={5} maxLength={5000} required {...described('description')} />
          </Field>
          <Field id="category" label={t('intake.category')} error={err('category')}>
            <select id="category" value={draft.category} onChange={set('category')} {...described('category')}>
              <option value="">{t('intake.categoryAuto')}</option>
              {[...groups].map(([group, list]) => (
                <optgroup key={group} label={group}>
                  {list.map((c) => <option key={c.code} value={c.code}>{name(c)}</option>)}
                </optgroup>
              ))}
            </select>
          </Field>
          <Field id="location.address" label={t('intake.address')} error={err('location.address') ?? err('location')}>
            <input id="location.address" value={draft.address} onChange={set('address')} {...described('location.address')} />
          </Field>
          <div className="row">
            <Field id="location.point.lat" label={t('intake.lat')} error={err('location.point.lat')}>
              <input id="location.point.lat" value={draft.lat} onChange={set('lat')} inputMode="decimal" {...described('location.point.lat')} />
            </Field>
            <Field id="location.point.lon" label={t('intake.lon')} error={err('location.point.lon')}>
              <input id="location.point.lon" value={draft.lon} onChange={set('lon')} inputMode="decimal" {...described('location.point.lon')} />
            </Field>
          </div>
          {Object.keys(errors).length > 0 && <p className="error" role="alert">{t('errors.fields')}</p>}
          <ErrorMessage error={failure} />
          <p className="actions">
            <button type="submit" className="primary" disabled={busy}>{busy ? t('intake.submitting') : t('intake.submit')}</button>
            <span className="muted small">{t('intake.draftKept')}</span>
          </p>
        </form>
        <aside className="assist" aria-live="polite" data-testid="intake-preview">
          {shown && (
            <>
              <p className="suggestion">{t('intake.suggestion', { name: name(shown.category), tier: t(`tiers.${shown.tier}`) })}</p>
              {shown.matched.length > 0 && <p className="muted">{t('intake.matched', { words: shown.matched.join('、') })}</p>}
              {shown.urgency.length > 0 && <p className="warning">{t('intake.urgent', { words: shown.urgency.join('、') })}</p>}
              {shown.duplicateOf && (
                <div className="duplicate" role="note" data-testid="duplicate-warning">
                  <p><strong>{t('intake.duplicate')}</strong></p>
                  <p>
                    <Link to={`/cases/${shown.duplicateOf.caseId}`}>{shown.duplicateOf.title}</Link>
                    {shown.duplicateOf.unitId ? ` · ${unitName(units, shown.duplicateOf.unitId)}` : ''}
                  </p>
                  <p className="muted small">{t('intake.duplicateWill')}</p>
                </div>
              )}
            </>
          )}
          {!shown && noSuggestion && <p className="muted">{t('intake.noSuggestion')}</p>}
        </aside>
      </div>
    </section>
  );
}
