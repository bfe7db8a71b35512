import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

export const LIVE_CHANNEL = 'duban_notifications';

export interface LiveMessage {
  id: string;
  recipient: string;
  caseId: string;
  eventType: string;
  title: string;
  body: string;
  createdAt: string;
}

/**
 * The channel and payload that announce a stored in-app message to every replica's live streams, for
 * the statement that stores it (`pg_notify`; PostgreSQL delivers it when the transaction commits).
 */
export function liveMessage(m: LiveMessage): { channel: string; payload: string } {
  return { channel: LIVE_CHANNEL, payload: JSON.stringify({ ...m, body: m.body.slice(0, 2000) }) };
}

/**
 * Live push of in-app messages (server-sent events): one LISTEN connection per replica hands each
 * committed message to the streams of its recipient open on this replica, whichever replica stored it.
 */
export class LiveHub {
  private client?: PoolClient;
  private connecting?: Promise<void>;
  private readonly streams = new Map<string, Set<(m: LiveMessage) => void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Calls `push` with each new message for `recipient` until the returned function is called. */
  async follow(recipient: string, push: (m: LiveMessage) => void): Promise<() => void> {
    await this.listen();
    const set = this.streams.get(recipient) ?? new Set();
    set.add(push);
    this.streams.set(recipient, set);
    return () => {
      set.delete(push);
      if (set.size === 0) this.streams.delete(recipient);
    };
  }

  get open(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.size;
    return n;
  }

  start(): void {}

  async stop(): Promise<void> {
    this.streams.clear();
    const client = this.client;
    this.client = undefined;
    client?.release();
  }

  private listen(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= (async () => {
      const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
      const client = await pool.connect();
      client.on('notification', (n) => {
        if (n.channel !== LIVE_CHANNEL || !n.payload) return;
        try {
          const m = JSON.parse(n.payload) as LiveMessage;
          for (const push of this.streams.get(m.recipient) ?? []) push(m);
        } catch (error) {
          this.onError(error);
        }
      });
      client.on('error', (error) => {
        // The connection broke: the next stream opened listens again (open streams reconnect on their own: SSE retry).
        this.onError(error);
        if (this.client === client) this.client = undefined;
        client.release(error);
      });
      await client.query(`LISTEN ${LIVE_CHANNEL}`);
      this.client = client;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }
}
