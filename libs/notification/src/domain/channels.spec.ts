import { createHmac } from 'node:crypto';
import { accepted, dingtalkRequest, feishuRequest, smsRequest, verifyWebhook, webhookRequest, wecomRequest } from './channels';

const m = { id: 'd-1', title: '新案件', body: 'A general case was assigned to you.', caseId: 'c-1', eventType: 'case.assigned' };
const NOW = 1_764_000_000_123;

describe('channel wire formats', () => {
  it('signs generic webhooks over timestamp and body, and a receiver checks them within its replay window', () => {
    const r = webhookRequest('https://hooks.example.org/duban', 'whsec', m, NOW);
    expect(JSON.parse(r.body)).toEqual({ id: 'd-1', type: 'case.assigned', caseId: 'c-1', title: '新案件', text: m.body });
    expect(r.headers['x-duban-timestamp']).toBe('1764000000');
    expect(r.headers['x-duban-signature']).toBe(`v1=${createHmac('sha256', 'whsec').update(`1764000000.${r.body}`).digest('hex')}`);
    expect(verifyWebhook('whsec', r.headers, r.body, NOW + 60_000)).toBe(true);
    expect(verifyWebhook('whsec', r.headers, r.body, NOW + 301_000)).toBe(false); // replayed too late
    expect(verifyWebhook('other', r.headers, r.body, NOW)).toBe(false);
    expect(verifyWebhook('whsec', r.headers, r.body.replace('assigned', 'resolved'), NOW)).toBe(false);
  });

  it('signs DingTalk in the query (ms timestamp, urlencoded base64 HMAC of "ts\\nsecret" keyed by the secret)', () => {
    const r = dingtalkRequest('https://oapi.dingtalk.com/robot/send?access_token=T', 'SECabc', m, NOW);
    const sign = encodeURIComponent(createHmac('sha256', 'SECabc').update(`${NOW}\nSECabc`).digest('base64'));
    expect(r.url).toBe(`https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=${NOW}&sign=${sign}`);
    expect(JSON.parse(r.body)).toEqual({ msgtype: 'text', text: { content: `新案件\n${m.body}` } });
    expect(dingtalkRequest('https://oapi.dingtalk.com/robot/send?access_token=T', null, m, NOW).url).toBe('https://oapi.dingtalk.com/robot/send?access_token=T');
  });

  it('sends WeCom text with the key in the URL, and signs Feishu in the body (s timestamp, HMAC keyed by "ts\\nsecret" over "")', () => {
    expect(JSON.parse(wecomRequest('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K', m).body)).toEqual({ msgtype: 'text', text: { content: `新案件\n${m.body}` } });
    const f = JSON.parse(feishuRequest('https://open.feishu.cn/open-apis/bot/v2/hook/H', 'fsec', m, NOW).body);
    expect(f).toEqual({ timestamp: '1764000000', sign: createHmac('sha256', '1764000000\nfsec').update('').digest('base64'), msg_type: 'text', content: { text: `新案件\n${m.body}` } });
  });

  it('sends SMS to the gateway with its token and an idempotency key, and reads each platform answer', () => {
    const s = smsRequest('https://sms.example.org/send', 'tok', '+8613800000000', m);
    expect(s.headers).toMatchObject({ authorization: 'Bearer tok', 'idempotency-key': 'd-1' });
    expect(JSON.parse(s.body)).toEqual({ to: '+8613800000000', text: `新案件: ${m.body}` });
    expect(accepted('dingtalk', 200, '{"errcode":0,"errmsg":"ok"}').ok).toBe(true);
    expect(accepted('dingtalk', 200, '{"errcode":310000,"errmsg":"sign not match"}')).toEqual({ ok: false, detail: 'dingtalk refused: 310000 sign not match' });
    expect(accepted('feishu', 200, '{"code":19021,"msg":"sign match fail"}').ok).toBe(false);
    expect(accepted('feishu', 200, '{"code":0}').ok).toBe(true);
    expect(accepted('webhook', 500, 'oops')).toEqual({ ok: false, detail: 'HTTP 500' });
    expect(accepted('webhook', 204, '').ok).toBe(true);
  });
});
