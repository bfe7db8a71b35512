/**
 * Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): the shapes
 * Duban answers with, in JSON and XML, and how a POSTed request becomes a case.
 */
import type { FieldError } from '@duban/contracts';
import { xmlText } from '@duban/service-defaults';

export type Format = 'json' | 'xml';

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string | null;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords: string | null;
  group: string | null;
}

export interface Open311Request {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string | null;
  service_name: string | null;
  service_code: string;
  description: string | null;
  agency_responsible: string | null;
  service_notice: string | null;
  requested_datetime: string;
  updated_datetime: string | null;
  expected_datetime: string | null;
  address: string | null;
  address_id: string | null;
  zipcode: string | null;
  lat: number | null;
  long: number | null;
  media_url: string | null;
}

/** `services.json` → ['services', 'json']; a service code may contain dots (`water.leak.json`). */
export function splitFormat(file: string): { name: string; format: Format } | undefined {
  const dot = file.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const format = file.slice(dot + 1).toLowerCase();
  if (format !== 'json' && format !== 'xml') return undefined;
  return { name: file.slice(0, dot), format };
}

/** Case statuses as GeoReport sees them: a resolved case is closed for the reporter. */
export function open311Status(status: string): 'open' | 'closed' {
  return status === 'resolved' || status === 'closed' ? 'closed' : 'open';
}

/** What a reporter may read about progress: never staff names, only the unit and the step. */
export function statusNotes(status: string, unitName: string | null): string {
  switch (status) {
    case 'received':
      return 'Received; being routed to the responsible unit.';
    case 'assigned':
      return `With ${unitName ?? 'the responsible unit'}.`;
    case 'in-progress':
      return `Being handled by ${unitName ?? 'the responsible unit'}.`;
    case 'resolved':
      return `Resolved by ${unitName ?? 'the responsible unit'}.`;
    default:
      return 'Closed.';
  }
}

const KNOWN_FIELDS = new Set([
  'api_key',
  'jurisdiction_id',
  'service_code',
  'lat',
  'long',
  'address_string',
  'address_id',
  'email',
  'device_id',
  'account_id',
  'first_name',
  'last_name',
  'phone',
  'description',
  'media_url',
]);

const LIMITS: Record<string, number> = {
  api_key: 100,
  jurisdiction_id: 100,
  service_code: 80,
  address_string: 300,
  address_id: 100,
  email: 254,
  device_id: 100,
  account_id: 100,
  first_name: 50,
  last_name: 50,
  phone: 30,
  description: 4000,
  media_url: 2000,
};

/** A GeoReport v2 service attribute (services/{code} lists them; POST requests sends `attribute[code]`). */
export interface Open311Attribute {
  variable: boolean;
  code: string;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required: boolean;
  datatype_description?: string;
  order?: number;
  description?: string;
  values?: { key: string; name: string }[];
}

/** An attribute with its fields in the order of the GeoReport v2 spec (XML clients read them in order; jsonb does not keep it). */
export function attributeInSpecOrder(a: Open311Attribute): Open311Attribute {
  return {
    variable: a.variable,
    code: a.code,
    datatype: a.datatype,
    required: a.required,
    ...(a.datatype_description !== undefined ? { datatype_description: a.datatype_description } : {}),
    ...(a.order !== undefined ? { order: a.order } : {}),
    ...(a.description !== undefined ? { description: a.description } : {}),
    ...(a.values ? { values: a.values.map((v) => ({ key: v.key, name: v.name })) } : {}),
  };
}

const ATTRIBUTE_FIELD = /^attribute\[([A-Za-z0-9_.-]{1,64})\](\[\])?$/;

/**
 * The values of `attribute[code]` (a multivaluelist also as repeated `attribute[code][]`)
 * against the service's attributes: required ones present, values of their datatype, list
 * values among the keys. `lines` says them in words for the case's description.
 */
export function readAttributes(
  serviceCode: string,
  definitions: Open311Attribute[],
  raw: Record<string, string | string[]>,
): { values: Record<string, string | number | string[]>; lines: string[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const err = (code: string, detail: string) => errors.push({ pointer: `/attribute[${code}]`, field: `attribute[${code}]`, detail });
  const values: Record<string, string | number | string[]> = {};
  const lines: string[] = [];
  const byCode = new Map(definitions.filter((d) => d.variable).map((d) => [d.code, d]));
  for (const code of Object.keys(raw)) if (!byCode.has(code)) err(code, `service "${serviceCode}" has no attribute "${code}"`);
  for (const d of [...byCode.values()].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))) {
    const given = raw[d.code];
    const list = (given === undefined ? [] : [given].flat()).map((v) => v.trim()).filter((v) => v !== '');
    if (list.length === 0) {
      if (d.required) err(d.code, 'is required');
      continue;
    }
    if (d.datatype !== 'multivaluelist' && list.length > 1) {
      err(d.code, 'must be given once');
      continue;
    }
    const [one] = list;
    const keys = new Map((d.values ?? []).map((v) => [v.key, v.name]));
    const label = d.description ?? d.code;
    switch (d.datatype) {
      case 'singlevaluelist':
      case 'multivaluelist': {
        const unknown = list.filter((v) => !keys.has(v));
        if (unknown.length > 0) err(d.code, `must be one of ${[...keys.keys()].join(', ')}`);
        else if (new Set(list).size !== list.length) err(d.code, 'names a value twice');
        else {
          values[d.code] = d.datatype === 'singlevaluelist' ? one : list;
          lines.push(`${label}: ${list.map((v) => keys.get(v)).join('; ')}`);
        }
        break;
      }
      case 'number': {
        const n = Number(one);
        if (!Number.isFinite(n) || one.length > 30) err(d.code, 'must be a number');
        else {
          values[d.code] = n;
          lines.push(`${label}: ${n}`);
        }
        break;
      }
      case 'datetime': {
        const t = new Date(one);
        if (one.length > 40 || Number.isNaN(t.getTime())) err(d.code, 'must be a W3C date-time, e.g. 2026-11-01T08:00:00+08:00');
        else {
          values[d.code] = t.toISOString();
          lines.push(`${label}: ${t.toISOString()}`);
        }
        break;
      }
      default: {
        const max = d.datatype === 'text' ? 2000 : 200;
        if (one.length > max || one.includes('\u0000')) err(d.code, `must be text of at most ${max} characters`);
        else {
          values[d.code] = one;
          lines.push(`${label}: ${one}`);
        }
      }
    }
  }
  return { values, lines, errors };
}

export interface Open311Submission {
  apiKey: string | undefined;
  jurisdictionId: string | undefined;
  serviceCode: string;
  point?: { lat: number; lon: number };
  address?: string;
  addressId?: string;
  description?: string;
  mediaUrl?: string;
  contact: Record<string, string>;
  /** `attribute[code]` values as sent, checked against the service with readAttributes. */
  attributes: Record<string, string | string[]>;
}

/**
 * Reads a POST requests body (form fields as the spec has them). Every field is
 * bounded; unknown fields and attributes (no Duban service defines any) are
 * refused by name; a location is required (lat+long, address_string or address_id).
 */
export function readSubmission(form: Record<string, unknown>): { submission?: Open311Submission; errors: FieldError[]; attributes: Record<string, string | string[]> } {
  const errors: FieldError[] = [];
  const err = (field: string, detail: string) => errors.push({ pointer: `/${field}`, field, detail });
  const value = (field: string): string | undefined => {
    const raw = form[field];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string') {
      err(field, 'must be given once');
      return undefined;
    }
    const text = raw.trim();
    if (text.includes('\u0000')) err(field, 'must not contain NUL characters');
    else if (text.length > (LIMITS[field] ?? 200)) err(field, `must be at most ${LIMITS[field]} characters`);
    return text === '' ? undefined : text;
  };
  const attributes: Record<string, string | string[]> = {};
  for (const [name, raw] of Object.entries(form)) {
    const attribute = ATTRIBUTE_FIELD.exec(name);
    if (attribute) {
      const ok = typeof raw === 'string' || (Array.isArray(raw) && raw.length <= 20 && raw.every((v) => typeof v === 'string'));
      if (!ok) err(name, 'must be text (a multivaluelist: repeated attribute[code][])');
      else attributes[attribute[1]] = [...[attributes[attribute[1]] ?? []].flat(), ...[raw as string | string[]].flat()];
    } else if (name.startsWith('attribute[')) err(name, 'must be attribute[code] or attribute[code][]');
    else if (!KNOWN_FIELDS.has(name)) err(name, 'is not a GeoReport v2 field');
  }
  // One value stays a string (the datatype decides whether a list is allowed).
  for (const [code, v] of Object.entries(attributes)) if (Array.isArray(v) && v.length === 1) attributes[code] = v[0];
  const serviceCode = value('service_code');
  if (!serviceCode) err('service_code', 'is required');
  const latText = value('lat');
  const longText = value('long');
  let point: Open311Submission['point'];
  if (latText !== undefined || longText !== undefined) {
    const lat = Number(latText);
    const lon = Number(longText);
    if (latText === undefined || !Number.isFinite(lat) || lat < -90 || lat > 90) err('lat', 'must be a WGS 84 latitude (-90 … 90) given with long');
    if (longText === undefined || !Number.isFinite(lon) || lon < -180 || lon > 180) err('long', 'must be a WGS 84 longitude (-180 … 180) given with lat');
    point = { lat, lon };
  }
  const address = value('address_string');
  const addressId = value('address_id');
  if (!point && !address && !addressId && !errors.some((e) => e.field === 'lat' || e.field === 'long')) {
    err('lat', 'a location is required: lat and long, address_string or address_id');
  }
  const mediaUrl = value('media_url');
  if (mediaUrl !== undefined && !/^https?:\/\/[^\s]+$/i.test(mediaUrl)) err('media_url', 'must be an http(s) URL');
  const email = value('email');
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) err('email', 'must be an e-mail address');
  const phone = value('phone');
  if (phone !== undefined && !/^[+0-9 ()-]{5,30}$/.test(phone)) err('phone', 'must be a phone number');
  const contact: Record<string, string> = {};
  const name = [value('first_name'), value('last_name')].filter(Boolean).join(' ');
  if (name) contact.name = name;
  for (const [field, key] of [
    ['device_id', 'deviceId'],
    ['account_id', 'accountId'],
  ] as const) {
    const v = value(field);
    if (v) contact[key] = v;
  }
  if (email) contact.email = email;
  if (phone) contact.phone = phone;
  const apiKey = value('api_key');
  const jurisdictionId = value('jurisdiction_id');
  const description = value('description');
  if (errors.length > 0 || !serviceCode) return { errors, attributes };
  return {
    errors,
    attributes,
    submission: { apiKey, jurisdictionId, serviceCode, point, address, addressId, description, mediaUrl, contact, attributes },
  };
}

function xmlValue(name: string, value: unknown): string {
  if (value === null || value === undefined) return `<${name}/>`;
  if (Array.isArray(value)) return `<${name}>${value.map((v) => xmlValue(singular(name), v)).join('')}</${name}>`;
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value as Record<string, unknown>).map(([k, v]) => xmlValue(k, v)).join('')}</${name}>`;
  }
  return `<${name}>${xmlText(String(value))}</${name}>`;
}

function singular(name: string): string {
  return name === 'attributes' ? 'attribute' : name === 'values' ? 'value' : name === 'endpoints' ? 'endpoint' : name.replace(/s$/, '');
}

/** One document as GeoReport XML (discovery): fields as child elements in their order, lists as repeated singular elements. */
export function documentXml(root: string, value: object): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${xmlValue(root, value)}\n`;
}

/** GeoReport's XML: a root element holding one element per item, fields as child elements. */
export function toXml(root: string, item: string, items: object[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<${root}>${items.map((i) => xmlValue(item, i)).join('')}</${root}>\n`;
}
