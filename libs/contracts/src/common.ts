import { Type } from '@sinclair/typebox';
import './formats';

/** Text a person wrote: bounded, and without NUL characters (PostgreSQL cannot store them). */
export const Text = (minLength: number, maxLength: number) =>
  Type.String({ minLength, maxLength, pattern: '^[^\\u0000]*$' });

export const Uuid = Type.String({ format: 'uuid', maxLength: 36 });
export const Timestamp = Type.String({ format: 'date-time', maxLength: 40 });
/** Unit codes are stable, human-readable identifiers of the unit tree (e.g. `housing`). */
export const UnitCode = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', maxLength: 63 });
/** Category codes: `class.sub-class`, e.g. `water.leak`. */
export const CategoryCode = Type.String({ pattern: '^[a-z0-9-]+(\\.[a-z0-9-]+)*$', maxLength: 80 });
export const Tier = Type.Union([Type.Literal('immediate'), Type.Literal('general'), Type.Literal('complex')]);
/** A case's confidentiality (公开 / 内部 / 秘密): who may read it is limited by their clearance (docs/security.md). */
export const Confidentiality = Type.Union([Type.Literal('public'), Type.Literal('internal'), Type.Literal('secret')]);
/** The reporter's five rating levels (非常满意 … 非常不满意). */
export const RatingLevel = Type.Union([
  Type.Literal('very-satisfied'),
  Type.Literal('satisfied'),
  Type.Literal('neutral'),
  Type.Literal('dissatisfied'),
  Type.Literal('very-dissatisfied'),
]);
export const Channel = Type.Union([
  Type.Literal('web'),
  Type.Literal('app'),
  Type.Literal('hotline'),
  Type.Literal('open311'),
  Type.Literal('import'),
  Type.Literal('leader'),
  Type.Literal('inspection'),
]);
export const GeoPoint = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
  },
  { additionalProperties: false },
);
export const Location = Type.Object(
  {
    address: Type.Optional(Text(1, 300)),
    point: Type.Optional(GeoPoint),
    district: Type.Optional(Text(1, 80)),
  },
  { additionalProperties: false },
);
