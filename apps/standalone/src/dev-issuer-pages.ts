/** The development issuer's own pages: sign-in, messages, and reading their forms. */
import type { IncomingMessage } from 'node:http';

export const REALM_PATH = '/realms/duban';
/** The sign-in page: `<INTERACTION_PATH><uid>`, bound to the provider's `_interaction` cookie (whose path it is). */
export const INTERACTION_PATH = `${REALM_PATH}/interaction/`;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const STYLE =
  '*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f3f4f6;color:#111827;' +
  'font:16px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif}' +
  'main{width:100%;max-width:22rem;margin:1rem;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.2)}' +
  'h1{margin:0 0 1.25rem;font-size:1.25rem;font-weight:600}p{margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem;font-size:.875rem}' +
  'input{width:100%;padding:.5rem .625rem;font:inherit;border:1px solid #9ca3af;border-radius:.25rem}input:focus{outline:2px solid #2563eb;outline-offset:1px}' +
  'button{width:100%;margin-top:1.25rem;padding:.625rem;font:inherit;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:.25rem;cursor:pointer}' +
  'button:hover{background:#1e40af}.error{padding:.5rem .75rem;color:#991b1b;background:#fef2f2;border:1px solid #fecaca;border-radius:.25rem;font-size:.875rem}';

/** A self-contained page (inline CSS only, nothing loaded from elsewhere); every value in `content` is escaped by the caller. */
export function htmlPage(title: string, content: string, script?: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><main>${content}</main>${script ? `<script>${script}</script>` : ''}</body></html>\n`
  );
}

export const SIGN_IN_TITLE = 'Duban 督办 — sign in / 登录';

/** The sign-in form, with Keycloak's ids (username, password, kc-login, input-error) so a browser test fills both alike. */
export function signInPage(uid: string, username: string, failed: boolean): string {
  return htmlPage(
    SIGN_IN_TITLE,
    `<h1>Duban 督办 — sign in / <span lang="zh-CN">登录</span></h1>` +
      (failed ? `<p id="input-error" class="error" role="alert">Invalid username or password. / <span lang="zh-CN">用户名或密码错误。</span></p>` : '') +
      `<form method="post" action="${escapeHtml(INTERACTION_PATH + encodeURIComponent(uid))}">` +
      `<label for="username">Username / <span lang="zh-CN">用户名</span></label>` +
      `<input id="username" name="username" type="text" value="${escapeHtml(username)}" autocomplete="username" autocapitalize="none" spellcheck="false" required${failed || !username ? ' autofocus' : ''}>` +
      `<label for="password">Password / <span lang="zh-CN">密码</span></label>` +
      `<input id="password" name="password" type="password" autocomplete="current-password" required${!failed && username ? ' autofocus' : ''}>` +
      `<button id="kc-login" type="submit">Sign in / <span lang="zh-CN">登录</span></button></form>`,
  );
}

export function messagePage(title: string, heading: string, message: string): string {
  return htmlPage(title, `<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(message)}</p>`);
}

/** Presses the sign-out button of the logout page (allowed by its hash in the page's CSP). */
export const AUTO_SIGN_OUT = "document.getElementById('kc-logout').click();";

/** An url-encoded form body (the sign-in form's), at most 16 KiB. */
export function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 16_384) {
        reject(new Error('form too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}
