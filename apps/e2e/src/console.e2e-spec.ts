import type { Browser, Page } from 'playwright-core';
import { api, distinct, eventually, launchBrowser, newPage, screenshot, seriousViolations, signIn, stack, tokenFor } from '@duban/testing';

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
    await operator.getByLabel('地址').fill('湖东区望湖街道幸福路12号');
    // A place in the Wanghu subdistrict of 湖东区 (the demo city is drawn over Boston's coordinates).
    await operator.getByLabel('纬度').fill((42.352 + Math.random() * 0.02).toFixed(5));
    await operator.getByLabel('经度').fill((-71.09 + Math.random() * 0.015).toFixed(5));
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

    // A cooperating unit is invited; its request shows with its reply clock.
    await handler.getByLabel('配合单位', { exact: true }).selectOption('hudong-wanghu');
    await handler.getByLabel('需要配合的事项').fill('请街道协调物业，开放配电间');
    await handler.getByRole('button', { name: '邀请配合单位' }).click();
    const coUnit = handler.getByTestId('co-units').locator('li[data-state="open"]');
    await expectText(coUnit, '望湖街道');
    await coUnit.locator('.chip').waitFor();
    const assistId = await coUnit.getAttribute('data-assist');

    // The cooperating unit finds the request in its own work and answers it.
    const helper = await page();
    await signIn(helper, 'handler-hudong-wanghu-a', '/work');
    const request = helper.getByTestId('assist-inbox').locator(`li[data-assist="${assistId}"]`);
    await request.waitFor({ timeout: 30_000 });
    await request.getByLabel('配合回复').fill('已协调物业，配电间钥匙交维修人员');
    await screenshot(helper, 'assist-inbox-zh-CN');
    await request.getByRole('button', { name: '回复' }).click();
    await request.waitFor({ state: 'detached' });
    await expectText(handler.getByTestId('co-units').locator('li[data-state="replied"]'), '已协调物业');

    // The result with its evidence: without a file the API names the field, nothing typed is lost.
    await handler.getByLabel('办理结果', { exact: true }).fill('楼道灯已更换，物业承诺每月巡查');
    await handler.getByRole('button', { name: '提交办结' }).click();
    await handler.locator('#evidence-error').waitFor();
    expect(await handler.getByLabel('办理结果', { exact: true }).inputValue()).toBe('楼道灯已更换，物业承诺每月巡查');
    await handler.locator('#evidence').setInputFiles({ name: '维修记录.txt', mimeType: 'text/plain', buffer: Buffer.from('2026-12-04 更换楼道灯 3 盏\n') });
    await handler.getByRole('button', { name: '提交办结' }).click();
    await expectText(handler.getByTestId('lead-actions'), '结果已提交');
    await expectText(handler.locator('[data-result="submitted"]'), '楼道灯已更换');
    await screenshot(handler, 'case-result-zh-CN');

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

  it('a supervisor sees the case on the one map in its light, filters by district, and issues an order', async () => {
    // An open case with a running limit, in the Wanghu subdistrict of 湖东区.
    const operator = await tokenFor('operator1');
    const point = { lat: 42.352 + Math.random() * 0.02, lon: -71.09 + Math.random() * 0.015 };
    const filedCase = await api('/api/v1/cases', { method: 'POST', token: operator, body: { title: '望湖街道自来水管破裂', description: distinct('路口自来水管破裂，水流到马路上'), category: 'water.leak', location: { point } } });
    expect(filedCase.status).toBe(201);
    const caseId: string = filedCase.body.id;
    const supervisorToken = await tokenFor('supervisor1');
    const light = await eventually(async () => {
      const r = await api<{ cases: { caseId: string; light: string }[] }>('/api/v1/lights', { token: supervisorToken });
      return r.body.cases?.find((c) => c.caseId === caseId)?.light;
    });
    expect(light).toBe('green');

    const supervisor = await page();
    await signIn(supervisor, 'supervisor1', '/map');
    await supervisor.getByRole('heading', { name: /一张图/ }).waitFor();
    // The pin has the light escalation gives the case now.
    const pin = supervisor.locator(`circle[data-case="${caseId}"]`);
    await pin.waitFor({ timeout: 60_000 });
    expect(await pin.getAttribute('data-light')).toBe(light);
    // The board counts it, the KPI tiles are there, the tables export CSV.
    await supervisor.getByTestId('light-board').getByRole('cell', { name: '水务局' }).waitFor();
    expect(await supervisor.locator('[data-kpi]').count()).toBe(5);
    const download = supervisor.waitForEvent('download');
    await supervisor.getByTestId('light-board').getByRole('button', { name: '导出 CSV' }).click();
    expect((await download).suggestedFilename()).toMatch(/^light-board-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(await seriousViolations(supervisor)).toEqual([]);
    await screenshot(supervisor, 'map-zh-CN');

    // A click on another district hides it; on its own district it is back.
    await supervisor.locator('path[data-district="huxi"]').click();
    await pin.waitFor({ state: 'detached' });
    await supervisor.locator('path[data-district="hudong"]').click();
    await pin.waitFor();
    await supervisor.getByLabel('热力图').check();
    await supervisor.locator('rect.heat').first().waitFor();
    await screenshot(supervisor, 'map-heat-zh-CN');
    await supervisor.getByLabel('热力图').uncheck();

    // From the pin to the case page, where the supervisor issues an order to the unit — by keyboard
    // (pins are links; a click could land on a neighbour drawn over it).
    await pin.focus();
    await supervisor.keyboard.press('Enter');
    await supervisor.getByTestId('case-page').waitFor();
    // The order's limit a minute and a half to two and a half away (the field has minutes; Shanghai is UTC+8):
    // its yellow light comes at half of it, and the map shows the change.
    await supervisor.getByLabel('新的办理期限').fill(new Date(Date.now() + 150_000 + 8 * 3_600_000).toISOString().slice(0, 16));
    await supervisor.getByLabel('督办事由').fill('群众反映强烈，请加快办理');
    await supervisor.getByRole('button', { name: '发出督办单' }).click();
    await expectText(supervisor.getByTestId('case-orders'), '群众反映强烈');
    await screenshot(supervisor, 'case-order-zh-CN');
    await supervisor.getByRole('link', { name: '一张图' }).click();
    await expectText(supervisor.getByTestId('orders'), '群众反映强烈');
    const changed = supervisor.locator(`circle[data-case="${caseId}"]:is([data-light="yellow"], [data-light="orange"], [data-light="red"])`);
    await changed.waitFor({ timeout: 150_000 });
    await screenshot(supervisor, 'map-light-changed-zh-CN');
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
