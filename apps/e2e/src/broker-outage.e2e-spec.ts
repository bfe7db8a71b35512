import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { eventually, stack, tokenFor } from '@duban/testing';

jest.setTimeout(240_000);

const ROOT = resolve(__dirname, '../../..');
const STACK_DIR = process.env.DUBAN_STACK_DIR ?? join(ROOT, '.duban', 'stack');
const EXPECTED = ['case.assigned', 'case.received', 'case.workspace-opened', 'notification.delivered', 'sla.clock-started'];

describe('distributed: the Kafka broker dies during a burst of submissions', () => {
  it('keeps accepting cases, and after the broker is back every accepted case carries on, each step once', async () => {
    const operator = await tokenFor('operator1');
    const accepted: string[] = [];
    const submit = async (i: number) => {
      const r = await fetch(`${stack.gatewayUrl}/api/v1/cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Outage ${i}`, description: 'Filed while the broker is down', category: 'housing.repair' }),
      });
      expect(r.status).toBe(201);
      accepted.push(((await r.json()) as { id: string }).id);
    };

    await Promise.all(Array.from({ length: 10 }, (_, i) => submit(i)));
    // kill -9 the broker the local stack started (its pid file: "<pid> <start time>").
    const kafkaPid = Number(readFileSync(join(STACK_DIR, 'pids', 'kafka.pid'), 'utf8').split(' ')[0]);
    process.kill(kafkaPid, 'SIGKILL');
    await eventually(async () => {
      try {
        process.kill(kafkaPid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
    // Intake answers from its own database and outbox: no broker needed to accept a case.
    await Promise.all(Array.from({ length: 10 }, (_, i) => submit(100 + i)));

    // The stack script starts what is missing (the broker) and waits for it to be healthy.
    execFileSync('bash', [join(ROOT, 'deploy', 'local', 'stack-up.sh')], { stdio: 'ignore', env: { ...process.env, DUBAN_STACK_DIR: STACK_DIR } });

    for (const id of accepted) {
      const view = await eventually(
        async () => {
          const r = await fetch(`${stack.gatewayUrl}/api/v1/cases/${id}`, { headers: { authorization: `Bearer ${operator}` } });
          const c = (await r.json()) as { status: string; timeline: { type: string }[] };
          const seen = new Set(c.timeline.map((t) => t.type));
          return EXPECTED.every((t) => seen.has(t)) ? c : undefined;
        },
        120_000,
        500,
      );
      expect(view.status).toBe('assigned');
      expect(view.timeline.map((t) => t.type).sort()).toEqual(EXPECTED);
    }
    const handler = await tokenFor('handler-housing-a');
    const inbox = (await (await fetch(`${stack.gatewayUrl}/api/v1/notifications`, { headers: { authorization: `Bearer ${handler}` } })).json()) as {
      notifications: { caseId: string }[];
    };
    for (const id of accepted) expect(inbox.notifications.filter((n) => n.caseId === id)).toHaveLength(1);
  });
});
