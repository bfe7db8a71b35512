/**
 * The process axis of a case (办理进度轴): every stage from received to archived on one line, with
 * when it was reached and who held it, laid out from the case's timeline. A return sends the axis
 * back to dispatch, a rebound (an unsatisfied rating) back to handling.
 */
export type StageKey = 'received' | 'assigned' | 'signed' | 'handling' | 'resolved' | 'rated' | 'closed';
export type StageState = 'done' | 'current' | 'todo';

export interface TimelineLike {
  type: string;
  occurredAt: string;
  unitId: string | null;
  summary: string;
}

export interface Stage {
  key: StageKey;
  state: StageState;
  at?: string;
  unitId?: string | null;
  summary?: string;
}

export const STAGES: readonly StageKey[] = ['received', 'assigned', 'signed', 'handling', 'resolved', 'rated', 'closed'];

/** The events that reach each stage. */
const REACHED_BY: Record<StageKey, readonly string[]> = {
  received: ['case.received'],
  assigned: ['case.assigned', 'case.lead-designated'],
  signed: ['case.accepted'],
  handling: ['case.progressed', 'case.cosign-requested', 'case.cosigned', 'case.result-rejected'],
  resolved: ['case.result-submitted', 'case.resolved'],
  rated: ['case.rated', 'case.rating-submitted'],
  closed: ['case.closed'],
};

/** Events after which the stages from the named one on must be reached again. */
const SENDS_BACK: Record<string, StageKey> = { 'case.returned': 'assigned', 'case.rebounded': 'handling' };

export function processAxis(timeline: readonly TimelineLike[]): Stage[] {
  const sorted = [...timeline].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  const reached = new Map<StageKey, TimelineLike>();
  for (const entry of sorted) {
    const back = SENDS_BACK[entry.type];
    if (back) for (const key of STAGES.slice(STAGES.indexOf(back))) reached.delete(key);
    const stage = STAGES.find((key) => REACHED_BY[key].includes(entry.type));
    if (stage) reached.set(stage, entry);
  }
  // Signing for a case starts its handling: a signed case with no progress yet is being handled.
  const last = Math.max(-1, ...STAGES.map((key, i) => (reached.has(key) ? i : -1)));
  return STAGES.map((key, i) => {
    const entry = reached.get(key);
    const state: StageState = entry || i < last ? 'done' : i === last + 1 ? 'current' : 'todo';
    return { key, state, ...(entry ? { at: entry.occurredAt, unitId: entry.unitId, summary: entry.summary } : {}) };
  });
}
