import { barChart, suppressed } from './staff-insights.presenter.js';

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

describe('barChart (drawn on the server)', () => {
  it('scales the bars to the largest value, draws a hidden value as a dash, and keeps bars narrow', () => {
    const chart = barChart(
      [
        { label: '11-02', value: 12 },
        { label: '11-09', value: null },
        { label: '11-16', value: 6 },
      ],
      'Applications',
    );
    expect(chart.title).toBe('Applications');
    // 220 high, 20 above and 30 below: the largest bar is 170 high, on the baseline at 190.
    expect(chart.bars.map((b) => [b.height, b.y, b.value, b.label])).toEqual([
      [170, 20, '12', '11-02'],
      [0, 190, '–', '11-09'],
      [85, 105, '6', '11-16'],
    ]);
    expect(chart.bars.every((b) => b.width <= 56)).toBe(true);
    expect(chart.bars[1].x).toBeGreaterThan(chart.bars[0].x + chart.bars[0].width);
  });
});
