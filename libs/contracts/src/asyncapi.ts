import { EVENT_CATALOGUE } from './events';
import { AnyEnvelope, dlqTopicOf } from './envelope';

/**
 * The AsyncAPI 3 document of every event, generated from the same TypeBox
 * schemas that type and validate them (docs/asyncapi.json; `npm run docs:contracts`).
 */
export function asyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const def of EVENT_CATALOGUE) {
    const channelId = def.topic.replace(/\./g, '-');
    const messageId = `${def.type}.v${def.version}`;
    messages[messageId] = {
      name: def.type,
      title: `${def.type} v${def.version}`,
      summary: def.description,
      contentType: 'application/json',
      headers: {
        type: 'object',
        properties: { traceparent: { type: 'string', description: 'W3C trace context of the case' } },
      },
      payload: def.schema,
    };
    const channel = (channels[channelId] ??= {
      address: def.topic,
      description: `Events of the ${def.producer} service, keyed by case id (one case stays ordered).`,
      messages: {},
    }) as { messages: Record<string, unknown> };
    channel.messages[messageId] = { $ref: `#/components/messages/${messageId}` };
    operations[`publish-${channelId}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${channelId}` },
      messages: Object.keys(channel.messages).map((m) => ({ $ref: `#/channels/${channelId}/messages/${m}` })),
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Duban events',
      version: '1.0.0',
      description: `Every event travels in the envelope below; failed messages go to the consumer group's dead-letter topic (e.g. ${dlqTopicOf('duban-dispatch')}).`,
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages, schemas: { Envelope: AnyEnvelope } },
  };
}
