import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiDocument } from './asyncapi';
import { EVENT_CATALOGUE } from './events';

describe('AsyncAPI document', () => {
  const document = asyncApiDocument() as { components: { messages: Record<string, unknown> } };

  it('describes every event of the catalogue', () => {
    expect(Object.keys(document.components.messages).sort()).toEqual(EVENT_CATALOGUE.map((e) => `${e.type}.v${e.version}`).sort());
  });

  it('is what docs/asyncapi.json holds (regenerate with npm run docs:contracts)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '../../../docs/asyncapi.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
