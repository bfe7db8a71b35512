import { FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, upload } from '../api';
import { ErrorMessage, Field, unitName } from './ui';
import { useSubmit } from './forms';
import type { Unit } from './data';

export interface Assist {
  id: string;
  unitId: string;
  leadUnitId: string;
  request: string;
  requestedBy: string;
  dueAt: string | null;
  state: string;
  reply: string | null;
}

export interface WorkspaceData {
  workspace: { state: string; unitId: string; handler: string | null };
  notes: { id: string; text: string; author: string; createdAt: string }[];
  attachments: { id: string; name: string; contentType: string; size: number }[];
  results: { id: string; summary: string; state: string; submittedBy: string; submittedAt: string }[];
  assists: Assist[];
}

/** Uploads the chosen files one by one and answers their attachment ids. */
async function uploadAll(caseId: string, files: File[]): Promise<string[]> {
  const ids: string[] = [];
  for (const file of files) ids.push((await upload<{ id: string }>(`/api/v1/workspaces/${caseId}/attachments`, file)).id);
  return ids;
}

const FILE_TYPES = 'image/jpeg,image/png,application/pdf,text/plain';

/** What the lead unit does with a case: sign for or return it, notes with files, co-units, the result. */
export function LeadActions({ caseId, ws, units, onDone }: { caseId: string; ws: WorkspaceData; units: Map<string, Unit>; onDone: () => void }) {
  const { t } = useTranslation();
  const state = ws.workspace.state;
  return (
    <section className="card" aria-label={t('case.actions')} data-testid="lead-actions">
      <h2>{t('case.actions')}</h2>
      {state === 'awaiting-sign-for' && <SignFor caseId={caseId} onDone={onDone} />}
      {state === 'in-progress' && (
        <div className="action-grid">
          <NoteForm caseId={caseId} onDone={onDone} />
          <AssistForm caseId={caseId} units={units} own={ws.workspace.unitId} onDone={onDone} />
          <ResultForm caseId={caseId} onDone={onDone} />
        </div>
      )}
      {(state === 'awaiting-sign-for' || state === 'in-progress') && <ReturnForm caseId={caseId} onDone={onDone} />}
      {state === 'result-submitted' && <p className="notice">{t('case.resultWaiting')}</p>}
    </section>
  );
}

function SignFor({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const submit = useSubmit();
  return (
    <div className="actions">
      <button type="button" className="primary" disabled={submit.busy} onClick={() => void submit.run(() => api(`/api/v1/workspaces/${caseId}/sign-for`, { method: 'POST' })).then((ok) => ok && onDone())}>
        {t('case.signFor')}
      </button>
      <ErrorMessage error={submit.error} />
    </div>
  );
}

function NoteForm({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const submit = useSubmit();
  async function send(e: FormEvent) {
    e.preventDefault();
    const ok = await submit.run(async () => {
      const attachmentIds = await uploadAll(caseId, files);
      await api(`/api/v1/workspaces/${caseId}/notes`, { method: 'POST', body: { text, ...(attachmentIds.length ? { attachmentIds } : {}) } });
    });
    if (ok) {
      setText('');
      setFiles([]);
      onDone();
    }
  }
  return (
    <form onSubmit={send} noValidate>
      <Field id="text" label={t('case.note')} error={submit.fields.text}>
        <textarea id="text" rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      </Field>
      <Field id="note-files" label={t('case.attachments')} error={submit.fields.attachmentIds}>
        <input id="note-files" type="file" multiple accept={FILE_TYPES} onChange={(e) => setFiles([...(e.target.files ?? [])])} />
      </Field>
      <ErrorMessage error={submit.general} />
      <button type="submit" disabled={submit.busy}>{t('case.addNote')}</button>
    </form>
  );
}

function AssistForm({ caseId, units, own, onDone }: { caseId: string; units: Map<string, Unit>; own: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [unitId, setUnitId] = useState('');
  const [request, setRequest] = useState('');
  const submit = useSubmit();
  async function send(e: FormEvent) {
    e.preventDefault();
    if (await submit.run(() => api(`/api/v1/workspaces/${caseId}/assists`, { method: 'POST', body: { unitId, request } }))) {
      setRequest('');
      setUnitId('');
      onDone();
    }
  }
  return (
    <form onSubmit={send} noValidate>
      <Field id="assist-unit" label={t('case.coUnit')} error={submit.fields.unitId}>
        <select id="assist-unit" value={unitId} onChange={(e) => setUnitId(e.target.value)}>
          <option value="">—</option>
          {[...units.values()].filter((u) => u.id !== own).map((u) => <option key={u.id} value={u.id}>{unitName(units, u.id)}</option>)}
        </select>
      </Field>
      <Field id="assist-request" label={t('case.assistRequest')} error={submit.fields.request}>
        <textarea id="assist-request" rows={2} value={request} onChange={(e) => setRequest(e.target.value)} />
      </Field>
      <ErrorMessage error={submit.general} />
      <button type="submit" disabled={submit.busy}>{t('case.invite')}</button>
    </form>
  );
}

function ResultForm({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [summary, setSummary] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const submit = useSubmit();
  async function send(e: FormEvent) {
    e.preventDefault();
    if (await submit.run(async () => api(`/api/v1/workspaces/${caseId}/result`, { method: 'POST', body: { summary, evidence: await uploadAll(caseId, files) } }))) {
      setSummary('');
      setFiles([]);
      onDone();
    }
  }
  return (
    <form onSubmit={send} noValidate>
      <Field id="summary" label={t('case.result')} error={submit.fields.summary}>
        <textarea id="summary" rows={3} value={summary} onChange={(e) => setSummary(e.target.value)} />
      </Field>
      <Field id="evidence" label={t('case.evidence')} error={submit.fields.evidence}>
        <input id="evidence" type="file" multiple accept={FILE_TYPES} onChange={(e) => setFiles([...(e.target.files ?? [])])} />
      </Field>
      <ErrorMessage error={submit.general} />
      <button type="submit" className="primary" disabled={submit.busy}>{t('case.submitResult')}</button>
    </form>
  );
}

function ReturnForm({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const submit = useSubmit();
  if (!open) return <button type="button" className="link-button" onClick={() => setOpen(true)}>{t('case.return')}</button>;
  async function send(e: FormEvent) {
    e.preventDefault();
    if (await submit.run(() => api(`/api/v1/assignments/${caseId}/return`, { method: 'POST', body: { reason } }))) onDone();
  }
  return (
    <form onSubmit={send} noValidate className="return-form">
      <Field id="return-reason" label={t('case.returnReason')} error={submit.fields.reason}>
        <textarea id="return-reason" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Field>
      <ErrorMessage error={submit.general} />
      <button type="submit" disabled={submit.busy}>{t('case.return')}</button>
    </form>
  );
}

/** The cooperating unit answers the lead unit's request (配合回复). */
export function AssistReply({ assist, onDone }: { assist: Assist; onDone: () => void }) {
  const { t } = useTranslation();
  const [reply, setReply] = useState('');
  const submit = useSubmit();
  async function send(e: FormEvent) {
    e.preventDefault();
    if (await submit.run(() => api(`/api/v1/assists/${assist.id}/reply`, { method: 'POST', body: { reply } }))) onDone();
  }
  return (
    <form onSubmit={send} noValidate>
      <Field id={`reply-${assist.id}`} label={t('case.assistReply')} error={submit.fields.reply}>
        <textarea id={`reply-${assist.id}`} rows={2} value={reply} onChange={(e) => setReply(e.target.value)} />
      </Field>
      <ErrorMessage error={submit.general} />
      <button type="submit" disabled={submit.busy}>{t('case.sendReply')}</button>
    </form>
  );
}

/** A supervisor's order (督办单): a new time limit and the reason, sent to the responsible unit. */
export function OrderForm({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [due, setDue] = useState(() => {
    const d = new Date(Date.now() + 24 * 3600_000);
    return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  });
  const [reason, setReason] = useState('');
  const [done, setDone] = useState(false);
  const submit = useSubmit();
  async function send(e: FormEvent) {
    e.preventDefault();
    const dueAt = due ? new Date(due).toISOString() : '';
    if (await submit.run(() => api('/api/v1/supervision-orders', { method: 'POST', body: { caseId, dueAt, reason } }))) {
      setReason('');
      setDone(true);
      onDone();
    }
  }
  return (
    <section className="card" data-testid="order-form">
      <h2>{t('case.order')}</h2>
      <form onSubmit={send} noValidate>
        <div className="row">
          <Field id="order-due" label={t('case.orderDue')} error={submit.fields.dueAt}>
            <input id="order-due" type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
          </Field>
          <Field id="order-reason" label={t('case.orderReason')} error={submit.fields.reason}>
            <input id="order-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
        </div>
        <ErrorMessage error={submit.general} />
        {done && <p className="notice" role="status">{t('case.orderIssued')}</p>}
        <button type="submit" className="primary" disabled={submit.busy}>{t('case.issueOrder')}</button>
      </form>
    </section>
  );
}
