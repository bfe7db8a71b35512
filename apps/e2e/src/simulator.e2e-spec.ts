import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { stack } from '@duban/testing';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../../..');
const SIMULATOR = resolve(ROOT, 'apps/simulator/dist/main.js');
const WEEK = resolve(ROOT, 'libs/intake/src/seed/boston-week.csv.gz');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [SIMULATOR, ...args], { env: { ...process.env, GATEWAY_URL: stack.gatewayUrl, OIDC_ISSUER_URL: stack.oidcIssuer } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** The counts of one table of the closing summary (its rows, and the "(n more)" row). */
function table(summary: string, title: string): number[] {
  const block = summary.split(`  ${title}`)[1]?.split(/\n {2}[a-z]/)[0] ?? '';
  return [...block.matchAll(/^ {4} *(\d+) {2}/gm)].map((m) => Number(m[1]));
}

/** npm run simulate: the Boston 311 arrival stream through the public API of a running Duban (issue 3). */
describe('the replay of real traffic', () => {
  it('files Boston cases through the gateway, time-compressed, and sums them up by reason, category and unit', async () => {
    const { code, stdout, stderr } = await run(['--source', WEEK, '--limit', '40', '--speed', '50000', '--quiet']);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stderr).toContain(`at 50000× into ${stack.gatewayUrl}`);
    expect(stderr).toMatch(/\[#{24}\] 100% {2}Boston 2015-05-\d\d \d\d:\d\d {2}submitted 40 {2}accepted \d+ {2}rejected \d+ {2}in flight 0/);
    const [, submitted, accepted, rejected] = (stdout.match(/submitted (\d+), accepted (\d+), rejected (\d+)/) ?? []).map(Number);
    expect(submitted).toBe(40);
    expect(accepted + rejected).toBe(40);
    expect(accepted).toBeGreaterThanOrEqual(36);
    // Every accepted case is counted once by category and once by the unit dispatch gave it to.
    const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0);
    expect(sum(table(stdout, 'accepted, by category'))).toBe(accepted);
    expect(sum(table(stdout, 'accepted, by responsible unit'))).toBe(accepted);
    expect(stdout).not.toContain('(not assigned yet)  ');
  });

  it('says what is wrong instead of replaying into nothing', async () => {
    const { code, stderr } = await run(['--source', WEEK, '--limit', '5', '--gateway', 'http://127.0.0.1:9', '--issuer', 'http://127.0.0.1:9/realms/duban']);
    expect(code).toBe(1);
    expect(stderr).toContain('cannot get a token for operator1 from http://127.0.0.1:9/realms/duban: is Duban running (npm start)?');
  });
});
