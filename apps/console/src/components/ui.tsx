import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import { ChipState, ClockLike, lightAt } from '../logic/lights';
import { countdown } from '../logic/countdown';
import { currentLocale } from '../i18n';
import type { Unit } from './data';

/** An API error as a person reads it: 403 and 404 said plainly, a dropped connection, else the problem's detail. */
export function ErrorMessage({ error }: { error?: ApiError }) {
  const { t } = useTranslation();
  if (!error) return null;
  const text =
    error.status === 0 ? t('errors.network')
    : error.status === 403 ? t('errors.forbidden')
    : error.status === 404 ? t('errors.notFound')
    : t('errors.generic', { detail: error.problem.detail ?? error.problem.title ?? error.status });
  return <p className="error" role="alert" data-status={error.status}>{text}</p>;
}

/** A limit's countdown chip: colour from the clock's lights, text from the time to its due moment. */
export function Chip({ clock, now }: { clock: ClockLike; now: number }) {
  const { t } = useTranslation();
  const state: ChipState = lightAt(clock, now);
  const text = clock.dueAt && (state !== 'done' && state !== 'paused') ? countdown(clock.dueAt, now, currentLocale()).text : t(`lights.${state}`);
  return (
    <span className={`chip chip-${state}`} data-light={state} title={t(`lights.${state}`)}>
      <span className="chip-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

export function unitName(units: Map<string, Unit>, id: string | null | undefined): string {
  if (!id) return '—';
  const unit = units.get(id);
  if (!unit) return id;
  return currentLocale() === 'en' ? unit.nameEn : unit.nameZh;
}

/** A form field with its label and the API's message for it, tied together for screen readers. */
export function Field({ id, label, error, children }: { id: string; label: string; error?: string; children: React.ReactNode }) {
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error && <span className="field-error" id={`${id}-error`} role="alert">{error}</span>}
    </div>
  );
}
