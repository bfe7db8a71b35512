import { newEvent, TaskChanged, TaskForceFormed } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { Problems, ServiceRuntime } from '@duban/service-defaults';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { childLevel, isoWeek, rollUp, Task, TaskState, TaskUpdate, weeklySummary } from '../domain/task-tree';
import { canDo } from '../domain/workspace';
import { Handling } from './handling';

interface TaskRow {
  id: string;
  parent_id: string | null;
  level: Task['level'];
  title: string;
  owner_unit_id: string;
  owner: string | null;
  due_at: Date;
  progress: number;
  state: TaskState;
  done_at: Date | null;
}

const toTask = (r: TaskRow): Task => ({
  id: r.id,
  parentId: r.parent_id,
  level: r.level,
  title: r.title,
  ownerUnitId: r.owner_unit_id,
  owner: r.owner,
  dueAt: r.due_at,
  progress: r.progress,
  state: r.state,
  doneAt: r.done_at,
});

/** China Standard Time: the week of a weekly dispatch runs Monday to Sunday local time. */
const LOCAL_OFFSET_MINUTES = 480;

/**
 * Task forces (专班) for big matters: members from several units, a three-level task tree with
 * owners and deadlines, progress rolled up, and the weekly dispatch summary (周调度) from the tree.
 */
export class TaskForces {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly handling: Handling,
  ) {}

  async form(principal: Principal, caseId: string, body: { name: string; members: { unitId: string; person?: string }[] }, now: Date) {
    return this.runtime.dataSource.transaction(async (tx) => {
      const ws = await this.handling.liveWorkspace(tx, caseId, true);
      await this.handling.mustSee(tx, principal, ws);
      if (principal.unitId !== ws.unit_id || !hasRole(principal, 'handler', 'unit-head')) throw Problems.forbidden(`Only the lead unit (${ws.unit_id}) forms a task force.`);
      if (!canDo(ws.state, 'form-task-force')) throw Problems.conflict(`A task force is formed while the case is being handled; the workspace is ${ws.state}.`);
      const units = body.members.map((m) => m.unitId);
      if (new Set(units).size !== units.length) throw Problems.field('members', 'each unit is listed once');
      const [existing] = await tx.query(`SELECT id FROM task_forces WHERE case_id = $1`, [caseId]);
      if (existing) throw Problems.conflict(`The case already has a task force (${existing.id}).`);
      const id = randomUUID();
      await tx.query(`INSERT INTO task_forces (id, case_id, name, formed_by, formed_at) VALUES ($1, $2, $3, $4, $5)`, [id, caseId, body.name, principal.username, now]);
      // The lead unit is always a member.
      const members = units.includes(ws.unit_id) ? body.members : [{ unitId: ws.unit_id, person: principal.username }, ...body.members];
      for (const m of members) await tx.query(`INSERT INTO task_force_members (task_force_id, unit_id, person) VALUES ($1, $2, $3)`, [id, m.unitId, m.person ?? null]);
      const event = newEvent(TaskForceFormed, { caseId, unitId: ws.unit_id, occurredAt: now, data: { taskForceId: id, name: body.name, by: principal.username, members: members.map((m) => m.unitId) } });
      await this.handling.record(tx, principal, caseId, now, 'task-force-formed', { taskForceId: id, members: members.map((m) => m.unitId) }, [event]);
      return { id, caseId, name: body.name, members };
    });
  }

  async addTask(principal: Principal, taskForceId: string, body: { parentId?: string; title: string; ownerUnitId: string; owner?: string; dueAt: string }, now: Date) {
    return this.runtime.dataSource.transaction(async (tx) => {
      const force = await this.load(tx, taskForceId, true);
      await this.mustSee(principal, force);
      this.mustLeadOrHead(principal, force);
      if (!force.members.includes(body.ownerUnitId)) throw Problems.field('ownerUnitId', `${body.ownerUnitId} is not a member of the task force (${force.members.join(', ')})`);
      let parent: TaskRow | undefined;
      if (body.parentId) {
        [parent] = await tx.query(`SELECT * FROM tasks WHERE id = $1 AND task_force_id = $2`, [body.parentId, taskForceId]);
        if (!parent) throw Problems.field('parentId', 'no task of this task force has this id');
      }
      const placed = childLevel(parent ? toTask(parent) : null, new Date(body.dueAt), now);
      if ('problem' in placed) throw Problems.field(placed.problem.field, placed.problem.detail);
      const id = randomUUID();
      await tx.query(
        `INSERT INTO tasks (id, task_force_id, parent_id, level, title, owner_unit_id, owner, due_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, taskForceId, body.parentId ?? null, placed.level, body.title, body.ownerUnitId, body.owner ?? null, new Date(body.dueAt), now],
      );
      await this.changed(tx, principal, force, { id, level: placed.level, title: body.title, ownerUnitId: body.ownerUnitId, dueAt: new Date(body.dueAt), progress: 0, state: 'open' }, now, 'task-added');
      return { id, taskForceId, level: placed.level, parentId: body.parentId ?? null, title: body.title, ownerUnitId: body.ownerUnitId, owner: body.owner ?? null, dueAt: new Date(body.dueAt).toISOString(), progress: 0, state: 'open' };
    });
  }

  async updateTask(principal: Principal, taskForceId: string, taskId: string, body: { progress?: number; state?: TaskState; note?: string }, now: Date) {
    return this.runtime.dataSource.transaction(async (tx) => {
      const force = await this.load(tx, taskForceId, false);
      const [task]: TaskRow[] = await tx.query(`SELECT * FROM tasks WHERE id = $1 AND task_force_id = $2 FOR UPDATE`, [taskId, taskForceId]);
      if (!task) throw Problems.notFound('Task');
      await this.mustSee(principal, force);
      const isOwner = principal.unitId === task.owner_unit_id && hasRole(principal, 'handler', 'unit-head');
      if (!isOwner) this.mustLeadOrHead(principal, force);
      if (task.state !== 'open' && body.state !== 'open') throw Problems.conflict(`The task is ${task.state}; reopen it (state "open") to change it.`);
      const state = body.state ?? task.state;
      const progress = state === 'done' ? 100 : body.progress ?? task.progress;
      await tx.query(`UPDATE tasks SET progress = $2, state = $3, done_at = $4 WHERE id = $1`, [taskId, progress, state, state === 'done' ? now : null]);
      await tx.query(`INSERT INTO task_updates (task_id, at, by, progress, state, note) VALUES ($1, $2, $3, $4, $5, $6)`, [
        taskId,
        now,
        principal.username,
        body.progress !== undefined || state === 'done' ? progress : null,
        body.state ?? null,
        body.note ?? null,
      ]);
      await this.changed(tx, principal, force, { id: taskId, level: task.level, title: task.title, ownerUnitId: task.owner_unit_id, dueAt: task.due_at, progress, state }, now, 'task-updated', body.note);
      return { id: taskId, taskForceId, progress, state };
    });
  }

  /** The task force with its tree, each task's progress rolled up from its subtree. */
  async view(principal: Principal, taskForceId: string) {
    const db = this.runtime.dataSource;
    const force = await this.load(db.manager, taskForceId, false);
    await this.mustSee(principal, force);
    const rows: TaskRow[] = await db.query(`SELECT * FROM tasks WHERE task_force_id = $1 ORDER BY created_at, id`, [taskForceId]);
    const tasks = rows.map(toTask);
    const progress = rollUp(tasks);
    const now = Date.now();
    const node = (t: Task): Record<string, unknown> => ({
      id: t.id,
      level: t.level,
      title: t.title,
      ownerUnitId: t.ownerUnitId,
      owner: t.owner,
      dueAt: t.dueAt,
      state: t.state,
      progress: progress.get(t.id) ?? 0,
      overdue: t.state === 'open' && t.dueAt.getTime() < now,
      children: tasks.filter((c) => c.parentId === t.id).map(node),
    });
    const goals = tasks.filter((t) => t.parentId === null);
    const counted = goals.filter((g) => g.state !== 'cancelled');
    return {
      id: force.id,
      caseId: force.case_id,
      name: force.name,
      members: force.memberRows,
      progress: counted.length > 0 ? Math.round(counted.reduce((s, g) => s + (progress.get(g.id) ?? 0), 0) / counted.length) : 0,
      tree: goals.map(node),
    };
  }

  /** 周调度: the weekly dispatch summary for the week containing `at` (default: this week). */
  async weeklySummary(principal: Principal, taskForceId: string, at: Date, now: Date) {
    const db = this.runtime.dataSource;
    const force = await this.load(db.manager, taskForceId, false);
    await this.mustSee(principal, force);
    const rows: TaskRow[] = await db.query(`SELECT * FROM tasks WHERE task_force_id = $1 ORDER BY created_at, id`, [taskForceId]);
    const updates: TaskUpdate[] = (
      await db.query(
        `SELECT u.task_id, u.at, u.by, u.progress, u.state, u.note FROM task_updates u JOIN tasks t ON t.id = u.task_id WHERE t.task_force_id = $1 ORDER BY u.at, u.id`,
        [taskForceId],
      )
    ).map((u: { task_id: string; at: Date; by: string; progress: number | null; state: TaskState | null; note: string | null }) => ({ taskId: u.task_id, at: u.at, by: u.by, progress: u.progress, state: u.state, note: u.note }));
    return { taskForceId, caseId: force.case_id, name: force.name, ...weeklySummary(force, rows.map(toTask), updates, isoWeek(at, LOCAL_OFFSET_MINUTES), now) };
  }

  private async load(tx: EntityManager, id: string, lock: boolean) {
    const [force] = await tx.query(`SELECT id, case_id, name FROM task_forces WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!force) throw Problems.notFound('Task force');
    const memberRows: { unitId: string; person: string | null }[] = await tx.query(`SELECT unit_id AS "unitId", person FROM task_force_members WHERE task_force_id = $1 ORDER BY unit_id`, [id]);
    const ws = await this.handling.liveWorkspace(tx, force.case_id, false);
    return { id: force.id as string, case_id: force.case_id as string, name: force.name as string, members: memberRows.map((m) => m.unitId), memberRows, leadUnitId: ws.unit_id, ws };
  }

  /** The lead unit plans the tree; member units update their own tasks. */
  private mustLeadOrHead(principal: Principal, force: { leadUnitId: string }) {
    if (principal.unitId !== force.leadUnitId || !hasRole(principal, 'handler', 'unit-head')) {
      throw Problems.forbidden(`Only the lead unit (${force.leadUnitId}) plans the task tree; member units update the tasks they own.`);
    }
  }

  private async mustSee(principal: Principal, force: { members: string[]; ws: Parameters<Handling['mustSee']>[2] }) {
    if (principal.unitId && force.members.includes(principal.unitId)) return;
    await this.handling.mustSee(this.runtime.dataSource.manager, principal, force.ws);
  }

  private async changed(
    tx: EntityManager,
    principal: Principal,
    force: { id: string; case_id: string },
    task: { id: string; level: Task['level']; title: string; ownerUnitId: string; dueAt: Date; progress: number; state: TaskState },
    now: Date,
    action: string,
    note?: string,
  ) {
    const event = newEvent(TaskChanged, {
      caseId: force.case_id,
      unitId: task.ownerUnitId,
      occurredAt: now,
      data: { taskForceId: force.id, taskId: task.id, level: task.level, title: task.title, ownerUnitId: task.ownerUnitId, dueAt: task.dueAt.toISOString(), progress: task.progress, state: task.state, by: principal.username },
    });
    await this.handling.record(tx, principal, force.case_id, now, action, { taskForceId: force.id, taskId: task.id, progress: task.progress, state: task.state, note: note ?? null }, [event]);
  }
}
