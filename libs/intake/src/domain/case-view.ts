import { AnyEnvelope } from '@duban/contracts';

export type CaseStatus = 'received' | 'assigned' | 'in-progress' | 'resolved' | 'closed';

const STATUS_RANK: Record<CaseStatus, number> = { received: 0, assigned: 1, 'in-progress': 2, resolved: 3, closed: 4 };

/** What one lifecycle event changes in the case view. Events may arrive out of order across topics. */
export interface ViewChange {
  status?: CaseStatus;
  unitId?: string | null;
  unitName?: string | null;
  assignee?: string | null;
  deadline?: string;
  /** A rebound of the given resolution: back to in-progress unless a later resolution was seen already. */
  reopen?: { round: number };
}

/** Status only moves forward, so a late-arriving older event cannot roll it back. */
export function laterStatus(current: CaseStatus, candidate: CaseStatus | undefined): CaseStatus {
  if (!candidate) return current;
  return STATUS_RANK[candidate] > STATUS_RANK[current] ? candidate : current;
}

type Data = Record<string, unknown>;

const RESULT_STAGES = ['result', 'complete', 'solution'];
const clip = (text: unknown, max = 200) => {
  const s = String(text ?? '');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};
const count = (list: unknown, noun: string, suffix = '') => {
  const n = Array.isArray(list) ? list.length : 0;
  return n === 0 ? '' : ` with ${n} ${noun}${n === 1 ? '' : 's'}${suffix}`;
};

const ASSIGNED_VIA: Record<string, string> = {
  reroute: 'Re-routed to',
  coordinator: 'Sent to the coordinator queue of',
  designation: 'Assigned as lead unit to',
  reassignment: 'Reassigned to',
};

/** The change and the timeline line an event of another service brings to the case view. */
export function describeEvent(event: AnyEnvelope): { change: ViewChange; summary: string } {
  const d = (event.data ?? {}) as Data;
  switch (event.type) {
    case 'case.assigned':
      return {
        change: {
          status: 'assigned',
          unitId: String(d.unitId),
          unitName: String(d.unitName),
          assignee: (d.assignee as string | null) ?? null,
        },
        summary: `${ASSIGNED_VIA[String(d.via)] ?? 'Assigned to'} ${d.unitName}${d.assignee ? ` (${d.assignee})` : ''}: ${d.reason}`,
      };
    case 'case.returned':
      return { change: {}, summary: `Returned by ${d.unitId} (${d.by}) as not theirs — return ${d.returns}: ${d.reason}` };
    case 'case.lead-designated':
      return { change: {}, summary: `Lead unit designated by ${d.by}: ${d.unitName} — ${d.reason}` };
    case 'sla.clock-started':
      return {
        // The case's deadline is its result limit; first-response, reply and order limits show on the timeline.
        change: RESULT_STAGES.includes(String(d.stage)) ? { deadline: String(d.dueAt) } : {},
        summary: `Time limit for stage "${d.stage}" (${d.policy}) runs until ${d.dueAt}`,
      };
    case 'sla.light-changed':
      return {
        change: {},
        summary:
          d.light === 'red'
            ? `Time limit of stage "${d.stage}" ran out (red, due ${d.dueAt}); the supervision office is warned`
            : `Time limit of stage "${d.stage}" is ${d.light} (due ${d.dueAt}); the ${d.rung === 'handler' ? 'handler' : 'unit head'} is warned`,
      };
    case 'case.supervision-ordered':
      return { change: {}, summary: `Put under supervision by ${d.by} (督办) until ${d.dueAt}${d.replyRequired ? ', reply required' : ''}: ${d.reason}` };
    case 'case.supervision-replied':
      return { change: {}, summary: `${d.unitId} replied to the supervision order${d.onTime ? '' : ' (late)'}: ${d.reply}` };
    case 'case.supervision-escalated':
      return { change: {}, summary: `Open at the limit of stage "${d.stage}" (due ${d.dueAt}): now supervised at organisation level (升级督办)` };
    case 'unit.card-issued':
      return { change: {}, summary: `${d.unitId} got a ${d.kind} card (${d.kind === 'red' ? '红牌' : '黄牌'}): ${d.reason}` };
    case 'case.workspace-opened':
      return { change: {}, summary: `Handling workspace opened at ${d.unitId}; waiting to be signed for` };
    case 'case.accepted':
      return { change: { status: 'in-progress' }, summary: `Signed for (签收) by ${d.unitId} (${d.by})` };
    case 'case.progressed':
      return { change: {}, summary: `Progress note by ${d.unitId} (${d.by})${count(d.attachments, 'attachment')}: ${clip(d.text)}` };
    case 'case.paused':
      return { change: {}, summary: `Waiting on the reporter (time limits stopped): ${d.reason}` };
    case 'case.resumed':
      return { change: {}, summary: `The reporter answered; time limits run again (waited since ${d.pausedAt})` };
    case 'case.result-submitted':
      return { change: {}, summary: `Result submitted by ${d.unitId} (${d.by})${count(d.evidence, 'piece', ' of evidence')}: ${clip(d.summary)}` };
    case 'case.result-rejected':
      return { change: {}, summary: `Result rejected by ${d.by} (退回重办): ${d.reason}` };
    case 'case.resolved':
      return { change: { status: 'resolved' }, summary: `Resolved: the result of ${d.unitId} was accepted by ${d.reviewedBy}` };
    case 'assist.requested':
      return { change: {}, summary: `${d.leadUnitId} asked ${d.unitId} to cooperate (配合)${d.dueAt ? ` by ${d.dueAt}` : ` within ${d.replyWithinWorkingMinutes} working minutes`}: ${clip(d.request)}` };
    case 'assist.extension-requested':
      return { change: {}, summary: `${d.unitId} asked for more time until ${d.until}: ${d.reason}` };
    case 'assist.extension-decided':
      return { change: {}, summary: `${d.by} ${d.granted ? 'granted' : 'refused'} ${d.unitId} more time until ${d.until}${d.reason ? `: ${d.reason}` : ''}` };
    case 'assist.replied':
      return { change: {}, summary: `${d.unitId} replied (${d.by}): ${clip(d.reply)}` };
    case 'assist.declined':
      return { change: {}, summary: `${d.unitId} declined to cooperate: ${d.reason}` };
    case 'assist.reminded':
      return { change: {}, summary: `${d.unitId} reminded of its open request (催办 #${d.reminders})` };
    case 'assist.cancelled':
      return { change: {}, summary: `Request to ${d.unitId} withdrawn: ${d.reason}` };
    case 'case.cosign-requested':
      return { change: {}, summary: `Solution put to co-signing (会签) by ${(d.units as string[]).join(', ')}: ${clip(d.solution)}` };
    case 'case.cosign-decided':
      return { change: {}, summary: `${d.unitId} ${d.decision === 'approve' ? 'approved' : 'rejected'} the solution (${d.by})${d.reason ? `: ${d.reason}` : ''}` };
    case 'case.cosigned':
      return { change: {}, summary: `Solution co-signed by every listed unit (${(d.units as string[]).join(', ')})` };
    case 'taskforce.formed':
      return { change: {}, summary: `Task force (专班) "${d.name}" formed with ${(d.members as string[]).join(', ')}` };
    case 'case.rated':
      return { change: {}, summary: d.via === 'default' ? `No rating in time: counted as ${d.level} (${d.score}/100) by default` : `Rated ${d.level} (${d.score}/100) by the reporter` };
    case 'case.rebounded':
      return { change: { reopen: { round: Number(d.round) } }, summary: `Reopened (重办): the reporter was ${d.level === 'very-dissatisfied' ? 'very dissatisfied' : 'dissatisfied'} — ${clip(d.reason)}` };
    case 'case.revisited':
      return {
        change: {},
        summary: `Revisit after ${d.afterDays} days (回访) by ${d.by}: ${d.outcome === 'recurred' ? 'the problem recurred' : d.outcome === 'resolved' ? 'still solved' : 'the reporter could not be reached'}${d.note ? ` — ${clip(d.note)}` : ''}`,
      };
    case 'case.closed':
      return { change: { status: 'closed' }, summary: `Closed and archived (归档): ${d.reason}` };
    case 'notification.delivered':
      return { change: {}, summary: `${d.recipient} notified (${d.channel})` };
    default:
      return { change: {}, summary: event.type };
  }
}

/**
 * What a reporter reads of their own case (issue 19): the unit and the step, the time limit,
 * the result — as Open311 shows it — and nothing of the inside of the work: no staff names, no
 * requests between units, progress notes, extension requests, supervision or other reports'
 * ids. Each step a reporter sees is said in words of its own, not the staff timeline's.
 */
const REPORTER_STEPS: Record<string, (e: { unitId: string | null; summary: string }) => string> = {
  'case.received': () => 'Received',
  'case.assigned': (e) => `Passed to ${e.unitId ?? 'the responsible unit'}`,
  'case.workspace-opened': (e) => `With ${e.unitId ?? 'the responsible unit'}, to be signed for`,
  // The time limits are the reporter's too (Open311 shows them as expected_datetime).
  'sla.clock-started': (e) => e.summary,
  'case.reclassified': () => 'The category was corrected',
  'case.accepted': (e) => `Signed for by ${e.unitId ?? 'the responsible unit'}; being handled`,
  'case.paused': () => 'Waiting for your answer (the time limits stop meanwhile)',
  'case.resumed': () => 'Your answer came in; the work goes on',
  'case.result-submitted': (e) => `${e.unitId ?? 'The responsible unit'} reported its result; it is being reviewed`,
  'case.result-rejected': () => 'The result was sent back to be done again',
  'case.resolved': () => 'Resolved',
  'case.rated': () => 'Your rating was recorded',
  'case.rebounded': () => 'Reopened: you were not satisfied',
  'case.revisited': () => 'Revisited after the resolution',
  'case.closed': () => 'Closed',
};

export function reporterView<V extends { assignee: string | null; traceId: string | null; duplicates?: string[]; timeline: { type: string; unitId: string | null; summary: string }[] }>(view: V): V {
  // Other people's reports linked to this one are theirs: no ids of them.
  const rest = { ...view };
  delete rest.duplicates;
  return {
    ...rest,
    assignee: null,
    traceId: null,
    timeline: view.timeline
      .filter((e) => REPORTER_STEPS[e.type])
      .map((e) => {
        // A linked repeat follows its original's steps, marked as the original's.
        const original = e.summary.startsWith('Original case: ') ? 'Original case: ' : '';
        return { ...e, summary: `${original}${REPORTER_STEPS[e.type](original ? { ...e, summary: e.summary.slice(original.length) } : e)}` };
      }),
  };
}
