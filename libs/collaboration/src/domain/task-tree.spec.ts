import { childLevel, isoWeek, rollUp, Task, TaskUpdate, weeklySummary } from './task-tree';

const at = (s: string) => new Date(s);
const task = (t: Partial<Task> & Pick<Task, 'id' | 'level'>): Task => ({
  parentId: null,
  title: t.id,
  ownerUnitId: 'water',
  owner: null,
  dueAt: at('2026-12-31T10:00:00Z'),
  progress: 0,
  state: 'open',
  doneAt: null,
  ...t,
});

describe('the task tree', () => {
  const now = at('2026-11-23T02:00:00Z');

  it('has three levels: goal, sub-project, action item — and no fourth', () => {
    const due = at('2026-12-01T00:00:00Z');
    expect(childLevel(null, due, now)).toEqual({ level: 'goal' });
    expect(childLevel(task({ id: 'g', level: 'goal' }), due, now)).toEqual({ level: 'sub-project' });
    expect(childLevel(task({ id: 's', level: 'sub-project' }), due, now)).toEqual({ level: 'action' });
    expect(childLevel(task({ id: 'a', level: 'action' }), due, now)).toMatchObject({ problem: { field: 'parentId' } });
  });

  it('refuses deadlines in the past or after the parent', () => {
    expect(childLevel(null, at('2026-11-22T00:00:00Z'), now)).toMatchObject({ problem: { field: 'dueAt', detail: 'must lie in the future' } });
    const parent = task({ id: 'g', level: 'goal', dueAt: at('2026-12-01T00:00:00Z') });
    expect(childLevel(parent, at('2026-12-02T00:00:00Z'), now)).toMatchObject({ problem: { field: 'dueAt' } });
    expect(childLevel({ ...parent, state: 'done' }, at('2026-11-30T00:00:00Z'), now)).toMatchObject({ problem: { field: 'parentId' } });
  });

  it('rolls progress up: done counts 100, cancelled children do not count', () => {
    const tasks = [
      task({ id: 'g', level: 'goal' }),
      task({ id: 's1', level: 'sub-project', parentId: 'g' }),
      task({ id: 's2', level: 'sub-project', parentId: 'g', progress: 40 }),
      task({ id: 'a1', level: 'action', parentId: 's1', state: 'done' }),
      task({ id: 'a2', level: 'action', parentId: 's1', progress: 50 }),
      task({ id: 'a3', level: 'action', parentId: 's1', state: 'cancelled', progress: 0 }),
    ];
    const p = rollUp(tasks);
    expect(p.get('s1')).toBe(75);
    expect(p.get('s2')).toBe(40);
    expect(p.get('g')).toBe(58); // (75 + 40) / 2 rounded
  });
});

describe('the weekly summary (周调度)', () => {
  it('lists what was completed, progressed, is overdue and due next week, per unit', () => {
    const week = isoWeek(at('2026-11-25T04:00:00Z'), 480); // Wednesday in China
    expect(week.week).toBe('2026-W48');
    expect(week.from.toISOString()).toBe('2026-11-22T16:00:00.000Z'); // Monday 00:00 +08:00
    const tasks = [
      task({ id: 'g', level: 'goal', title: 'Stop the flooding' }),
      task({ id: 's', level: 'sub-project', parentId: 'g', title: 'Drainage', ownerUnitId: 'public-works' }),
      task({ id: 'a1', level: 'action', parentId: 's', title: 'Clear drains', state: 'done', doneAt: at('2026-11-24T03:00:00Z') }),
      task({ id: 'a2', level: 'action', parentId: 's', title: 'Survey pipes', ownerUnitId: 'public-works', dueAt: at('2026-11-24T09:00:00Z'), progress: 30 }),
      task({ id: 'a3', level: 'action', parentId: 's', title: 'Order pumps', dueAt: at('2026-12-02T09:00:00Z'), progress: 10 }),
    ];
    const updates: TaskUpdate[] = [
      { taskId: 'a2', at: at('2026-11-20T03:00:00Z'), by: 'li', progress: 10, state: null, note: null },
      { taskId: 'a2', at: at('2026-11-24T03:00:00Z'), by: 'li', progress: 30, state: null, note: 'two streets left' },
    ];
    const s = weeklySummary({ name: 'Flood task force' }, tasks, updates, week, at('2026-11-26T04:00:00Z'));
    expect(s.completed.map((t) => t.id)).toEqual(['a1']);
    expect(s.progressed).toEqual([expect.objectContaining({ id: 'a2', from: 10, to: 30, notes: ['two streets left'] })]);
    expect(s.overdue).toEqual([expect.objectContaining({ id: 'a2', daysOverdue: 2 })]);
    expect(s.dueNextWeek.map((t) => t.id)).toEqual(['a3']);
    expect(s.overallProgress).toBe(47); // (100 + 30 + 10) / 3
    expect(s.units).toEqual([
      { unitId: 'public-works', open: 2, done: 0, overdue: 1 },
      { unitId: 'water', open: 2, done: 1, overdue: 0 },
    ]);
    expect(s.markdown).toContain('周调度');
    expect(s.markdown).toContain('Survey pipes (public-works): due 2026-11-24, 2 day(s) late, 30 %');
  });
});
