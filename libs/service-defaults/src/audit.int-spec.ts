import { createDataSource, migrate } from '@duban/persistence';
import { freshDatabase } from '@duban/testing';
import type { DataSource } from 'typeorm';
import { AuditChainer, AuditLog } from './audit';
import { AuditChainInBackground1763900000991, AuditTrail1763900000990 } from './audit-migration';

jest.setTimeout(60_000);

const entry = (actor: string, path: string, status = 201) => ({
  at: new Date(),
  actor,
  subject: `sub-${actor}`,
  roles: ['handler'],
  unitId: 'water',
  ip: '10.0.0.7',
  method: 'POST',
  path,
  status,
  requestId: null,
});

/** The hash-chained, append-only audit trail on real PostgreSQL: writes refused, and tampering found. */
describe('audit trail', () => {
  let db: DataSource;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    let url: string;
    ({ url, drop } = await freshDatabase('audit'));
    db = createDataSource({ url, applicationName: 'audit', migrations: [AuditTrail1763900000990, AuditChainInBackground1763900000991], poolSize: 4 });
    await db.initialize();
    await migrate(db);
  });

  afterAll(async () => {
    await db?.destroy();
    await drop?.();
  });

  it('chains entries written concurrently, refuses changes, and finds a changed or removed entry', async () => {
    const log = new AuditLog(db);
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(entry(`user${i % 3}`, `/api/v1/cases/${i}`))));
    expect(await log.verify()).toMatchObject({ entries: 0, ok: true, pending: 20 }); // written, not chained yet
    // Two chainers at once: one links, the other skips; nothing is chained twice.
    const chained = await Promise.all([log.chain(), log.chain()]);
    expect(chained.sort()).toEqual([0, 20]);
    expect(await log.verify()).toEqual({ entries: 20, ok: true, brokenAt: null, reason: null, pending: 0 });
    // The service's writer: requests' entries buffered, written in one insert and chained when it stops.
    const writer = new AuditChainer(db, (error) => {
      throw error;
    });
    for (let i = 0; i < 5; i++) writer.record(entry('batch', `/api/v1/things/${i}`));
    await writer.stop();
    expect(await log.verify()).toEqual({ entries: 25, ok: true, brokenAt: null, reason: null, pending: 0 });
    // A chained entry cannot be re-chained or edited.
    await expect(db.query(`UPDATE audit_log SET hash = NULL WHERE seq = 3`)).rejects.toThrow(/append-only/);
    await expect(db.query(`UPDATE audit_log SET actor = 'nobody' WHERE seq = 5`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM audit_log WHERE seq = 5`)).rejects.toThrow(/append-only/);
    await expect(db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);

    // Someone with the table owner's rights goes around the trigger: the chain shows where.
    await db.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`);
    await db.query(`UPDATE audit_log SET actor = 'nobody' WHERE seq = 7`);
    expect(await log.verify()).toMatchObject({ ok: false, brokenAt: 7, reason: expect.stringContaining('changed') });
    await db.query(`UPDATE audit_log SET actor = (SELECT actor FROM audit_log WHERE seq = 8) WHERE seq = 7`); // not the original: still broken
    await db.query(`DELETE FROM audit_log WHERE seq IN (7)`);
    expect(await log.verify()).toMatchObject({ ok: false, brokenAt: 8, reason: expect.stringContaining('missing') });
    await db.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`);
  });
});
