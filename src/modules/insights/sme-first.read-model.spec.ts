import { ADOPTION_WEEKS, curve } from './sme-first.read-model.js';

const WEEK = 7 * 86_400_000;

describe('curve (an audience’s adoption, week by week after the opening)', () => {
  const opened = new Date('2026-01-05T05:00:00Z');
  // Four and a half weeks later: five weeks begun.
  const now = new Date(opened.getTime() + 4.5 * WEEK);
  // New filers by week: 12, 3, 9, none, 15 (totals 12, 15, 24, 24, 39).
  const weekly = [
    { week: 1, filers: 12 },
    { week: 2, filers: 3 },
    { week: 3, filers: 9 },
    { week: 5, filers: 15 },
  ];

  it('shows the totals that are at least the threshold and differ by none or at least it from the next shown', () => {
    // 60 filers in all (more filed later): 60 − 39 = 21 says nothing of fewer than 10.
    expect(curve({ filers: 60, curve: weekly }, opened, now, 10)).toEqual([
      { week: 1, filers: 12, share: 0.2 },
      // 15 − 12 = 3 new filers would be told: hidden.
      { week: 2, filers: null, share: null },
      { week: 3, filers: 24, share: 0.4 },
      { week: 4, filers: 24, share: 0.4 },
      { week: 5, filers: 39, share: 0.65 },
    ]);
  });

  it('compares the last weeks with all the filers, shown beside', () => {
    // 45 − 39 = 6: week 5 hidden; 45 − 24 = 21: week 4 stays.
    expect(curve({ filers: 45, curve: weekly }, opened, now, 10).map((w) => w.filers)).toEqual([
      12,
      null,
      24,
      24,
      null,
    ]);
    // 28 − 24 = 4: weeks 3 to 5 hidden; 28 − 15 = 13: week 2 shown; 15 − 12 = 3: week 1 hidden.
    expect(
      curve({ filers: 28, curve: weekly.slice(0, 3) }, opened, now, 10).map((w) => w.filers),
    ).toEqual([null, 15, null, null, null]);
  });

  it('shows nothing below the threshold', () => {
    expect(
      curve({ filers: 9, curve: [{ week: 1, filers: 9 }] }, opened, now, 10).map((w) => w.filers),
    ).toEqual([null, null, null, null, null]);
  });

  it('runs from the opening to today, at most twelve weeks', () => {
    const filed = { filers: 20, curve: [{ week: 1, filers: 20 }] };
    expect(curve(filed, opened, new Date(opened.getTime() + 3 * 86_400_000), 10)).toEqual([
      { week: 1, filers: 20, share: 1 },
    ]);
    const later = curve(filed, opened, new Date(opened.getTime() + 30 * WEEK), 10);
    expect(later).toHaveLength(ADOPTION_WEEKS);
    expect(ADOPTION_WEEKS).toBe(12);
    expect(later.every((w) => w.filers === 20)).toBe(true);
  });
});
