import { mayCarryDetails, Recipient } from './notifier';

const to = (channel: Recipient['channel'], clearance?: Recipient['clearance']): Recipient => ({
  username: 'someone',
  channel,
  locale: 'en',
  subscriptionId: null,
  target: null,
  secret: null,
  quiet: { from: null, to: null },
  ...(clearance ? { clearance } : {}),
});

describe('details of restricted cases in messages', () => {
  it('go anywhere for a public case', () => {
    for (const channel of ['in-app', 'webhook', 'dingtalk', 'sms', 'email'] as const) expect(mayCarryDetails(to(channel, 'public'), 'public')).toBe(true);
  });

  it('never leave the building for an internal or secret case', () => {
    for (const channel of ['webhook', 'dingtalk', 'wecom', 'feishu', 'sms', 'email'] as const) {
      expect([channel, mayCarryDetails(to(channel, 'secret'), 'internal')]).toEqual([channel, false]);
    }
  });

  it('reach in the app only people cleared for the case (the people an event is about were cleared by dispatch)', () => {
    expect(mayCarryDetails(to('in-app', 'internal'), 'internal')).toBe(true);
    expect(mayCarryDetails(to('in-app', 'internal'), 'secret')).toBe(false);
    expect(mayCarryDetails(to('in-app', 'public'), 'internal')).toBe(false);
    expect(mayCarryDetails(to('in-app'), 'secret')).toBe(true);
  });
});
