import { clearedCases } from '@duban/service-defaults';
import type { Principal } from '@duban/auth';
import type { DataSource, EntityManager } from 'typeorm';

const ORDER_COLUMNS = `id, case_id AS "caseId", unit_id AS "unitId", clock_id AS "clockId", issued_by AS "issuedBy", issued_at AS "issuedAt",
  reason, due_at AS "dueAt", reply_required AS "replyRequired", status, reply, replied_by AS "repliedBy", replied_at AS "repliedAt"`;

/** An order as the API answers it. */
export interface SupervisionOrderView {
  id: string;
  caseId: string;
  unitId: string;
  clockId: string;
  issuedBy: string;
  issuedAt: Date;
  reason: string;
  dueAt: Date;
  replyRequired: boolean;
  status: 'open' | 'replied';
  reply: string | null;
  repliedBy: string | null;
  repliedAt: Date | null;
}

/** 督办单 in escalation's database: the orders, and the clock each one runs. */
export class SupervisionOrdersRepository {
  constructor(private readonly db: DataSource) {}

  async insert(
    tx: EntityManager,
    o: { id: string; caseId: string; unitId: string; clockId: string; by: string; at: Date; reason: string; dueAt: Date; replyRequired: boolean },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO supervision_orders (id, case_id, unit_id, clock_id, issued_by, issued_at, reason, due_at, reply_required) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [o.id, o.caseId, o.unitId, o.clockId, o.by, o.at, o.reason, o.dueAt, o.replyRequired],
    );
  }

  /** The orders the caller may see (all of them for oversight roles, else its unit's), cleared for its level, soonest due first. */
  async list(filter: { caseId?: string; status?: string; everyone: boolean }, principal: Principal): Promise<SupervisionOrderView[]> {
    const params: unknown[] = [filter.caseId ?? null, filter.status ?? null, filter.everyone, principal.unitId];
    const cleared = clearedCases(principal, 'supervision_orders.case_id', params);
    return this.db.query(
      `SELECT ${ORDER_COLUMNS} FROM supervision_orders
        WHERE ($1::uuid IS NULL OR case_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3 OR unit_id = $4) AND ${cleared}
        ORDER BY due_at LIMIT 500`,
      params,
    );
  }

  async find(id: string): Promise<SupervisionOrderView | undefined> {
    const [order] = await this.db.query(`SELECT ${ORDER_COLUMNS} FROM supervision_orders WHERE id = $1`, [id]);
    return order;
  }

  /** The order locked for its reply. */
  async forReply(tx: EntityManager, id: string): Promise<{ case_id: string; unit_id: string; clock_id: string; status: string; due_at: Date } | undefined> {
    const [order] = await tx.query('SELECT case_id, unit_id, clock_id, status, due_at FROM supervision_orders WHERE id = $1 FOR UPDATE', [id]);
    return order;
  }

  /** The reply recorded and the order's clock met (unless it already ran out). */
  async replied(tx: EntityManager, id: string, clockId: string, reply: string, by: string, at: Date): Promise<void> {
    await tx.query(`UPDATE supervision_orders SET status = 'replied', reply = $2, replied_by = $3, replied_at = $4 WHERE id = $1`, [id, reply, by, at]);
    await tx.query(`UPDATE sla_clocks SET state = 'met' WHERE id = $1 AND state = 'running'`, [clockId]);
  }
}
