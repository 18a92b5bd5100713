import { keysetCursor, parseKeysetCursor } from './keyset-cursor.js';

const UUID = '3f2b8c1e-7a4d-4e5f-9b6a-1c2d3e4f5a6b';

describe('the keyset cursor of every paged list', () => {
  it('reads back what it wrote', () => {
    const at = '2026-03-14T15:09:26.535897Z';
    expect(parseKeysetCursor(keysetCursor({ at, id: UUID }), 'uuid')).toEqual({ at, id: UUID });
    expect(parseKeysetCursor(`${at}~9223372036854775807`, 'bigint')).toEqual({
      at,
      id: '9223372036854775807',
    });
  });

  it.each([
    ['an impossible date', `2026-02-30T10:00:00.000000Z~${UUID}`, 'uuid'],
    ['an hour that does not exist', `2026-02-03T25:00:00.000000Z~${UUID}`, 'uuid'],
    ['year zero', `0000-01-01T00:00:00.000000Z~${UUID}`, 'uuid'],
    ['an id too large for a bigint', '2026-02-03T10:00:00.000000Z~9223372036854775808', 'bigint'],
    ['a uuid where a number is kept', `2026-02-03T10:00:00.000000Z~${UUID}`, 'bigint'],
    ['hyphens only for a uuid', `2026-02-03T10:00:00.000000Z~${'-'.repeat(36)}`, 'uuid'],
    ['no separator', '2026-02-03T10:00:00.000000Z', 'uuid'],
    ['a NUL', `2026-02-03T10:00:00.000000Z~1\u0000`, 'bigint'],
    ['something long', `2026-02-03T10:00:00.000000Z~${'1'.repeat(10_000)}`, 'bigint'],
  ] as const)('refuses %s', (_, value, kind) => {
    expect(parseKeysetCursor(value, kind)).toBeUndefined();
  });
});
