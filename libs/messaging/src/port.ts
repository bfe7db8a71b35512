/** A message as the transport carries it: the envelope serialised as JSON, keyed by case id. */
export interface OutgoingMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface IncomingMessage extends OutgoingMessage {
  topic: string;
  partition: number;
  offset: string;
}

export interface Subscription {
  groupId: string;
  topics: string[];
  /**
   * Resolves when the message is fully handled (applied, skipped or dead-lettered).
   * A rejection means "not handled": the transport delivers the message again.
   */
  handle(message: IncomingMessage): Promise<void>;
  /**
   * Optional: handles several messages together, in delivery order, each key's
   * messages in the order they were published (the idempotent consumer
   * applies them in one transaction). Resolves when
   * every one is handled; a rejection means none is acknowledged and the
   * transport delivers them again. Transports call it when it is given.
   */
  handleBatch?(messages: IncomingMessage[]): Promise<void>;
  /**
   * Optional: told, after each delivery, how many messages are still behind it — of one
   * partition (Kafka: the partition's end as of the fetch) or of the whole topic (`partition`
   * undefined: the standalone bus reads a topic as one). The consumer-lag metric.
   */
  lag?(topic: string, partition: number | undefined, behind: number): void;
}

/**
 * The messaging port. Kafka is the production adapter; the standalone mode
 * plugs an in-process adapter in here. Guarantees every adapter keeps:
 * per-key order within a topic, at-least-once delivery to each group, and a
 * message is only acknowledged after `handle` resolved.
 */
export interface MessageTransport {
  ensureTopics(topics: string[]): Promise<void>;
  /** Publishes in order; resolves once the broker acknowledged every message. */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  subscribe(subscription: Subscription): Promise<void>;
  ready(): Promise<boolean>;
  /** Stops every subscription after its in-flight message; publishing still works. */
  stopConsuming(): Promise<void>;
  /** Stops consuming after in-flight messages finished, then disconnects. */
  close(): Promise<void>;
}
