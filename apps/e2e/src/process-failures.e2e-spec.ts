import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { distinct, eventually, lacking, stack, tokenFor } from '@duban/testing';

jest.setTimeout(240_000);

const ROOT = resolve(__dirname, '../../..');
const STACK_DIR = process.env.DUBAN_STACK_DIR ?? join(ROOT, '.duban', 'stack');
// Two clocks per assignment: the first stage (accept/start) and the result stage (complete/result).
const EXPECTED = ['case.assigned', 'case.received', 'case.workspace-opened', 'notification.delivered', 'sla.clock-started', 'sla.clock-started'];

function pidOf(name: string): number {
  return Number(readFileSync(join(STACK_DIR, 'pids', `${name}.pid`), 'utf8').split(' ')[0]);
}

async function killed(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await eventually(async () => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return true;
    }
  });
}

async function expectCarriedOn(ids: string[], token: string): Promise<void> {
  // Waits for all cases together and, on a timeout, names each case and the steps it lacks.
  const missing = new Map<string, string[]>(ids.map((id) => [id, EXPECTED]));
  try {
    await eventually(
      async () => {
        for (const id of [...missing.keys()]) {
          const r = await fetch(`${stack.gatewayUrl}/api/v1/cases/${id}`, { headers: { authorization: `Bearer ${token}` } });
          const c = (await r.json()) as { status: string; timeline: { type: string }[] };
          const absent = lacking(EXPECTED, c.timeline.map((t) => t.type));
          if (absent.length === 0) {
            expect(c.status).toBe('assigned');
            expect(c.timeline.map((t) => t.type).sort()).toEqual(EXPECTED);
            missing.delete(id);
          } else missing.set(id, absent);
        }
        return missing.size === 0 ? true : undefined;
      },
      120_000,
      500,
    );
  } catch (error) {
    const report = [...missing].map(([id, absent]) => `${id} lacks ${absent.join(', ')}`).join('; ');
    throw new Error(`${(error as Error).message}; ${missing.size} of ${ids.length} cases did not carry on: ${report}`);
  }
  const handler = await tokenFor('handler-housing-a');
  const inbox = (await (await fetch(`${stack.gatewayUrl}/api/v1/notifications`, { headers: { authorization: `Bearer ${handler}` } })).json()) as {
    notifications: { caseId: string }[];
  };
  for (const id of ids) expect(inbox.notifications.filter((n) => n.caseId === id)).toHaveLength(1);
}

/** Files cases as operator1 and keeps the ids of those answered 201. */
function submitter(token: string, title: string) {
  const accepted: string[] = [];
  const submit = async (i: number) => {
    const r = await fetch(`${stack.gatewayUrl}/api/v1/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: `${title} ${i}`, description: distinct(title), category: 'housing.repair' }),
    });
    expect(r.status).toBe(201);
    accepted.push(((await r.json()) as { id: string }).id);
  };
  return { accepted, submit };
}

describe('distributed: processes die during a burst of submissions', () => {
  it('keeps accepting cases, and after the broker is back every accepted case carries on, each step once', async () => {
    const operator = await tokenFor('operator1');
    const { accepted, submit } = submitter(operator, 'Filed while the broker is down');
    await Promise.all(Array.from({ length: 10 }, (_, i) => submit(i)));
    // kill -9 the broker the local stack started.
    await killed(pidOf('kafka'));
    // Intake answers from its own database and outbox: no broker needed to accept a case.
    await Promise.all(Array.from({ length: 10 }, (_, i) => submit(100 + i)));

    // The stack script starts what is missing (the broker) and waits for it to be healthy.
    execFileSync('bash', [join(ROOT, 'deploy', 'local', 'stack-up.sh')], { stdio: 'ignore', env: { ...process.env, DUBAN_STACK_DIR: STACK_DIR } });
    await expectCarriedOn(accepted, operator);
  });

  it('loses and duplicates nothing when dispatch and notification are killed mid-stream and restarted', async () => {
    const operator = await tokenFor('operator1');
    const { accepted, submit } = submitter(operator, 'Filed while services crash');
    const burst = Promise.all(Array.from({ length: 30 }, (_, i) => submit(i)));
    await new Promise((r) => setTimeout(r, 150));
    await Promise.all([killed(pidOf('svc-dispatch')), killed(pidOf('svc-notification'))]);
    await burst;
    // services-up starts the missing services and waits until they are ready.
    execFileSync('bash', [join(ROOT, 'deploy', 'local', 'services-up.sh')], { stdio: 'ignore', env: { ...process.env, DUBAN_STACK_DIR: STACK_DIR } });
    await expectCarriedOn(accepted, operator);
  });
});
