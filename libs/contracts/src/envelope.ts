import { Static, TObject, TSchema, Type } from '@sinclair/typebox';
import { randomUUID } from 'node:crypto';
import { Timestamp, UnitCode, Uuid } from './common';

export type ServiceName = 'intake' | 'dispatch' | 'collaboration' | 'escalation' | 'assessment' | 'notification';

/** Each producing service owns one topic; events are keyed by case id so one case stays ordered. */
export function topicOf(service: ServiceName): string {
  return `duban.${service}.events`;
}

/** A consumer group's dead-letter topic. */
export function dlqTopicOf(consumerGroup: string): string {
  return `${consumerGroup.replace(/^duban-/, 'duban.')}.dlq`;
}

export function envelopeSchema<D extends TSchema>(type: string, version: number, data: D) {
  return Type.Object(
    {
      id: Uuid,
      type: Type.Literal(type),
      version: Type.Literal(version),
      source: Type.String({ minLength: 1, maxLength: 40 }),
      caseId: Uuid,
      unitId: Type.Union([UnitCode, Type.Null()]),
      occurredAt: Timestamp,
      data,
    },
    { additionalProperties: false, $id: `${type}.v${version}` },
  );
}

/** The envelope every event travels in (CloudEvents-like; see docs/adr/0004-event-envelope.md). */
export const AnyEnvelope = Type.Object({
  id: Uuid,
  type: Type.String({ minLength: 1, maxLength: 80 }),
  version: Type.Integer({ minimum: 1 }),
  source: Type.String({ minLength: 1, maxLength: 40 }),
  caseId: Uuid,
  unitId: Type.Union([UnitCode, Type.Null()]),
  occurredAt: Timestamp,
  data: Type.Unknown(),
});
export type AnyEnvelope = Static<typeof AnyEnvelope>;

export interface EventDefinition<D extends TSchema = TSchema> {
  readonly type: string;
  readonly version: number;
  readonly producer: ServiceName;
  readonly topic: string;
  readonly description: string;
  readonly data: D;
  readonly schema: TObject;
}

export type EventOf<E extends EventDefinition> = Omit<AnyEnvelope, 'data' | 'type'> & {
  type: E['type'];
  data: Static<E['data']>;
};

export function defineEvent<D extends TSchema>(
  type: string,
  version: number,
  producer: ServiceName,
  description: string,
  data: D,
): EventDefinition<D> {
  return { type, version, producer, topic: topicOf(producer), description, data, schema: envelopeSchema(type, version, data) };
}

export function newEvent<E extends EventDefinition>(
  def: E,
  fields: { caseId: string; unitId: string | null; data: Static<E['data']>; occurredAt?: Date },
): EventOf<E> {
  return {
    id: randomUUID(),
    type: def.type,
    version: def.version,
    source: def.producer,
    caseId: fields.caseId,
    unitId: fields.unitId,
    occurredAt: (fields.occurredAt ?? new Date()).toISOString(),
    data: fields.data,
  };
}
