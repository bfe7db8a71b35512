import { AnyEnvelope, CardIssued, newEvent, RectificationStarted } from '@duban/contracts';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';

export interface CardFacts {
  caseId: string;
  unitId: string;
  /** The clock that ran out, or null for a rejected result. */
  clockId: string | null;
  stage: string;
  kind: 'yellow' | 'red';
  reason: string;
}

/**
 * Issues a card (黄牌 for an overdue or rejected result, 红牌 for an overdue organisation-level case),
 * and starts a rectification (整改) after two consecutive yellow cards when none is open for the unit.
 * Returns the events to enqueue with the caller's change.
 */
export async function issueCard(tx: EntityManager, card: CardFacts, now: Date): Promise<AnyEnvelope[]> {
  const cardId = randomUUID();
  await tx.query(`INSERT INTO unit_cards (id, unit_id, case_id, clock_id, kind, reason, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    cardId,
    card.unitId,
    card.caseId,
    card.clockId,
    card.kind,
    card.reason,
    now,
  ]);
  const events: AnyEnvelope[] = [
    newEvent(CardIssued, {
      caseId: card.caseId,
      unitId: card.unitId,
      occurredAt: now,
      data: { cardId, unitId: card.unitId, kind: card.kind, ...(card.clockId ? { clockId: card.clockId } : {}), stage: card.stage, reason: card.reason },
    }),
  ];
  if (card.kind !== 'yellow') return events;
  const last: { id: string; kind: string }[] = await tx.query('SELECT id, kind FROM unit_cards WHERE unit_id = $1 ORDER BY seq DESC LIMIT 2', [card.unitId]);
  if (last.length < 2 || last.some((c) => c.kind !== 'yellow')) return events;
  const rectificationId = randomUUID();
  const started: unknown[] = await tx.query(
    `INSERT INTO unit_rectifications (id, unit_id, started_at, reason, card_ids) VALUES ($1, $2, $3, 'two consecutive yellow cards', $4::uuid[])
     ON CONFLICT (unit_id) WHERE status = 'open' DO NOTHING RETURNING id`,
    [rectificationId, card.unitId, now, last.map((c) => c.id)],
  );
  if (started.length > 0) {
    events.push(
      newEvent(RectificationStarted, { caseId: card.caseId, unitId: card.unitId, occurredAt: now, data: { rectificationId, unitId: card.unitId, cardIds: last.map((c) => c.id) } }),
    );
  }
  return events;
}
