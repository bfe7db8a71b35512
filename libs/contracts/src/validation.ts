import { TSchema, Static } from '@sinclair/typebox';
import { TypeCompiler, TypeCheck } from '@sinclair/typebox/compiler';

/** One invalid field: `pointer` is an RFC 6901 JSON pointer into the checked value. */
export interface FieldError {
  pointer: string;
  field: string;
  detail: string;
}

export class ValidationFailed extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.detail}`).join('; '));
    this.name = 'ValidationFailed';
  }
}

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checkerFor<T extends TSchema>(schema: T): TypeCheck<T> {
  let checker = compiled.get(schema);
  if (!checker) {
    checker = TypeCompiler.Compile(schema);
    compiled.set(schema, checker);
  }
  return checker as TypeCheck<T>;
}

function fieldName(pointer: string): string {
  return pointer === '' ? '(body)' : pointer.slice(1).split('/').join('.');
}

/** Every violation, at most one per field, in document order. */
export function validationErrors(schema: TSchema, value: unknown): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const e of checkerFor(schema).Errors(value)) {
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    errors.push({ pointer: e.path, field: fieldName(e.path), detail: e.message });
  }
  return errors;
}

/** Returns the value typed by the schema, or throws ValidationFailed naming every bad field. */
export function assertValid<T extends TSchema>(schema: T, value: unknown): Static<T> {
  if (checkerFor(schema).Check(value)) return value as Static<T>;
  throw new ValidationFailed(validationErrors(schema, value));
}
