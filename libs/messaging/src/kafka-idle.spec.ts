import { patchKafkajsIdleLoop } from './kafka-transport';

// kafkajs's own request queue (one per broker connection), without a broker: what it schedules.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: Record<string, unknown>) => {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  checkPendingRequests(): void;
  destroy(): void;
};

const silent = { namespace: () => silent, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('the kafkajs idle-loop fix (tulios/kafkajs#1556)', () => {
  const queue = () =>
    new RequestQueue({ instrumentationEmitter: { emit: () => undefined }, maxInFlightRequests: 1, requestTimeout: 1000, enforceRequestTimeout: false, clientId: 't', broker: 'b', logger: silent, isConnected: () => true });

  it('arms no timer when nothing is pending, so an idle connection does not spin', () => {
    expect(patchKafkajsIdleLoop()).toBe(true);
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('still checks again later when requests wait behind a throttle', () => {
    const q = queue();
    q.throttledUntil = Date.now() + 60_000;
    q.pending.push({});
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    q.destroy();
  });
});
