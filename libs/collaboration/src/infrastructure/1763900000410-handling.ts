import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The handling workspace in full: sign-for, waiting on the reporter, results and their review,
 * notes with attachments, cooperating units, co-signing, task forces, and the decision trail.
 */
export class Handling1763900000410 implements MigrationInterface {
  name = 'Handling1763900000410';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE workspaces DROP CONSTRAINT workspaces_state_check`);
    await q.query(`ALTER TABLE workspaces ADD CONSTRAINT workspaces_state_check
      CHECK (state IN ('awaiting-sign-for', 'in-progress', 'waiting-on-reporter', 'result-submitted', 'resolved', 'withdrawn'))`);
    await q.query(`ALTER TABLE workspaces
      ADD COLUMN tier text NOT NULL DEFAULT 'general',
      ADD COLUMN signed_by text, ADD COLUMN signed_at timestamptz,
      ADD COLUMN paused_at timestamptz, ADD COLUMN pause_reason text,
      ADD COLUMN resolved_at timestamptz`);

    await q.query(`
      CREATE TABLE attachments (
        id           uuid PRIMARY KEY,
        case_id      uuid NOT NULL,
        unit_id      text NOT NULL,
        name         text NOT NULL,
        content_type text NOT NULL,
        size         integer NOT NULL,
        sha256       text NOT NULL,
        uploaded_by  text NOT NULL,
        uploaded_at  timestamptz NOT NULL,
        -- What it was attached to (a note, a result, a reply); null until then.
        used_by      uuid
      )`);
    await q.query(`CREATE INDEX attachments_case ON attachments (case_id)`);

    await q.query(`
      CREATE TABLE notes (
        id         uuid PRIMARY KEY,
        case_id    uuid NOT NULL,
        unit_id    text NOT NULL,
        author     text NOT NULL,
        text       text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX notes_case ON notes (case_id, created_at)`);

    await q.query(`
      CREATE TABLE results (
        id            uuid PRIMARY KEY,
        case_id       uuid NOT NULL,
        workspace_id  uuid NOT NULL REFERENCES workspaces (id),
        unit_id       text NOT NULL,
        summary       text NOT NULL,
        submitted_by  text NOT NULL,
        submitted_at  timestamptz NOT NULL,
        state         text NOT NULL DEFAULT 'submitted' CHECK (state IN ('submitted', 'accepted', 'rejected')),
        reviewed_by   text,
        reviewed_at   timestamptz,
        review_reason text
      )`);
    await q.query(`CREATE INDEX results_case ON results (case_id, submitted_at)`);

    await q.query(`
      CREATE TABLE assists (
        id                   uuid PRIMARY KEY,
        case_id              uuid NOT NULL,
        lead_unit_id         text NOT NULL,
        unit_id              text NOT NULL,
        request              text NOT NULL,
        requested_by         text NOT NULL,
        requested_at         timestamptz NOT NULL,
        reply_within_minutes integer NOT NULL,
        due_at               timestamptz,
        state                text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'extension-requested', 'replied', 'declined', 'cancelled')),
        reply                text,
        replied_by           text,
        replied_at           timestamptz,
        decline_reason       text,
        extension_until      timestamptz,
        extension_reason     text,
        reminders            integer NOT NULL DEFAULT 0,
        last_reminded_at     timestamptz
      )`);
    // One open request per cooperating unit and case.
    await q.query(`CREATE UNIQUE INDEX assists_one_open ON assists (case_id, unit_id) WHERE state IN ('open', 'extension-requested')`);
    await q.query(`CREATE INDEX assists_unit ON assists (unit_id, state)`);

    await q.query(`
      CREATE TABLE cosigns (
        id          uuid PRIMARY KEY,
        case_id     uuid NOT NULL,
        solution    text NOT NULL,
        units       text[] NOT NULL,
        state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'agreed', 'rejected', 'superseded')),
        proposed_by text NOT NULL,
        proposed_at timestamptz NOT NULL,
        closed_at   timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX cosigns_one_open ON cosigns (case_id) WHERE state = 'open'`);
    await q.query(`CREATE INDEX cosigns_units ON cosigns USING gin (units)`);
    await q.query(`
      CREATE TABLE cosign_decisions (
        cosign_id  uuid NOT NULL REFERENCES cosigns (id),
        unit_id    text NOT NULL,
        decision   text NOT NULL CHECK (decision IN ('approve', 'reject')),
        reason     text,
        decided_by text NOT NULL,
        decided_at timestamptz NOT NULL,
        PRIMARY KEY (cosign_id, unit_id)
      )`);

    await q.query(`
      CREATE TABLE task_forces (
        id        uuid PRIMARY KEY,
        case_id   uuid NOT NULL UNIQUE,
        name      text NOT NULL,
        formed_by text NOT NULL,
        formed_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE task_force_members (
        task_force_id uuid NOT NULL REFERENCES task_forces (id),
        unit_id       text NOT NULL,
        person        text,
        PRIMARY KEY (task_force_id, unit_id)
      )`);
    await q.query(`
      CREATE TABLE tasks (
        id            uuid PRIMARY KEY,
        task_force_id uuid NOT NULL REFERENCES task_forces (id),
        parent_id     uuid REFERENCES tasks (id),
        level         text NOT NULL CHECK (level IN ('goal', 'sub-project', 'action')),
        title         text NOT NULL,
        owner_unit_id text NOT NULL,
        owner         text,
        due_at        timestamptz NOT NULL,
        progress      integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
        state         text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'cancelled')),
        created_at    timestamptz NOT NULL,
        done_at       timestamptz
      )`);
    await q.query(`CREATE INDEX tasks_force ON tasks (task_force_id)`);
    await q.query(`
      CREATE TABLE task_updates (
        id       bigserial PRIMARY KEY,
        task_id  uuid NOT NULL REFERENCES tasks (id),
        at       timestamptz NOT NULL,
        by       text NOT NULL,
        progress integer,
        state    text,
        note     text
      )`);
    await q.query(`CREATE INDEX task_updates_task ON task_updates (task_id, at)`);

    // 决策留痕: every action on the workspace, append-only.
    await q.query(`
      CREATE TABLE workspace_trail (
        id      bigserial PRIMARY KEY,
        case_id uuid NOT NULL,
        at      timestamptz NOT NULL,
        by      text NOT NULL,
        unit_id text,
        action  text NOT NULL,
        detail  jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX workspace_trail_case ON workspace_trail (case_id, id)`);
    await q.query(`CREATE FUNCTION workspace_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the workspace trail is append-only'; END $$`);
    await q.query(`CREATE TRIGGER workspace_trail_append_only BEFORE UPDATE OR DELETE ON workspace_trail
      FOR EACH ROW EXECUTE FUNCTION workspace_trail_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE workspace_trail CASCADE');
    await q.query('DROP FUNCTION workspace_trail_append_only');
    await q.query('DROP TABLE task_updates, tasks, task_force_members, task_forces, cosign_decisions, cosigns, assists, results, notes, attachments');
    await q.query(`ALTER TABLE workspaces DROP COLUMN tier, DROP COLUMN signed_by, DROP COLUMN signed_at, DROP COLUMN paused_at, DROP COLUMN pause_reason, DROP COLUMN resolved_at`);
  }
}
