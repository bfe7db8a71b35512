import { FieldError } from '@duban/contracts';

const TYPE_BASE = 'https://duban.dev/problems/';

/** An error a user can get, answered as RFC 9457 problem+json. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
  }

  get type(): string {
    return `${TYPE_BASE}${this.slug}`;
  }

  body(instance?: string): Record<string, unknown> {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export const Problems = {
  validation: (errors: FieldError[]) =>
    new HttpProblem(400, 'validation', 'Your request is not valid.', errors.map((e) => `${e.field}: ${e.detail}`).join('; '), errors),
  /** A 400 naming one field (JSON pointer `/name`). */
  field: (name: string, detail: string) =>
    new HttpProblem(400, 'validation', 'Your request is not valid.', `${name}: ${detail}`, [{ pointer: `/${name}`, field: name, detail }]),
  unauthenticated: (detail: string) => new HttpProblem(401, 'unauthenticated', 'Authentication is required.', detail),
  forbidden: (detail: string) => new HttpProblem(403, 'forbidden', 'You may not do this.', detail),
  /** A 403 naming the field whose value is above the caller's clearance. */
  clearance: (name: string, detail: string) =>
    new HttpProblem(403, 'clearance', 'Above your clearance.', `${name}: ${detail}`, [{ pointer: `/${name}`, field: name, detail }]),
  notFound: (what: string) => new HttpProblem(404, 'not-found', 'Not found.', `${what} does not exist or is not visible to you.`),
  conflict: (detail: string) => new HttpProblem(409, 'conflict', 'The request conflicts with the current state.', detail),
  tooLarge: () => new HttpProblem(413, 'payload-too-large', 'The request body is too large.', 'Send a smaller body.'),
  unsupportedMediaType: () =>
    new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type.', 'Send the body as application/json.'),
  unavailable: (detail: string) => new HttpProblem(503, 'unavailable', 'Service temporarily unavailable.', detail),
  internal: () => new HttpProblem(500, 'internal', 'Internal error.', 'The error was logged; nothing was changed.'),
};
