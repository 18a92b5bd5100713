import { Sealer } from './sealed.js';

describe('Sealer', () => {
  const sealer = new Sealer('a-session-secret-of-at-least-32-characters', 'totp');

  it('opens what it sealed, and seals the same text differently each time', () => {
    const sealed = sealer.seal('JBSWY3DPEHPK3PXP');
    expect(sealed).toMatch(/^v1\.[\w-]+$/);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(sealer.open(sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(sealer.seal('JBSWY3DPEHPK3PXP')).not.toBe(sealed);
  });

  it('opens nothing sealed with another secret or purpose, altered, or not sealed at all', () => {
    const sealed = sealer.seal('secret');
    expect(
      new Sealer('another-session-secret-of-32-characters!', 'totp').open(sealed),
    ).toBeUndefined();
    expect(
      new Sealer('a-session-secret-of-at-least-32-characters', 'other').open(sealed),
    ).toBeUndefined();
    const altered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(sealer.open(altered)).toBeUndefined();
    const mine = sealer.seal('secret', 'account-a');
    expect(sealer.open(mine, 'account-a')).toBe('secret');
    expect(sealer.open(mine, 'account-b')).toBeUndefined();
    expect(sealer.open(mine)).toBeUndefined();
    for (const junk of ['', 'secret', 'v1.', 'v1.abc']) expect(sealer.open(junk)).toBeUndefined();
  });
});
