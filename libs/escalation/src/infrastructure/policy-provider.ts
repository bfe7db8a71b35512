import type { DataSource } from 'typeorm';
import { applyOverrides, PolicyOverride, PolicySet } from '../domain/sla-policy';

const RELOAD_MS = 60_000;

/**
 * The time-limit policies new clocks start with: the defaults and what an administrator changed.
 * Read from memory; reloaded after a change here at once, and within a minute on other replicas.
 */
export class PolicyProvider {
  private cached?: { at: number; set: PolicySet };

  constructor(private readonly dataSource: DataSource) {}

  async current(): Promise<PolicySet> {
    if (!this.cached || Date.now() - this.cached.at > RELOAD_MS) {
      this.cached = { at: Date.now(), set: applyOverrides(await this.overrides()) };
    }
    return this.cached.set;
  }

  overrides(): Promise<(PolicyOverride & { changedBy: string; changedAt: Date })[]> {
    return this.dataSource.query(`SELECT key, minutes, basis, changed_by AS "changedBy", changed_at AS "changedAt" FROM sla_policy_overrides ORDER BY key`);
  }

  forget(): void {
    this.cached = undefined;
  }
}
