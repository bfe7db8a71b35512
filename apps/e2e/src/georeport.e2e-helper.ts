/**
 * Checks of GeoReport v2 answers against the schemas shipped in open311-georeport-v2 (JSON and XML:
 * well-formed, valid, elements in the schema's order), and the requests an Open311 client makes.
 */
import Ajv from 'ajv';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stack } from '@duban/testing';

export const SCHEMAS = join(__dirname, 'open311-georeport-v2');
export const schema = (file: string) => JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8'));

/** Validators for every GeoReport response body; the XML ones coerce element text to the schema's types. */
export function validators(coerceTypes: boolean) {
  // The published schemas put minItems beside $ref in items; applied to each item they are no-ops.
  const ajv = new Ajv({ allErrors: true, coerceTypes, extendRefs: true });
  // Swagger's informal "uid": an identifier without spaces.
  ajv.addFormat('uid', /^\S+$/);
  ajv.addSchema(schema('service.json'), 'service.json');
  ajv.addSchema(schema('request.json'), 'request.json');
  const swagger = schema('swagger.json');
  ajv.addFormat('date-time', (v: string) => !Number.isNaN(Date.parse(v)));
  ajv.addFormat('uri', /^https?:\/\/\S+$/);
  return {
    services: ajv.compile(schema('services.json')),
    definition: ajv.compile(schema('service-definition.json')),
    requests: ajv.compile(schema('requests.json')),
    created: ajv.compile({ type: 'array', minItems: 1, items: swagger.definitions.RequestResponse }),
    token: ajv.compile({ type: 'array', minItems: 1, items: { ...swagger.definitions.TokenResponse, required: ['service_request_id', 'token'] } }),
    // Duban's transcriptions of the wiki's error list and discovery document (see the schemas' README).
    errors: ajv.compile(schema('errors.json')),
    discovery: ajv.compile(schema('discovery.json')),
  };
}
export const SWAGGER = schema('swagger.json');

/** XML 1.0's Char production: what an XML document may contain at all. */
// eslint-disable-next-line no-control-regex
export const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Well-formed XML (a real parser's check, plus XML 1.0's characters), or the test fails naming why. */
export function expectWellFormed(text: string): void {
  const checked = XMLValidator.validate(text);
  if (checked !== true) throw new Error(`not well-formed XML: ${JSON.stringify(checked.err)}\n${text.slice(0, 300)}`);
  if (NOT_XML_CHAR.test(text)) throw new Error(`XML with a character XML 1.0 cannot carry:\n${text.slice(0, 300)}`);
}

export type Ordered = Record<string, Ordered[]> & { '#text'?: unknown };
export const ordered = new XMLParser({ preserveOrder: true });
export const nameOf = (node: Ordered) => Object.keys(node).find((k) => k !== ':@')!;

/**
 * The children of every `item` element come in the order the schema lists its fields (a client
 * that reads XML in sequence expects them so); `nested` checks a list field's items the same way.
 */
export function expectElementOrder(text: string, item: string, fields: string[], nested: Record<string, { item: string; fields: string[] }> = {}): void {
  const check = (node: Ordered, expectedItem: string, expectedFields: string[]) => {
    const children = (node[expectedItem] ?? []).filter((c) => !('#text' in c));
    const names = children.map(nameOf);
    const positions = names.map((n) => expectedFields.indexOf(n));
    if (positions.some((p) => p < 0) || positions.some((p, i) => i > 0 && p <= positions[i - 1])) {
      throw new Error(`<${expectedItem}> children ${names.join(', ')} are not in the order ${expectedFields.join(', ')}`);
    }
    for (const child of children) {
      const inner = nested[nameOf(child)];
      if (inner) for (const grandchild of child[nameOf(child)] ?? []) if (nameOf(grandchild) === inner.item) check(grandchild, inner.item, inner.fields);
    }
  };
  const walk = (nodes: Ordered[]) => {
    for (const node of nodes) {
      const name = nameOf(node);
      if (name === item) check(node, item, fields);
      else if (Array.isArray(node[name])) walk(node[name]);
    }
  };
  walk(ordered.parse(text) as Ordered[]);
}
export const fieldsOf = (definition: string) => Object.keys(SWAGGER.definitions[definition].properties);
export const json = validators(false);
export const xml = validators(true);

export function expectValid(validate: ReturnType<typeof validators>['services'], body: unknown): void {
  const ok = validate(body);
  if (!ok) throw new Error(`not valid GeoReport v2: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
}

/** Our GeoReport XML back into objects: elements with children become objects (repeated ones a list), empty ones null. */
export function fromXml(text: string): unknown {
  const tokens = text.replace(/<\?xml[^>]*\?>/, '').match(/<[^>]+>|[^<]+/g) ?? [];
  let i = 0;
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const element = (): [string, unknown] => {
    const open = tokens[i++];
    const name = open.replace(/[</>]/g, '').trim();
    if (open.endsWith('/>')) return [name, null];
    const children: [string, unknown][] = [];
    let text = '';
    while (!tokens[i].startsWith('</')) {
      if (tokens[i].startsWith('<')) children.push(element());
      else text += tokens[i++];
    }
    i += 1;
    if (children.length === 0) return [name, unescape(text)];
    const names = new Set(children.map(([n]) => n));
    return [name, names.size === 1 && children.length > 1 ? children.map(([, v]) => v) : Object.fromEntries(children)];
  };
  while (tokens[i] && !tokens[i].startsWith('<')) i += 1;
  return element()[1];
}
/** A root with items: always a list, also when it holds one item or none. */
export const listOf = (value: unknown, item: string): unknown[] => {
  if (value === null || value === '') return [];
  if (Array.isArray(value)) return value;
  return [(value as Record<string, unknown>)[item]].flat();
};

export async function post311(fields: Record<string, string>, format = 'json') {
  const response = await fetch(`${stack.gatewayUrl}/open311/v2/requests.${format}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  if (format === 'xml') expectWellFormed(text);
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, body: text.startsWith('<') ? fromXml(text) : JSON.parse(text) };
}

export async function get311(path: string, base = '/open311/v2/') {
  const response = await fetch(`${stack.gatewayUrl}${base}${path}`);
  const text = await response.text();
  const isXml = path.split('?')[0].endsWith('.xml');
  if (isXml) expectWellFormed(text);
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, body: isXml ? fromXml(text) : JSON.parse(text) };
}

/** A GeoReport error answer: the status, the list valid against the errors schema (JSON, or XML read back), and the fields it names. */
export function expectErrors(answer: { status: number; contentType: string; text: string; body: unknown }, status: number, format: 'json' | 'xml' = 'json'): string[] {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toMatch(format === 'xml' ? /application\/xml/ : /application\/json/);
  const list = format === 'xml' ? listOf(answer.body, 'error') : answer.body;
  expectValid(format === 'xml' ? xml.errors : json.errors, list);
  if (format === 'xml') expectElementOrder(answer.text, 'error', ['code', 'description']);
  const errors = list as { code: number; description: string }[];
  expect(errors.every((e) => Number(e.code) === status)).toBe(true);
  return errors.map((e) => e.description.split(':')[0]);
}

