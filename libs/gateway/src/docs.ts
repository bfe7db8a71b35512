import { openApiDocument, OpenApiPaths } from '@duban/service-defaults';
import type { Upstream } from './routes';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * One OpenAPI 3.1 document for the whole public API: each service describes its own paths
 * (GET /openapi-fragment.json, from its controllers' metadata and request schemas); the gateway
 * merges them, keeps the result a minute, and says which services could not be asked.
 */
export class ApiDocs {
  private cached?: { at: number; doc: Record<string, unknown> };

  constructor(
    private readonly upstreams: Record<Upstream, string>,
    private readonly version: string,
    private readonly timeoutMs: number,
  ) {}

  async document(): Promise<Record<string, unknown>> {
    if (this.cached && Date.now() - this.cached.at < 60_000) return this.cached.doc;
    const paths: OpenApiPaths = {};
    const missing: string[] = [];
    await Promise.all(
      Object.entries(this.upstreams).map(async ([service, base]) => {
        try {
          const r = await fetch(new URL('/openapi-fragment.json', base), { signal: AbortSignal.timeout(this.timeoutMs) });
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
          const fragment = (await r.json()) as { paths: OpenApiPaths };
          for (const [path, ops] of Object.entries(fragment.paths)) paths[path] = { ...(paths[path] ?? {}), ...ops };
        } catch {
          missing.push(service);
        }
      }),
    );
    const doc = openApiDocument(paths, this.version);
    if (missing.length > 0) (doc.info as Record<string, unknown>)['x-unavailable-services'] = missing.sort();
    else this.cached = { at: Date.now(), doc };
    return doc;
  }

  /** A plain page of every operation, grouped by service (no script, no external resource). */
  async page(): Promise<string> {
    const doc = await this.document();
    const byTag = new Map<string, string[]>();
    for (const [path, ops] of Object.entries(doc.paths as OpenApiPaths)) {
      for (const [method, op] of Object.entries(ops)) {
        const tag = ((op.tags as string[]) ?? ['other'])[0];
        const params = ((op.parameters as { name: string; in: string }[]) ?? []).map((p) => `${p.name} (${p.in})`).join(', ');
        const body = op.requestBody ? ' · JSON body' : '';
        const row = `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${esc(path)}</code></td><td>${esc(op.summary)}</td><td>${esc(params)}${body}</td></tr>`;
        byTag.set(tag, [...(byTag.get(tag) ?? []), row]);
      }
    }
    const sections = [...byTag]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([tag, rows]) => `<h2>${esc(tag)}</h2><table><thead><tr><th>method</th><th>path</th><th>what</th><th>parameters</th></tr></thead><tbody>${rows.join('')}</tbody></table>`)
      .join('\n');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Duban API</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}</style></head>
<body><h1>Duban (督办) public API ${esc(this.version)}</h1>
<p>The machine-readable document is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1, request bodies as JSON Schema). Every call takes a bearer token except Open311 and signed rating links; errors are RFC 9457 problem+json.</p>
${sections}
</body></html>
`;
  }
}
