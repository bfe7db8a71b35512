/**
 * Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): the shapes
 * Duban answers with, in JSON and XML, and how a POSTed request becomes a case.
 */
import type { FieldError } from '@duban/contracts';

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
}

/**
 * Reads a POST requests body (form fields as the spec has them). Every field is
 * bounded; unknown fields and attributes (no Duban service defines any) are
 * refused by name; a location is required (lat+long, address_string or address_id).
 */
export function readSubmission(form: Record<string, unknown>): { submission?: Open311Submission; errors: FieldError[] } {
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
  for (const name of Object.keys(form)) {
    if (name.startsWith('attribute[')) err(name, 'this service defines no attributes');
    else if (!KNOWN_FIELDS.has(name)) err(name, 'is not a GeoReport v2 field');
  }
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
  if (errors.length > 0 || !serviceCode) return { errors };
  return {
    errors,
    submission: { apiKey, jurisdictionId, serviceCode, point, address, addressId, description, mediaUrl, contact },
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function xmlValue(name: string, value: unknown): string {
  if (value === null || value === undefined) return `<${name}/>`;
  if (Array.isArray(value)) return `<${name}>${value.map((v) => xmlValue(singular(name), v)).join('')}</${name}>`;
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value as Record<string, unknown>).map(([k, v]) => xmlValue(k, v)).join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function singular(name: string): string {
  return name === 'attributes' ? 'attribute' : name === 'values' ? 'value' : name.replace(/s$/, '');
}

/** GeoReport's XML: a root element holding one element per item, fields as child elements. */
export function toXml(root: string, item: string, items: object[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<${root}>${items.map((i) => xmlValue(item, i)).join('')}</${root}>\n`;
}
