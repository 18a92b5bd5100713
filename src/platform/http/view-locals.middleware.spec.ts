import { safeReturnPath } from './view-locals.middleware.js';

describe('safeReturnPath', () => {
  it('keeps a path on this site, query and all', () => {
    expect(safeReturnPath('/staff/people/1?x=1')).toBe('/staff/people/1?x=1');
  });

  it('refuses anything that could lead to another site, or is not a path', () => {
    for (const value of [
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/\r\nLocation: x',
      '/\u0000',
      '/\u007f',
      'staff',
      '',
      ['/staff'],
      undefined,
    ])
      expect(safeReturnPath(value, '/fallback')).toBe('/fallback');
  });
});
