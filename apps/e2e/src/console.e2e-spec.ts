import type { Browser, Page } from 'playwright-core';
import { distinct, launchBrowser, newPage, screenshot, seriousViolations, signIn, stack } from '@duban/testing';

// The console in Debian's chromium against the running platform (issue 14): people sign in on the
// identity provider's own page, file, see their queue change live, sign for, and are refused what
// is not theirs. Each step leaves a screenshot in .duban/screenshots.
jest.setTimeout(240_000);

describe('the console in a real browser', () => {
  let browser: Browser;
  const pages: Page[] = [];
  const page = async (locale = 'zh-CN') => {
    const p = await newPage(browser, locale);
    pages.push(p);
    return p;
  };

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('an operator files a case; the handler sees it arrive live and signs for it; a handler of another unit sees nothing of it', async () => {
    // The handler's queue is open before the case exists: it must arrive without a reload.
    const handler = await page();
    await signIn(handler, 'handler-housing-a', '/work');
    await handler.getByRole('heading', { name: '我的待办' }).waitFor();
    await handler.getByText('实时', { exact: true }).waitFor();

    const operator = await page();
    await signIn(operator, 'operator1', '/intake');
    await operator.getByRole('heading', { name: '受理登记' }).waitFor();
    const title = `楼道灯坏了，物业不管 ${Date.now().toString(36)}`;
    const description = distinct('幸福路12号3号楼2单元楼道灯不亮已经一周，物业一直不维修');
    await operator.getByLabel('来电人姓名').fill('张女士');
    await operator.getByLabel('联系电话').fill('13800000000');
    await operator.getByLabel('诉求标题').fill(title);
    await operator.getByLabel('诉求内容').fill(description);
    await operator.getByLabel('地址').fill('明湖区幸福路12号');
    // The category is suggested from the text before anything is filed.
    await expectText(operator.getByTestId('intake-preview'), '物业纠纷');
    expect(await seriousViolations(operator)).toEqual([]);
    await screenshot(operator, 'intake-zh-CN');

    await operator.getByRole('button', { name: '提交受理' }).click();
    const receipt = operator.getByRole('heading', { name: /已受理，案件编号/ });
    await receipt.waitFor();
    const caseId = /([0-9a-f-]{36})/.exec((await receipt.textContent()) ?? '')![1];
    await screenshot(operator, 'intake-filed-zh-CN');

    // The same report again: the form warns of the open case it would join, before submit.
    await operator.getByRole('button', { name: '继续登记' }).click();
    await operator.getByLabel('诉求标题').fill(title);
    await operator.getByLabel('诉求内容').fill(description);
    const warning = operator.getByTestId('duplicate-warning');
    await expectText(warning, title);
    expect(await warning.getByRole('link').getAttribute('href')).toBe(`/cases/${caseId}`);
    await screenshot(operator, 'intake-duplicate-zh-CN');

    // Assigned by dispatch, it appears on the handler's queue with its countdown chip, live.
    const row = handler.locator(`tr[data-case="${caseId}"]`);
    await row.waitFor({ timeout: 60_000 });
    await expectText(row, title);
    const chip = row.locator('.chip');
    await chip.waitFor();
    expect(await chip.getAttribute('data-light')).toBe('green');
    expect(await chip.textContent()).toMatch(/^剩余 /);
    await screenshot(handler, 'work-queue-zh-CN');
    await row.getByRole('button', { name: '签收' }).click();
    await expectText(row, '办理中');

    // The case page: the process axis shows it received, assigned and signed for, in handling.
    await row.getByRole('link', { name: title }).click();
    await handler.getByTestId('case-page').waitFor();
    const stage = (key: string) => handler.locator(`[data-stage="${key}"]`);
    await expectAttribute(stage('signed'), 'data-state', 'done');
    expect(await stage('received').getAttribute('data-state')).toBe('done');
    expect(await stage('assigned').getAttribute('data-state')).toBe('done');
    expect(await stage('handling').getAttribute('data-state')).toBe('current');
    expect(await stage('closed').getAttribute('data-state')).toBe('todo');
    await expectText(handler.getByTestId('timeline'), '签收');
    expect(await seriousViolations(handler)).toEqual([]);
    await screenshot(handler, 'case-page-zh-CN');

    // A progress note from the page; a note too short for the API is refused on its field.
    await handler.getByLabel('进展说明').fill('已联系物业，明日上门维修');
    await handler.getByRole('button', { name: '记录进展' }).click();
    await expectText(handler.getByTestId('timeline'), '已联系物业');

    // A handler of another unit: the case is not found for them, and nothing of it is in the page.
    const other = await page();
    await signIn(other, 'handler-water-a', `/cases/${caseId}`);
    const refused = other.getByRole('alert');
    await refused.waitFor();
    expect(['403', '404']).toContain(await refused.getAttribute('data-status'));
    const body = (await other.textContent('body')) ?? '';
    expect(body).not.toContain(title);
    expect(body).not.toContain('幸福路');
    await screenshot(other, 'case-refused-zh-CN');
  });

  it('switches to English, keeps the choice, and shows dates in the person’s language', async () => {
    const p = await page();
    await signIn(p, 'operator1', '/intake');
    await p.getByLabel('语言').selectOption('en');
    await p.getByRole('heading', { name: 'New case' }).waitFor();
    await p.reload();
    await p.getByRole('heading', { name: 'New case' }).waitFor();
    expect(await p.getAttribute('html', 'lang')).toBe('en');
    await screenshot(p, 'intake-en');
    await p.getByLabel('Language').selectOption('zh-CN');
  });

  it('keeps a half-filled form across a sign-out and sign-in', async () => {
    const p = await page();
    await signIn(p, 'operator1', '/intake');
    await p.getByLabel('诉求标题').fill('半填的表单');
    await p.getByRole('button', { name: '退出' }).click();
    await p.getByRole('button', { name: '登录' }).waitFor();
    await signIn(p, 'operator1', '/intake');
    expect(await p.getByLabel('诉求标题').inputValue()).toBe('半填的表单');
    await p.getByLabel('诉求标题').fill('');
  });

  it('is served by the gateway with its own policy, and the API stays the API', async () => {
    const res = await fetch(`${stack.gatewayUrl}/work`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const api = await fetch(`${stack.gatewayUrl}/api/v1/cases/00000000-0000-4000-8000-000000000000`);
    expect(api.status).toBe(401);
  });
});

async function expectText(locator: import('playwright-core').Locator, text: string): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: 30_000 });
}

async function expectAttribute(locator: import('playwright-core').Locator, name: string, value: string): Promise<void> {
  await locator.and(locator.page().locator(`[${name}="${value}"]`)).waitFor({ timeout: 30_000 });
}
