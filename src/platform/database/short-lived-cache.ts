import type { ChangeFeed } from './change-feed.js';

interface Entry<V> {
  value: V;
  until: number;
}

/**
 * What an instance may keep in memory about who is signed in: each entry for
 * at most `ttlMs` (≤ 1 s) from the moment its read began, dropped sooner when
 * the database announces a change (ChangeFeed), and used only while those
 * announcements are being heard. A read that overlaps an announcement is not
 * kept (it may predate the change). At most `maxEntries`, the oldest going first.
 */
export class ShortLivedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Reads under way: requests asking for the same key meanwhile share one. */
  private readonly reading = new Map<string, Promise<V | undefined>>();
  /** Bumped by every drop: a read begun before one is not kept. */
  private epoch = 0;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {
    feed.onReset(() => this.clear());
  }

  private get enabled(): boolean {
    return this.ttlMs > 0 && this.feed.listening;
  }

  /** The value kept under `key`, else `read()`'s (kept when found and still trustworthy). */
  async get(key: string, read: () => Promise<V | undefined>): Promise<V | undefined> {
    if (!this.enabled) return read();
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && entry.until > now) return entry.value;
    if (entry) this.entries.delete(key);
    const shared = this.reading.get(key);
    if (shared) return shared;
    const epoch = this.epoch;
    const reading = read().then(
      (value) => {
        if (this.reading.get(key) === reading) this.reading.delete(key);
        if (value !== undefined && epoch === this.epoch && this.enabled) this.put(key, value, now);
        return value;
      },
      (error: unknown) => {
        if (this.reading.get(key) === reading) this.reading.delete(key);
        throw error;
      },
    );
    this.reading.set(key, reading);
    return reading;
  }

  /** Keeps what this instance just wrote, counted from `since` (when the write began). */
  put(key: string, value: V, since = Date.now()): void {
    if (!this.enabled) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, until: since + this.ttlMs });
  }

  delete(key: string): void {
    this.epoch++;
    this.entries.delete(key);
    this.reading.delete(key);
  }

  deleteWhere(matches: (key: string, value: V) => boolean): void {
    this.epoch++;
    // A read under way may be for one of them: the next request reads afresh.
    this.reading.clear();
    for (const [key, entry] of this.entries)
      if (matches(key, entry.value)) this.entries.delete(key);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
    this.reading.clear();
  }
}
