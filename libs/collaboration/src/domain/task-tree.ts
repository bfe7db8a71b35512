/** A task force's three-level task tree (goal → sub-project → action item) and its weekly summary (周调度). */
export type TaskLevel = 'goal' | 'sub-project' | 'action';
export type TaskState = 'open' | 'done' | 'cancelled';

export interface Task {
  id: string;
  parentId: string | null;
  level: TaskLevel;
  title: string;
  ownerUnitId: string;
  owner: string | null;
  dueAt: Date;
  progress: number;
  state: TaskState;
  doneAt: Date | null;
}

export interface TaskUpdate {
  taskId: string;
  at: Date;
  by: string;
  progress: number | null;
  state: TaskState | null;
  note: string | null;
}

const CHILD_LEVEL: Record<TaskLevel | 'root', TaskLevel | null> = { root: 'goal', goal: 'sub-project', 'sub-project': 'action', action: null };

/** The level a new task gets under `parent`, or why it cannot go there. */
export function childLevel(parent: Pick<Task, 'level' | 'dueAt' | 'state'> | null, dueAt: Date, now: Date): { level: TaskLevel } | { problem: { field: string; detail: string } } {
  const level = CHILD_LEVEL[parent?.level ?? 'root'];
  if (!level) return { problem: { field: 'parentId', detail: 'an action item cannot have tasks below it (three levels: goal → sub-project → action item)' } };
  if (parent && parent.state !== 'open') return { problem: { field: 'parentId', detail: `the parent task is ${parent.state}` } };
  if (!(dueAt.getTime() > now.getTime())) return { problem: { field: 'dueAt', detail: 'must lie in the future' } };
  if (parent && dueAt.getTime() > parent.dueAt.getTime()) {
    return { problem: { field: 'dueAt', detail: `must not lie after the parent task's deadline (${parent.dueAt.toISOString()})` } };
  }
  return { level };
}

/** Progress of every task with its subtree rolled up: a task with children is the mean of its open and done children. */
export function rollUp(tasks: readonly Task[]): Map<string, number> {
  const children = new Map<string, Task[]>();
  for (const t of tasks) if (t.parentId) children.set(t.parentId, [...(children.get(t.parentId) ?? []), t]);
  const memo = new Map<string, number>();
  const progressOf = (t: Task): number => {
    const known = memo.get(t.id);
    if (known !== undefined) return known;
    const counted = (children.get(t.id) ?? []).filter((c) => c.state !== 'cancelled');
    const value = t.state === 'done' ? 100 : counted.length > 0 ? Math.round(counted.reduce((s, c) => s + progressOf(c), 0) / counted.length) : t.progress;
    memo.set(t.id, value);
    return value;
  };
  tasks.forEach(progressOf);
  return memo;
}

export interface WeeklySummary {
  week: string;
  from: string;
  to: string;
  overallProgress: number;
  goals: { id: string; title: string; ownerUnitId: string; dueAt: string; progress: number; state: TaskState; subProjects: { id: string; title: string; progress: number; state: TaskState }[] }[];
  completed: SummaryItem[];
  progressed: (SummaryItem & { from: number; to: number; notes: string[] })[];
  overdue: (SummaryItem & { daysOverdue: number })[];
  dueNextWeek: SummaryItem[];
  units: { unitId: string; open: number; done: number; overdue: number }[];
  markdown: string;
}

export interface SummaryItem {
  id: string;
  level: TaskLevel;
  title: string;
  ownerUnitId: string;
  owner: string | null;
  dueAt: string;
  progress: number;
}

const DAY = 86_400_000;

/** ISO week label (e.g. 2026-W48) of a local date, and the UTC instants of that week's Monday 00:00 and next Monday 00:00 local time. */
export function isoWeek(at: Date, utcOffsetMinutes: number): { week: string; from: Date; to: Date } {
  const local = new Date(at.getTime() + utcOffsetMinutes * 60_000);
  const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const weekday = (local.getUTCDay() + 6) % 7; // Monday 0
  const monday = midnight - weekday * DAY;
  const thursday = new Date(monday + 3 * DAY);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const weekNo = Math.floor((thursday.getTime() - yearStart) / DAY / 7) + 1;
  const shift = utcOffsetMinutes * 60_000;
  return { week: `${thursday.getUTCFullYear()}-W${String(weekNo).padStart(2, '0')}`, from: new Date(monday - shift), to: new Date(monday + 7 * DAY - shift) };
}

/** The weekly dispatch summary (周调度) of a task force for the week [from, to), generated from its tree and its updates. */
export function weeklySummary(
  taskForce: { name: string },
  tasks: readonly Task[],
  updates: readonly TaskUpdate[],
  week: { week: string; from: Date; to: Date },
  now: Date,
): WeeklySummary {
  const progress = rollUp(tasks);
  const item = (t: Task): SummaryItem => ({ id: t.id, level: t.level, title: t.title, ownerUnitId: t.ownerUnitId, owner: t.owner, dueAt: t.dueAt.toISOString(), progress: progress.get(t.id) ?? 0 });
  const inWeek = (d: Date) => d.getTime() >= week.from.getTime() && d.getTime() < week.to.getTime();
  // "Overdue" and "due next week" are seen from the end of the week, or from now while the week runs.
  const asOf = new Date(Math.min(now.getTime(), week.to.getTime()));
  const goals = tasks.filter((t) => t.level === 'goal' && t.state !== 'cancelled');
  const counted = goals.length > 0 ? goals : tasks.filter((t) => t.state !== 'cancelled');
  const overallProgress = counted.length > 0 ? Math.round(counted.reduce((s, t) => s + (progress.get(t.id) ?? 0), 0) / counted.length) : 0;

  const progressed = new Map<string, { from: number; to: number; notes: string[] }>();
  const weekUpdates = updates.filter((u) => inWeek(u.at)).sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const u of weekUpdates) {
    if (u.progress === null && !u.note) continue;
    const before = updates.filter((p) => p.taskId === u.taskId && p.at.getTime() < week.from.getTime() && p.progress !== null).pop();
    const entry = progressed.get(u.taskId) ?? { from: before?.progress ?? 0, to: before?.progress ?? 0, notes: [] };
    if (u.progress !== null) entry.to = u.progress;
    if (u.note) entry.notes.push(u.note);
    progressed.set(u.taskId, entry);
  }
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const summary: Omit<WeeklySummary, 'markdown'> = {
    week: week.week,
    from: week.from.toISOString(),
    to: week.to.toISOString(),
    overallProgress,
    goals: goals.map((g) => ({
      id: g.id,
      title: g.title,
      ownerUnitId: g.ownerUnitId,
      dueAt: g.dueAt.toISOString(),
      progress: progress.get(g.id) ?? 0,
      state: g.state,
      subProjects: tasks.filter((s) => s.parentId === g.id && s.state !== 'cancelled').map((s) => ({ id: s.id, title: s.title, progress: progress.get(s.id) ?? 0, state: s.state })),
    })),
    completed: tasks.filter((t) => t.state === 'done' && t.doneAt && inWeek(t.doneAt)).map(item),
    progressed: [...progressed.entries()].filter(([id]) => byId.has(id)).map(([id, p]) => ({ ...item(byId.get(id)!), ...p })),
    overdue: tasks
      .filter((t) => t.state === 'open' && t.dueAt.getTime() < asOf.getTime())
      .map((t) => ({ ...item(t), daysOverdue: Math.ceil((asOf.getTime() - t.dueAt.getTime()) / DAY) }))
      .sort((a, b) => b.daysOverdue - a.daysOverdue),
    dueNextWeek: tasks
      .filter((t) => t.state === 'open' && t.dueAt.getTime() >= asOf.getTime() && t.dueAt.getTime() < week.to.getTime() + 7 * DAY)
      .map(item)
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt)),
    units: [...new Set(tasks.map((t) => t.ownerUnitId))].sort().map((unitId) => {
      const mine = tasks.filter((t) => t.ownerUnitId === unitId);
      return {
        unitId,
        open: mine.filter((t) => t.state === 'open').length,
        done: mine.filter((t) => t.state === 'done').length,
        overdue: mine.filter((t) => t.state === 'open' && t.dueAt.getTime() < asOf.getTime()).length,
      };
    }),
  };
  return { ...summary, markdown: renderSummary(taskForce.name, summary) };
}

function renderSummary(name: string, s: Omit<WeeklySummary, 'markdown'>): string {
  const day = (iso: string) => iso.slice(0, 10);
  const lines = [`# ${name} — 周调度 weekly dispatch ${s.week}`, '', `Overall progress: **${s.overallProgress} %**`, '', '## Goals'];
  for (const g of s.goals) {
    lines.push(`- ${g.title} (${g.ownerUnitId}, due ${day(g.dueAt)}): ${g.progress} %${g.state === 'done' ? ' — done' : ''}`);
    for (const p of g.subProjects) lines.push(`  - ${p.title}: ${p.progress} %${p.state === 'done' ? ' — done' : ''}`);
  }
  const section = (title: string, rows: string[]) => lines.push('', `## ${title}`, ...(rows.length > 0 ? rows : ['- none']));
  section('Completed this week', s.completed.map((t) => `- ${t.title} (${t.ownerUnitId})`));
  section('Progress this week', s.progressed.map((t) => `- ${t.title} (${t.ownerUnitId}): ${t.from} % → ${t.to} %${t.notes.length > 0 ? ` — ${t.notes.join('; ')}` : ''}`));
  section('Overdue', s.overdue.map((t) => `- ${t.title} (${t.ownerUnitId}${t.owner ? `, ${t.owner}` : ''}): due ${day(t.dueAt)}, ${t.daysOverdue} day(s) late, ${t.progress} %`));
  section('Due next week', s.dueNextWeek.map((t) => `- ${t.title} (${t.ownerUnitId}): due ${day(t.dueAt)}, ${t.progress} %`));
  section('By unit', s.units.map((u) => `- ${u.unitId}: ${u.open} open, ${u.done} done, ${u.overdue} overdue`));
  return lines.join('\n');
}
