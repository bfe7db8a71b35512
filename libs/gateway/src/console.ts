import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What the console reads at /console-config.json: whom to sign in with, where traces are shown. */
export interface ConsoleSettings {
  issuer: string;
  clientId: string;
  traceUrl?: string;
}

interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  /** Hashed file names (Vite's assets/) never change: cached for a year; index.html is always asked again. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The built console (apps/console/dist), read into memory once at start: a few hundred KB. Only
 * these files are ever served — no path from a request reaches the file system.
 */
export function loadConsole(dir: string): Map<string, Asset> | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const type = TYPES[extname(name)];
      if (!type) continue;
      const body = readFileSync(path);
      const url = `/${relative(dir, path).split(sep).join('/')}`;
      assets.set(url, { body, gzip: gzipSync(body), type, immutable: url.startsWith('/assets/') });
    }
  };
  walk(dir);
  return assets;
}

/** The console's Content-Security-Policy: its own scripts and styles only, and the issuer for sign-in. */
export function consolePolicy(issuer: string): string {
  const idp = new URL(issuer).origin;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${idp}`,
    `frame-src ${idp}`,
    `form-action 'self' ${idp}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/**
 * The console's page paths (its router's routes in apps/console/src/App.tsx, and /callback of the
 * sign-in): only these are answered with index.html, so /metrics, /admin or a probe of any other
 * path is a 404 and never a page that looks like a hit. console.spec.ts checks the list against the
 * router.
 */
export const CONSOLE_PAGES: readonly RegExp[] = [
  /^\/$/,
  /^\/callback$/,
  /^\/intake$/,
  /^\/work$/,
  /^\/notifications$/,
  /^\/map$/,
  /^\/cases\/[^/]+$/,
];

/**
 * Serves the console at / (issue 14): its files, /console-config.json, and index.html for every
 * other page path (/work, /cases/…), so a link or a reload opens the right view. The API and
 * Open311 routes are registered apart and are never answered with the page.
 */
export function serveConsole(fastify: FastifyInstance, assets: Map<string, Asset>, settings: ConsoleSettings): void {
  const policy = consolePolicy(settings.issuer);
  const config = JSON.stringify(settings);
  const send = (request: FastifyRequest, reply: FastifyReply, asset: Asset) => {
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    void reply
      .header('content-type', asset.type)
      .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('vary', 'accept-encoding');
    if (asset.type.startsWith('text/html')) void reply.header('content-security-policy', policy).header('x-frame-options', 'DENY');
    if (gzip) void reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? asset.gzip : asset.body);
  };
  const index = assets.get('/index.html')!;
  fastify.get('/console-config.json', (_request, reply) => reply.header('cache-control', 'no-cache').type('application/json').send(config));
  fastify.get('/*', (request, reply) => {
    const path = request.url.split('?')[0];
    const asset = assets.get(path);
    if (asset) return send(request, reply, asset);
    // A page of the application gets the application; anything else is a 404.
    if (CONSOLE_PAGES.some((page) => page.test(path))) return send(request, reply, index);
    return reply.code(404).type('application/problem+json').send({ type: 'about:blank', title: 'Not found.', status: 404, instance: path });
  });
}
