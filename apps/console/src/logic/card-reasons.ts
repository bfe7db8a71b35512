/**
 * A card's reason in the person's language. Escalation writes reasons in English for the log and
 * the API ("case past its start limit", "organisation-level case past its result limit", "result
 * rejected: <the reviewer's words>"); the console recognises those forms and says them with the
 * stage's name in its own words. A reason of another form is shown as it came.
 */
export type CardReason =
  | { kind: 'past'; stage: string }
  | { kind: 'organisation-past'; stage: string }
  | { kind: 'rejected'; detail: string }
  | { kind: 'other'; text: string };

export function parseCardReason(reason: string): CardReason {
  let m = /^organisation-level case past its (\w+) limit$/.exec(reason);
  if (m) return { kind: 'organisation-past', stage: m[1] };
  m = /^case past its (\w+) limit$/.exec(reason);
  if (m) return { kind: 'past', stage: m[1] };
  m = /^result rejected: ([\s\S]*)$/.exec(reason);
  if (m) return { kind: 'rejected', detail: m[1] };
  return { kind: 'other', text: reason };
}

type Translate = (key: string, options?: Record<string, unknown>) => string;

export function cardReasonText(reason: string, t: Translate): string {
  const r = parseCardReason(reason);
  const stage = (s: string) => t(`case.clockStages.${s}`, { defaultValue: s });
  switch (r.kind) {
    case 'past':
      return t('board.cardReasons.past', { stage: stage(r.stage) });
    case 'organisation-past':
      return t('board.cardReasons.organisationPast', { stage: stage(r.stage) });
    case 'rejected':
      return t('board.cardReasons.rejected', { detail: r.detail });
    default:
      return r.text;
  }
}
