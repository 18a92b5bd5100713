import { suppressed } from './staff-insights.presenter.js';

describe('suppressed (a column with one hidden cell)', () => {
  it('hides the smallest shown cell with a single hidden one, so the total does not give it away', () => {
    expect(suppressed([null, 12])).toEqual([null, null]);
    expect(suppressed([30, null, 12, 15])).toEqual([30, null, null, 15]);
  });

  it('leaves a column with no hidden cell, or with two, as it is', () => {
    expect(suppressed([30, 12])).toEqual([30, 12]);
    expect(suppressed([null, 30, null])).toEqual([null, 30, null]);
    expect(suppressed([null])).toEqual([null]);
    expect(suppressed([])).toEqual([]);
  });
});
