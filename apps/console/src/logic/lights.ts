/**
 * The traffic light of a time limit at a moment, from what escalation says of the clock: when each
 * light changes (`lights`, on the clock's working calendar), its state and its due time. Pure, so
 * the queue's chips change colour as time passes without asking the server again.
 */
export type Light = 'green' | 'yellow' | 'orange' | 'red';
export type ChipState = Light | 'paused' | 'done';

export interface ClockLike {
  state: string;
  dueAt: string | null;
  lights?: { light: string; at: string }[];
}

const ORDER: readonly ChipState[] = ['done', 'green', 'paused', 'yellow', 'orange', 'red'];

export function lightAt(clock: ClockLike, now: number): ChipState {
  if (clock.state === 'paused') return 'paused';
  if (clock.state !== 'running') return 'done';
  if (clock.dueAt && Date.parse(clock.dueAt) <= now) return 'red';
  let light: Light = 'green';
  for (const change of clock.lights ?? []) {
    if (Date.parse(change.at) <= now && isLight(change.light) && rank(change.light) > rank(light)) light = change.light;
  }
  return light;
}

/** The most urgent chip of several clocks (a case's stages): red before orange … before done. */
export function worst(states: readonly ChipState[]): ChipState {
  return states.reduce<ChipState>((a, b) => (rank(b) > rank(a) ? b : a), 'done');
}

/** The next moment the chip changes colour (a light change or the due time), to re-render then. */
export function nextChange(clock: ClockLike, now: number): number | undefined {
  if (clock.state !== 'running') return undefined;
  const times = [...(clock.lights ?? []).map((l) => Date.parse(l.at)), ...(clock.dueAt ? [Date.parse(clock.dueAt)] : [])];
  const future = times.filter((t) => t > now);
  return future.length ? Math.min(...future) : undefined;
}

function isLight(value: string): value is Light {
  return value === 'green' || value === 'yellow' || value === 'orange' || value === 'red';
}

function rank(state: ChipState): number {
  return ORDER.indexOf(state);
}
