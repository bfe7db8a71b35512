import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The outbound channels' wire formats, pure: what each sends (URL, headers, body) for a message,
 * in each platform's documented format and signature.
 */
export type ChannelKind = 'in-app' | 'webhook' | 'dingtalk' | 'wecom' | 'feishu' | 'sms' | 'email';

export interface Message {
  /** Stable id: the receiver's idempotency key (X-Duban-Delivery). */
  id: string;
  title: string;
  body: string;
  caseId: string;
  eventType: string;
}

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Generic signed webhook: `X-Duban-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
 * with `X-Duban-Timestamp` (seconds); receivers refuse stale timestamps (replay window) and
 * seen `X-Duban-Delivery` ids.
 */
export function webhookRequest(url: string, secret: string, m: Message, nowMs: number): HttpRequest {
  const body = JSON.stringify({ id: m.id, type: m.eventType, caseId: m.caseId, title: m.title, text: m.body });
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    url,
    headers: {
      'content-type': 'application/json',
      'x-duban-delivery': m.id,
      'x-duban-timestamp': timestamp,
      'x-duban-signature': `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
    },
    body,
  };
}

/** What a receiver of Duban's webhooks checks: the signature (constant time) and a timestamp within `windowSeconds`. */
export function verifyWebhook(secret: string, headers: Record<string, string | undefined>, body: string, nowMs: number, windowSeconds = 300): boolean {
  const timestamp = headers['x-duban-timestamp'];
  const signature = headers['x-duban-signature'];
  if (!timestamp || !signature || !/^\d+$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > windowSeconds) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const text = (m: Message) => `${m.title}\n${m.body}`;

/** DingTalk group robot (钉钉自定义机器人), 加签: sign = urlencode(base64(HmacSHA256(secret, "<ms>\n<secret>"))). */
export function dingtalkRequest(webhookUrl: string, secret: string | null, m: Message, nowMs: number): HttpRequest {
  let url = webhookUrl;
  if (secret) {
    const timestamp = String(nowMs);
    const sign = encodeURIComponent(createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64'));
    url += `${url.includes('?') ? '&' : '?'}timestamp=${timestamp}&sign=${sign}`;
  }
  return { url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msgtype: 'text', text: { content: text(m) } }) };
}

/** WeCom group robot (企业微信群机器人): the key is in the URL; no signature. */
export function wecomRequest(webhookUrl: string, m: Message): HttpRequest {
  return { url: webhookUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msgtype: 'text', text: { content: text(m) } }) };
}

/** Feishu custom bot (飞书自定义机器人), 签名校验: sign = base64(HmacSHA256(key "<s>\n<secret>", "")) in the body. */
export function feishuRequest(webhookUrl: string, secret: string | null, m: Message, nowMs: number): HttpRequest {
  const signed: Record<string, string> = {};
  if (secret) {
    const timestamp = String(Math.floor(nowMs / 1000));
    signed.timestamp = timestamp;
    signed.sign = createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
  }
  return { url: webhookUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...signed, msg_type: 'text', content: { text: text(m) } }) };
}

/** SMS through the configured HTTP gateway: POST {to, text} with the gateway's bearer token. */
export function smsRequest(gatewayUrl: string, token: string | null, to: string, m: Message): HttpRequest {
  return {
    url: gatewayUrl,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), 'idempotency-key': m.id },
    body: JSON.stringify({ to, text: `${m.title}: ${m.body}`.slice(0, 300) }),
  };
}

/**
 * Whether a platform answered "accepted": HTTP 2xx and, for the robots, their own success code
 * (DingTalk and WeCom `errcode: 0`, Feishu `code: 0`). Anything else is retried.
 */
export function accepted(kind: ChannelKind, status: number, responseBody: string): { ok: boolean; detail: string } {
  if (status < 200 || status >= 300) return { ok: false, detail: `HTTP ${status}` };
  if (kind !== 'dingtalk' && kind !== 'wecom' && kind !== 'feishu') return { ok: true, detail: `HTTP ${status}` };
  try {
    const parsed = JSON.parse(responseBody) as { errcode?: number; code?: number; StatusCode?: number; errmsg?: string; msg?: string };
    const code = kind === 'feishu' ? (parsed.code ?? parsed.StatusCode) : parsed.errcode;
    return code === 0 ? { ok: true, detail: 'ok' } : { ok: false, detail: `${kind} refused: ${code} ${parsed.errmsg ?? parsed.msg ?? ''}`.trim() };
  } catch {
    return { ok: false, detail: `${kind} answered something that is not JSON` };
  }
}
