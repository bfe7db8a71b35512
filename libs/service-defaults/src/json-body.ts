import type { FieldError } from '@duban/contracts';

/** Deepest nesting of arrays and objects a request body may have (the API's own bodies need 4). */
export const MAX_JSON_DEPTH = 32;

// Characters no text field may carry: C0 controls but tab, LF and CR (XML 1.0 cannot carry them
// either, and the public Open311 XML feed would break on them), and U+FFFE/U+FFFF.
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
/** A UTF-16 surrogate without its pair (`"\ud800"` in JSON): PostgreSQL cannot store it. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const pointerOf = (path: (string | number)[]) => `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
const fieldOf = (path: (string | number)[]) => (path.length === 0 ? '(body)' : path.join('.'));

/**
 * Checks a parsed JSON body before any schema sees it (iteratively: a body nested thousands of
 * levels deep must not overflow a validator's recursion): nesting at most `maxDepth`, and no text
 * — value or key — with control characters or unpaired surrogates. Each problem names its field.
 */
export function jsonBodyProblems(body: unknown, maxDepth = MAX_JSON_DEPTH): FieldError[] {
  const errors: FieldError[] = [];
  const add = (path: (string | number)[], detail: string) => {
    if (errors.length < 20) errors.push({ pointer: pointerOf(path), field: fieldOf(path), detail });
  };
  const text = (value: string, path: (string | number)[]) => {
    if (CONTROL.test(value)) add(path, 'must not contain control characters (other than tab and line breaks)');
    else if (LONE_SURROGATE.test(value)) add(path, 'must not contain unpaired UTF-16 surrogates (\\ud800 … \\udfff alone)');
  };
  const stack: { value: unknown; path: (string | number)[]; depth: number }[] = [{ value: body, path: [], depth: 0 }];
  while (stack.length > 0 && errors.length < 20) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      text(value, path);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) {
      add(path, `is nested deeper than ${maxDepth} levels`);
      continue;
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i -= 1) stack.push({ value: value[i], path: [...path, i], depth: depth + 1 });
    } else {
      const entries = Object.entries(value as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i -= 1) {
        const [key, v] = entries[i];
        text(key, [...path, key]);
        stack.push({ value: v, path: [...path, key], depth: depth + 1 });
      }
    }
  }
  return errors;
}

/**
 * Keys given twice in one object of a JSON text (JSON.parse keeps the last silently, so a body
 * could say two things at once): the JSON pointers of the repeats. The text is valid JSON
 * already (it was parsed); strings are read with their escapes.
 */
export function duplicateJsonKeys(text: string): string[] {
  const found: string[] = [];
  type Frame = { keys?: Set<string>; path: string[]; index: number; key?: string };
  const stack: Frame[] = [];
  let i = 0;
  const readString = (): string => {
    const start = i;
    i += 1;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i += 1;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const pathHere = () => {
    const top = stack[stack.length - 1];
    if (!top) return [];
    return [...top.path, top.keys ? (top.key ?? '') : String(top.index)];
  };
  let expectKey = false;
  while (i < text.length && found.length < 20) {
    const c = text[i];
    if (c === '"') {
      const s = readString();
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        if (top.keys.has(s)) found.push(`/${[...top.path, s].map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);
        top.keys.add(s);
        top.key = s;
        expectKey = false;
      }
      continue;
    }
    if (c === '{' || c === '[') {
      const path = pathHere();
      stack.push(c === '{' ? { keys: new Set(), path, index: 0 } : { path, index: 0 });
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys) expectKey = true;
      else if (top) top.index += 1;
    }
    i += 1;
  }
  return found;
}
