import { CreateCaseRequest, FieldError, validationErrors } from '@duban/contracts';
import { BOSTON_COLUMNS, bostonCase, BostonRow, CategoryIndex } from './boston';

export type ImportFormat = 'duban' | 'boston';

/** Duban's own CSV: one case per row; `title` and `description` are required, the rest optional. */
export const DUBAN_COLUMNS = ['title', 'description', 'category', 'address', 'lat', 'lon', 'district', 'reference'] as const;
const REQUIRED: Record<ImportFormat, readonly string[]> = {
  duban: ['title', 'description'],
  boston: BOSTON_COLUMNS,
};

/** The columns a file of this format must have that this header lacks. */
export function missingColumns(format: ImportFormat, header: readonly string[]): string[] {
  return REQUIRED[format].filter((c) => !header.includes(c));
}

/** Columns this header has that the format does not know (Duban's format only; Boston's export has many more). */
export function unknownColumns(format: ImportFormat, header: readonly string[]): string[] {
  return format === 'duban' ? header.filter((c) => !(DUBAN_COLUMNS as readonly string[]).includes(c)) : [];
}

export interface RowCase {
  body: CreateCaseRequest;
  reference?: string;
}

/** One row as the case body it describes, or what is wrong with it, by column. */
export function rowCase(format: ImportFormat, row: Record<string, string>, index: CategoryIndex): RowCase | { errors: FieldError[] } {
  if (format === 'boston') {
    const made = bostonCase(row as unknown as BostonRow, index);
    if ('problem' in made) return { errors: [{ pointer: `/${made.column}`, field: made.column, detail: made.problem }] };
    const body: CreateCaseRequest = {
      title: made.title,
      description: made.description,
      category: made.category,
      channel: 'import',
      ...(made.location ? { location: made.location } : {}),
    };
    const errors = validationErrors(CreateCaseRequest, body);
    return errors.length > 0 ? { errors } : { body, reference: made.reference };
  }
  const errors: FieldError[] = [];
  const text = (c: string) => (row[c] ?? '').trim();
  const location: NonNullable<CreateCaseRequest['location']> = {};
  if (text('address')) location.address = text('address');
  if (text('district')) location.district = text('district');
  if (text('lat') || text('lon')) {
    const lat = Number(text('lat'));
    const lon = Number(text('lon'));
    if (!text('lat') || !Number.isFinite(lat)) errors.push({ pointer: '/lat', field: 'lat', detail: 'must be a number given with lon' });
    if (!text('lon') || !Number.isFinite(lon)) errors.push({ pointer: '/lon', field: 'lon', detail: 'must be a number given with lat' });
    location.point = { lat, lon };
  }
  const body: CreateCaseRequest = {
    title: text('title'),
    description: text('description'),
    ...(text('category') ? { category: text('category') } : {}),
    channel: 'import',
    ...(Object.keys(location).length > 0 ? { location } : {}),
  };
  if (text('reference').length > 200) errors.push({ pointer: '/reference', field: 'reference', detail: 'must be at most 200 characters' });
  // The same schema as the API: bounded fields, valid codes and coordinates; pointers name the CSV column.
  for (const e of validationErrors(CreateCaseRequest, body)) {
    const column = e.field.replace(/^location\.(point\.)?/, '');
    if (!errors.some((x) => x.field === column)) errors.push({ ...e, pointer: `/${column}`, field: column });
  }
  return errors.length > 0 ? { errors } : { body, reference: text('reference') || undefined };
}
