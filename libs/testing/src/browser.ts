import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { stack } from './stack';

const REPO = resolve(__dirname, '../../..');
/** Where browser tests leave their screenshots (git-ignored); the best go to docs/console/. */
export const SCREENSHOTS = join(REPO, '.duban', 'screenshots');

/** Debian's chromium (deploy/local/browser.sh installs it), headless, in a zh-CN Shanghai setting unless told. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? execFileSync('bash', [join(REPO, 'deploy/local/browser.sh')], { encoding: 'utf8' }).trim();
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function newPage(browser: Browser, locale = 'zh-CN'): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'Asia/Shanghai', viewport: { width: 1360, height: 860 } });
  return context.newPage();
}

/**
 * Signs a demo user in through the console as a person would: the console's sign-in button, then
 * the issuer's own page (Keycloak's, or the development issuer's with the same field ids).
 */
export async function signIn(page: Page, username: string, path = '/', password = 'duban-demo'): Promise<void> {
  await page.goto(`${stack.gatewayUrl}${path}`);
  await page.getByRole('button', { name: /登录|Sign in/ }).click();
  await page.waitForSelector('#username');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#kc-login');
  await page.waitForURL((url) => url.origin === new URL(stack.gatewayUrl).origin && url.pathname !== '/callback');
  await page.getByTestId('who').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // A full-page picture of a page with a sticky top bar would show the bar halfway down: it is
  // put in its place for the picture (through the DOM, which the console's CSP allows).
  const bar = (position: string) =>
    page.locator('.topbar').evaluateAll((els, p) => els.forEach((el) => (el as unknown as { style: { position: string } }).style.position = p), position);
  await bar('static');
  await page.screenshot({ path, fullPage: true });
  await bar('');
  return path;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core run in the page: the serious and critical accessibility violations of what it shows. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the console's CSP (script-src 'self') does not govern.
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
