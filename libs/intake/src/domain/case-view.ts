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
}

/** Status only moves forward, so a late-arriving older event cannot roll it back. */
export function laterStatus(current: CaseStatus, candidate: CaseStatus | undefined): CaseStatus {
  if (!candidate) return current;
  return STATUS_RANK[candidate] > STATUS_RANK[current] ? candidate : current;
}

type Data = Record<string, unknown>;

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
        change: { deadline: String(d.dueAt) },
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
    case 'notification.delivered':
      return { change: {}, summary: `${d.recipient} notified (${d.channel})` };
    default:
      return { change: {}, summary: event.type };
  }
}
