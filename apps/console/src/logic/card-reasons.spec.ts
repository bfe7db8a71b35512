import { cardReasonText, parseCardReason } from './card-reasons';

describe('card reasons', () => {
  it('recognises the forms escalation writes', () => {
    expect(parseCardReason('case past its start limit')).toEqual({ kind: 'past', stage: 'start' });
    expect(parseCardReason('organisation-level case past its result limit')).toEqual({ kind: 'organisation-past', stage: 'result' });
    expect(parseCardReason('result rejected: the photo shows: another park')).toEqual({ kind: 'rejected', detail: 'the photo shows: another park' });
    expect(parseCardReason('given by hand')).toEqual({ kind: 'other', text: 'given by hand' });
  });

  it('says them with the stage in the person’s words', () => {
    const words: Record<string, string> = {
      'case.clockStages.start': '启动时限',
      'board.cardReasons.past': '超过{{stage}}',
      'board.cardReasons.rejected': '办理结果被退回：{{detail}}',
    };
    const t = (key: string, o?: Record<string, unknown>) =>
      (words[key] ?? (o?.defaultValue as string) ?? key).replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(o?.[k]));
    expect(cardReasonText('case past its start limit', t)).toBe('超过启动时限');
    expect(cardReasonText('case past its odd limit', t)).toBe('超过odd');
    expect(cardReasonText('result rejected: 照片不对', t)).toBe('办理结果被退回：照片不对');
    expect(cardReasonText('given by hand', t)).toBe('given by hand');
  });
});
