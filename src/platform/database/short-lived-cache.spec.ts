import type { ChangeFeed } from './change-feed.js';
import { ShortLivedCache } from './short-lived-cache.js';

/** A feed that is heard or not, and resets on demand: what the cache needs of one. */
function fakeFeed(listening = true) {
  const resets: (() => void)[] = [];
  const feed = {
    listening,
    onReset: (fn: () => void) => resets.push(fn),
    reset: () => resets.forEach((fn) => fn()),
  };
  return feed as typeof feed & ChangeFeed;
}

function counter(value = 'v') {
  let reads = 0;
  return {
    read: async () => {
      reads++;
      return value;
    },
    get reads() {
      return reads;
    },
  };
}

describe('ShortLivedCache', () => {
  it('answers from memory within its time, and reads again after it even without any announcement', async () => {
    const cache = new ShortLivedCache<string>(fakeFeed(), 40);
    const source = counter();
    await cache.get('k', source.read);
    await cache.get('k', source.read);
    expect(source.reads).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    await cache.get('k', source.read);
    expect(source.reads).toBe(2);
  });

  it('reads every time while the database is not heard, or when turned off', async () => {
    for (const cache of [
      new ShortLivedCache<string>(fakeFeed(false), 1000),
      new ShortLivedCache<string>(fakeFeed(true), 0),
    ]) {
      const source = counter();
      await cache.get('k', source.read);
      await cache.get('k', source.read);
      expect(source.reads).toBe(2);
    }
  });

  it('forgets what an announcement or a reset of the feed takes away', async () => {
    const feed = fakeFeed();
    const cache = new ShortLivedCache<string>(feed, 1000);
    const source = counter();
    await cache.get('a/1', source.read);
    await cache.get('b/1', source.read);
    cache.deleteWhere((key) => key.startsWith('a/'));
    await cache.get('a/1', source.read);
    await cache.get('b/1', source.read);
    expect(source.reads).toBe(3);
    feed.reset();
    await cache.get('b/1', source.read);
    expect(source.reads).toBe(4);
  });

  it('does not keep a read that an announcement overtook (it may predate the change)', async () => {
    const cache = new ShortLivedCache<string>(fakeFeed(), 1000);
    let release: () => void = () => undefined;
    const slow = cache.get(
      'k',
      () => new Promise<string>((resolve) => (release = () => resolve('old'))),
    );
    cache.delete('k');
    release();
    expect(await slow).toBe('old');
    const source = counter('new');
    expect(await cache.get('k', source.read)).toBe('new');
    expect(source.reads).toBe(1);
  });

  it('lets requests asking at the same time share one read', async () => {
    const cache = new ShortLivedCache<string>(fakeFeed(), 1000);
    const source = counter();
    const answers = await Promise.all([1, 2, 3].map(() => cache.get('k', source.read)));
    expect(answers).toEqual(['v', 'v', 'v']);
    expect(source.reads).toBe(1);
  });

  it('keeps at most its number of entries, the oldest going first', async () => {
    const cache = new ShortLivedCache<string>(fakeFeed(), 1000, 2);
    const source = counter();
    for (const key of ['a', 'b', 'c']) await cache.get(key, source.read);
    await cache.get('c', source.read);
    await cache.get('a', source.read);
    expect(source.reads).toBe(4);
  });
});
