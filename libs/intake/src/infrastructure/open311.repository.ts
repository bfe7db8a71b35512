import type { DataSource, EntityManager } from 'typeorm';
import { EventOf, newEvent, RatingSubmitted } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Channels whose cases are public 311 reports; hotline, leader, inspection and import cases never are. */
export const PUBLIC_CHANNELS = ['web', 'app', 'open311'];

export interface RequestRow {
  id: string;
  category: string;
  description: string;
  location: { address?: string; point?: { lat: number; lon: number }; district?: string } | null;
  media_url: string | null;
  received_at: Date;
  status: string;
  unit_name: string | null;
  deadline: Date | null;
  updated_at: Date | null;
  channel: string;
}

export interface RequestFilter {
  ids?: string[];
  serviceCodes?: string[];
  start: Date;
  end: Date;
  statuses?: ('open' | 'closed')[];
  limit: number;
}

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

/** Open311's data in intake: client keys, and the public view of cases (a linked duplicate shows its original's progress). */
export class Open311Repository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly topic = 'duban.intake.events',
  ) {}

  /** A rating through Open311, passed on to assessment (the outbox, like every event of intake). */
  async submitRating(caseId: string, data: { reporterSubject: string; level: EventOf<typeof RatingSubmitted>['data']['level']; comment?: string; via: 'open311' }): Promise<void> {
    await this.dataSource.transaction((tx) => enqueue(tx, this.topic, [newEvent(RatingSubmitted, { caseId, unitId: null, data })]));
  }

  /** A new client and its key; only the key's hash is kept, so this is the one time it is shown. */
  async createClient(name: string, by: string, answersWithToken = false): Promise<{ id: string; name: string; apiKey: string; keyPrefix: string; answersWithToken: boolean }> {
    const apiKey = `o311_${randomBytes(24).toString('hex')}`;
    const id = randomUUID();
    const keyPrefix = apiKey.slice(0, 9);
    await this.dataSource.query(
      'INSERT INTO open311_clients (id, name, key_hash, key_prefix, created_by, answers_with_token) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, name, hash(apiKey), keyPrefix, by, answersWithToken],
    );
    return { id, name, apiKey, keyPrefix, answersWithToken };
  }

  async listClients(): Promise<unknown[]> {
    return this.dataSource.query(
      `SELECT id, name, key_prefix AS "keyPrefix", created_by AS "createdBy", created_at AS "createdAt",
              last_used_at AS "lastUsedAt", revoked_at AS "revokedAt", revoked_by AS "revokedBy", answers_with_token AS "answersWithToken"
         FROM open311_clients ORDER BY created_at`,
    );
  }

  async revokeClient(id: string, by: string): Promise<boolean> {
    const [, count] = await this.dataSource.query(
      'UPDATE open311_clients SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL',
      [id, by],
    );
    return count > 0;
  }

  /** The client an API key belongs to, unless it was revoked. */
  async clientFor(apiKey: string): Promise<{ id: string; name: string; answersWithToken: boolean } | undefined> {
    const [row] = await this.dataSource.query(
      `UPDATE open311_clients SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL
       RETURNING id, name, answers_with_token AS "answersWithToken"`,
      [hash(apiKey)],
    );
    return row?.[0];
  }

  /** What an Open311 POST adds to its case, in the case's own transaction: the media URL, the attribute values, a token. */
  async addToCase(tx: EntityManager, caseId: string, extra: { mediaUrl?: string; attributes?: Record<string, unknown>; token?: { token: string; clientId: string } }): Promise<void> {
    if (extra.mediaUrl || (extra.attributes && Object.keys(extra.attributes).length > 0)) {
      await tx.query('UPDATE cases SET media_url = coalesce($2, media_url), open311_attributes = $3::jsonb WHERE id = $1', [
        caseId,
        extra.mediaUrl ?? null,
        extra.attributes && Object.keys(extra.attributes).length > 0 ? JSON.stringify(extra.attributes) : null,
      ]);
    }
    if (extra.token) await tx.query('INSERT INTO open311_tokens (token, client_id, case_id) VALUES ($1, $2, $3)', [extra.token.token, extra.token.clientId, caseId]);
  }

  /** The public request a token stands for (GET tokens/{token}); undefined: no such token, or its case is not public. */
  async requestOfToken(token: string): Promise<string | undefined> {
    const [row]: { case_id: string }[] = await this.dataSource.query(
      `SELECT t.case_id FROM open311_tokens t JOIN cases c ON c.id = t.case_id WHERE t.token = $1 AND c.confidentiality = 'public'`,
      [token],
    );
    return row?.case_id;
  }

  async requests(filter: RequestFilter): Promise<RequestRow[]> {
    const params: unknown[] = [PUBLIC_CHANNELS, filter.start, filter.end];
    // The public feed shows public cases only: a private report (internal) or a classified case (secret) is never in it.
    const where = ['c.channel = ANY($1)', 'c.received_at >= $2', 'c.received_at <= $3', `c.confidentiality = 'public'`];
    if (filter.ids) {
      params.push(filter.ids);
      where.push(`c.id = ANY($${params.length}::uuid[])`);
    }
    if (filter.serviceCodes) {
      params.push(filter.serviceCodes);
      where.push(`c.category = ANY($${params.length})`);
    }
    if (filter.statuses && filter.statuses.length === 1) {
      where.push(filter.statuses[0] === 'closed' ? `v.status IN ('resolved', 'closed')` : `v.status NOT IN ('resolved', 'closed')`);
    }
    params.push(filter.limit);
    return this.dataSource.query(
      `SELECT c.id, c.category, c.description, c.location, c.media_url, c.received_at, c.channel,
              v.status, v.unit_name, v.deadline, v.updated_at
         FROM cases c JOIN case_views v ON v.case_id = coalesce(c.duplicate_of, c.id)
        WHERE ${where.join(' AND ')}
        ORDER BY c.received_at DESC LIMIT $${params.length}`,
      params,
    );
  }
}
