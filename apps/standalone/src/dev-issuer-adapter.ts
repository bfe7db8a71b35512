import type { Adapter, AdapterPayload } from 'oidc-provider';

/**
 * Where the provider keeps its few stateful artifacts (grants, sessions, interactions, codes, refresh
 * tokens): in memory, expiring — the access tokens themselves are self-contained JWTs, so a restart
 * loses nothing a caller holds but browser sign-ins and refresh tokens (the console signs in again).
 */
export class MemoryAdapter implements Adapter {
  private static readonly store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();

  constructor(private readonly model: string) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const now = Date.now();
    for (const [k, v] of MemoryAdapter.store) if (v.expiresAt <= now) MemoryAdapter.store.delete(k);
    MemoryAdapter.store.set(this.key(id), { payload, expiresAt: now + expiresIn * 1000 });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = MemoryAdapter.store.get(this.key(id));
    return entry && entry.expiresAt > Date.now() ? entry.payload : undefined;
  }

  /** A session by its uid: the interactions (the sign-in page) look their session up by it. */
  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findBy((payload) => payload.uid === uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findBy((payload) => payload.userCode === userCode);
  }

  private findBy(matches: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    const prefix = `${this.model}:`;
    const now = Date.now();
    for (const [k, v] of MemoryAdapter.store) if (k.startsWith(prefix) && v.expiresAt > now && matches(v.payload)) return v.payload;
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    MemoryAdapter.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [k, v] of MemoryAdapter.store) if (v.payload.grantId === grantId) MemoryAdapter.store.delete(k);
  }
}
