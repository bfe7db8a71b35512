import { clears, CONFIDENTIALITY, Confidentiality } from '@duban/auth';
import { CaseDuplicateLinked, CaseReceived, CaseView, CreateCaseRequest, newEvent } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { Problems, ServiceRuntime } from '@duban/service-defaults';
import { Attr, currentTraceId, setSpanAttributes } from '@duban/telemetry';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Category } from '../domain/category';
import { classify, urgencyKeywords } from '../domain/classification';
import { boundingBox, DuplicatePolicy, findOriginal, Match, TEXT_RADIUS_FACTOR } from '../domain/duplicates';
import { CaseRepository } from '../infrastructure/case.repository';

export type Channel = NonNullable<CreateCaseRequest['channel']>;

/** POST /api/v1/cases/preview: what filing would do. */
export interface CasePreview {
  category: { code: string; nameZh: string; nameEn: string };
  tier: CaseView['tier'];
  matched: string[];
  urgency: string[];
  duplicateOf: null | {
    caseId: string;
    title: string;
    status: CaseView['status'];
    unitId: string | null;
    unitName: string | null;
    reason: Match['reason'];
    distanceMeters?: number;
    similarity?: number;
  };
}

/** Channels whose reports may repeat an open case; leader and inspection cases are directives, never merged. */
const DEDUPLICATED: ReadonlySet<Channel> = new Set(['web', 'app', 'hotline', 'open311', 'import']);

export interface Filing {
  body: CreateCaseRequest;
  channel: Channel;
  reporter: { subject: string; username: string };
  /** Contact details kept in intake only (hotline caller, Open311 reporter), never put on events. */
  contact?: Record<string, string>;
  /** A retried request under this key returns the first case (the caller checked the hash already). */
  idempotency?: { subject: string; key: string; requestHash: string };
  /** Where the case came from outside Duban (an import row, an Open311 client's id). */
  sourceReference?: string;
  /** The filer's clearance (public when absent): a report is never linked to a case above it. */
  clearance?: Confidentiality;
  /** More of the channel's own rows, written in the case's transaction (Open311: media, attributes, a token). */
  alsoWrite?: (tx: EntityManager, caseId: string) => Promise<void>;
}

/**
 * 受理 for every channel: classifies, stores the case, its view and its
 * case.received event in one transaction. Returns undefined when an
 * idempotency key had already been claimed by a concurrent request.
 */
export class CaseIntake {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly cases: CaseRepository,
    private readonly duplicates: DuplicatePolicy,
  ) {}

  async file(f: Filing): Promise<CaseView | undefined> {
    const { body, channel } = f;
    const text = `${body.title}\n${body.description}`;
    const { category, matched } = await this.categoryOf(body.category, text);
    // Urgency and safety words make any case an emergency, whatever its category's default.
    const urgency = urgencyKeywords(text);
    const tier = body.tier ?? (urgency.length > 0 ? 'immediate' : category.tier);
    const id = randomUUID();
    const traceId = currentTraceId() ?? null;
    setSpanAttributes({ [Attr.caseId]: id, [Attr.category]: category.code, [Attr.tier]: tier });
    const receivedAt = new Date();
    const sourceReference = body.sourceReference ?? f.sourceReference;
    const event = newEvent(CaseReceived, {
      caseId: id,
      unitId: null,
      occurredAt: receivedAt,
      data: {
        title: body.title,
        description: body.description,
        category: category.code,
        tier,
        channel,
        reporter: { subject: f.reporter.subject, username: f.reporter.username },
        ...(body.location ? { location: body.location } : {}),
        receivedAt: receivedAt.toISOString(),
        ...(traceId ? { traceId } : {}),
        ...(sourceReference ? { sourceReference } : {}),
        confidentiality: body.confidentiality ?? 'public',
        classification: {
          method: body.category ? 'explicit' : 'keywords',
          keywords: matched,
          urgency,
          ...(body.tier ? { explicitTier: true } : {}),
        },
      },
    });
    const how = [
      body.tier ? `priority set explicitly` : '',
      sourceReference ? `source: ${sourceReference}` : '',
      body.caller ? `for caller ${body.caller.name}` : '',
      matched.length > 0 ? `category recognised from: ${matched.join(', ')}` : '',
      urgency.length > 0 ? `immediate because of: ${urgency.join(', ')}` : '',
    ].filter(Boolean);
    const summary = `Received via ${channel}: ${category.nameEn} (${category.nameZh}), tier ${tier}${how.length ? ` (${how.join('; ')})` : ''}`;
    let linkedTo: string | null = null;
    let receipt = summary;
    const created = await this.runtime.dataSource.transaction(async (tx) => {
      if (f.idempotency) {
        // Concurrent retries with one key meet here: the second waits for the first to commit, then finds its row.
        const claimed = await tx.query(
          `INSERT INTO idempotency_keys (subject, key, request_hash, case_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT (subject, key) DO NOTHING RETURNING case_id`,
          [f.idempotency.subject, f.idempotency.key, f.idempotency.requestHash, id],
        );
        if (claimed.length === 0) return false;
      }
      const match = await this.openOriginal(tx, body, category.code, channel, f.clearance, true);
      linkedTo = match?.originalId ?? null;
      const why = match
        ? match.reason === 'place'
          ? `same category ${match.distanceMeters} m away`
          : `near-identical text (similarity ${match.similarity})`
        : '';
      receipt = match ? `${summary}; linked to the open case ${match.originalId} (${why}) and follows its progress` : summary;
      await this.cases.insert(
        tx,
        {
          ...body,
          ...(f.contact ? { caller: f.contact as CreateCaseRequest['caller'] } : {}),
          sourceReference,
          id,
          category: category.code,
          tier,
          channel,
          reporterSubject: f.reporter.subject,
          reporterUsername: f.reporter.username,
          receivedAt,
          traceId,
          duplicateOf: match?.originalId ?? null,
        },
        receipt,
        event.id,
      );
      await f.alsoWrite?.(tx, id);
      if (!match) {
        await enqueue(tx, this.runtime.topic, [event]);
        return 'received';
      }
      // A repeat is not handled twice: no case.received, a link and a line on the original's timeline.
      const linked = newEvent(CaseDuplicateLinked, {
        caseId: id,
        unitId: null,
        occurredAt: receivedAt,
        data: {
          originalId: match.originalId,
          reason: match.reason,
          ...(match.distanceMeters !== undefined ? { distanceMeters: match.distanceMeters } : {}),
          ...(match.similarity !== undefined ? { similarity: match.similarity } : {}),
          category: category.code,
          channel,
        },
      });
      await tx.query(
        `INSERT INTO case_links (id, case_id, original_id, reason, distance_meters, similarity) VALUES ($1, $2, $3, $4, $5, $6)`,
        [randomUUID(), id, match.originalId, match.reason, match.distanceMeters ?? null, match.similarity ?? null],
      );
      await this.cases.noteStep(tx, { eventId: linked.id, caseId: match.originalId, type: linked.type, occurredAt: receivedAt, summary: `Reported again as case ${id} via ${channel} (${why}); linked here` });
      await enqueue(tx, this.runtime.topic, [linked]);
      return 'linked';
    });
    if (!created) return undefined;
    this.runtime.relay.wake();
    // The case as it was received (a linked report names its original; reading it shows the original's progress).
    return {
      id,
      title: body.title,
      description: body.description,
      category: category.code,
      tier,
      channel,
      confidentiality: body.confidentiality ?? 'public',
      status: 'received',
      unitId: null,
      unitName: null,
      assignee: null,
      deadline: null,
      receivedAt: receivedAt.toISOString(),
      traceId,
      duplicateOf: created === 'linked' ? linkedTo : null,
      timeline: [{ eventId: event.id, type: event.type, source: 'intake', occurredAt: event.occurredAt, unitId: null, summary: receipt }],
    };
  }

  /**
   * The open case a report would be linked to, searched as filing does. `lock`: reports of one
   * category near one place decide one at a time, so two reports of one matter arriving together
   * cannot both become originals (the cell is ~1 km; two reports straddling a cell edge at the same
   * instant may both stay); a preview reads without it.
   */
  private async openOriginal(
    tx: EntityManager,
    body: CreateCaseRequest,
    category: string,
    channel: Channel,
    clearance: Confidentiality | undefined,
    lock: boolean,
  ): Promise<Match | undefined> {
    const enabled = this.duplicates.radiusMeters > 0 || this.duplicates.textSimilarity <= 1;
    if (!enabled || !DEDUPLICATED.has(channel) || body.tier) return undefined;
    const point = body.location?.point;
    if (lock) {
      const cell = point ? `${Math.floor(point.lat * 100)}:${Math.floor(point.lon * 100)}` : 'unplaced';
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`duplicates:${category}:${cell}`]);
    }
    // Text matches reach TEXT_RADIUS_FACTOR radii, place matches one: one range scan covers both.
    const box = point && this.duplicates.radiusMeters > 0 ? boundingBox(point, TEXT_RADIUS_FACTOR * this.duplicates.radiusMeters) : undefined;
    // The originals it may follow: no more confidential than the report and than its filer's clearance.
    const levels = CONFIDENTIALITY.filter((l) => clears(body.confidentiality ?? 'public', l) && clears(clearance ?? 'public', l));
    const candidates = await this.cases.duplicateCandidates(tx, { category, windowHours: this.duplicates.windowHours, box, levels });
    return findOriginal({ category, point, text: `${body.title} ${body.description}` }, candidates, this.duplicates);
  }

  /**
   * What filing this request would do, without filing it (the console's intake form asks before
   * submit): the category recognised from the text (or the one named), the tier, the words that
   * decided both, and the open case it would be linked to. Nothing is written.
   */
  async preview(body: CreateCaseRequest, channel: Channel, clearance: Confidentiality | undefined): Promise<CasePreview> {
    const text = `${body.title}\n${body.description}`;
    const { category, matched } = await this.categoryOf(body.category, text);
    const urgency = urgencyKeywords(text);
    const tier = body.tier ?? (urgency.length > 0 ? 'immediate' : category.tier);
    const match = await this.runtime.dataSource.transaction('REPEATABLE READ', (tx) => this.openOriginal(tx, body, category.code, channel, clearance, false));
    const original = match ? await this.cases.find(match.originalId) : undefined;
    return {
      category: { code: category.code, nameZh: category.nameZh, nameEn: category.nameEn },
      tier,
      matched,
      urgency,
      duplicateOf: match && original
        ? {
            caseId: match.originalId,
            title: original.view.title,
            status: original.view.status,
            unitId: original.view.unitId,
            unitName: original.view.unitName,
            reason: match.reason,
            ...(match.distanceMeters !== undefined ? { distanceMeters: match.distanceMeters } : {}),
            ...(match.similarity !== undefined ? { similarity: match.similarity } : {}),
          }
        : null,
    };
  }

  /** The category named in the request, or the one its text's keywords point to. */
  async categoryOf(code: string | undefined, text: string, field = 'category'): Promise<{ category: Category; matched: string[] }> {
    const categories = await this.cases.allCategories();
    if (code) {
      const category = categories.get(code);
      if (!category) throw Problems.validation([{ pointer: `/${field}`, field, detail: `unknown category "${code}"` }]);
      return { category, matched: [] };
    }
    const found = classify(text, [...categories.values()]);
    if (!found) {
      throw Problems.validation([
        { pointer: `/${field}`, field, detail: 'no category could be recognised in the title or description; name one' },
      ]);
    }
    return { category: categories.get(found.category)!, matched: found.matched };
  }
}
