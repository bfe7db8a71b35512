/**
 * The one way the console talks to Duban: the public /api/v1 routes, a Bearer token, RFC 9457
 * problems turned into errors that name their fields. A dropped connection is an error of its own
 * (status 0), so a form keeps what was typed and says the network failed.
 */
export interface ProblemField {
  pointer?: string;
  field?: string;
  detail: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: ProblemField[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }

  get status(): number {
    return this.problem.status;
  }

  /** The message for each named field ("title", "location.address"), from the problem's pointers. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      const name = e.field ?? e.pointer?.replace(/^\//, '').replace(/\//g, '.') ?? '';
      if (name && !out[name]) out[name] = e.detail;
    }
    return out;
  }
}

export type TokenSource = () => Promise<string | undefined>;

let tokenSource: TokenSource = async () => undefined;
let onUnauthorized: () => void = () => undefined;

export function configureApi(source: TokenSource, unauthorized: () => void): void {
  tokenSource = source;
  onUnauthorized = unauthorized;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  return send<T>(path, options.method ?? 'GET', headers, options.body === undefined ? undefined : JSON.stringify(options.body), options.signal);
}

/** Uploads one file as the raw body (the attachment routes): its own type, its name in `?name=`. */
export async function upload<T>(path: string, file: File): Promise<T> {
  const url = `${path}${path.includes('?') ? '&' : '?'}name=${encodeURIComponent(file.name)}`;
  return send<T>(url, 'POST', { 'content-type': file.type || 'application/octet-stream' }, file);
}

async function send<T>(path: string, method: string, extra: Record<string, string>, body: BodyInit | undefined, signal?: AbortSignal): Promise<T> {
  const token = await tokenSource();
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...extra };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, signal });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError({ status: 0, title: 'network' });
  }
  if (response.status === 401) onUnauthorized();
  if (!response.ok) {
    let problem: Problem = { status: response.status };
    try {
      problem = { ...((await response.json()) as Problem), status: response.status };
    } catch {
      // Not JSON: the status says enough.
    }
    throw new ApiError(problem);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
