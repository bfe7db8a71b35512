import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { TaskRequest, TaskUpdateRequest } from '@duban/contracts';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, CaseScoped } from '@duban/service-defaults';
import { Principal } from '@duban/auth';
import { TaskForces } from '../application/task-forces';
import { Clock, CLOCK } from '../application/clock';

const forceId = new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('Task force') });
const taskId = new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('Task') });

/** Task forces (专班): the task tree and the weekly dispatch summary (周调度). */
@Controller('api/v1/task-forces')
@CaseScoped({ param: 'id', caseOf: 'SELECT case_id FROM task_forces WHERE id = $1' })
@UseGuards(BearerAuthGuard)
export class TaskForcesController {
  constructor(
    @Inject(TaskForces) private readonly taskForces: TaskForces,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':id')
  view(@Param('id', forceId) id: string, @CurrentPrincipal() principal: Principal) {
    return this.taskForces.view(principal, id);
  }

  @Post(':id/tasks')
  @HttpCode(201)
  addTask(@Param('id', forceId) id: string, @Body(new SchemaPipe(TaskRequest)) body: TaskRequest, @CurrentPrincipal() principal: Principal) {
    return this.taskForces.addTask(principal, id, body, this.clock.now());
  }

  @Patch(':id/tasks/:taskId')
  update(@Param('id', forceId) id: string, @Param('taskId', taskId) task: string, @Body(new SchemaPipe(TaskUpdateRequest)) body: TaskUpdateRequest, @CurrentPrincipal() principal: Principal) {
    return this.taskForces.updateTask(principal, id, task, body, this.clock.now());
  }

  /** The weekly summary of the week containing ?at= (an instant; default now), as JSON with a Markdown rendering. */
  @Get(':id/weekly-summary')
  summary(@Param('id', forceId) id: string, @Query('at') at: string | undefined, @CurrentPrincipal() principal: Principal) {
    const now = this.clock.now();
    const when = at === undefined ? now : new Date(at);
    if (Number.isNaN(when.getTime())) throw Problems.field('at', 'must be an instant such as 2026-11-23T09:00:00+08:00');
    return this.taskForces.weeklySummary(principal, id, when, now);
  }
}
