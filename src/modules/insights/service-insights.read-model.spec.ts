import { takeUpShare } from './service-insights.read-model.js';

describe('takeUpShare (digital take-up, as the insights show it)', () => {
  it('is the share of applications made online', () => {
    // 30 on the pages and 20 through the API, 50 by phone or at the counter.
    expect(takeUpShare([30, 20], 50, 10)).toBe(0.5);
    // None by phone or at the counter: all online, which says nothing of anyone.
    expect(takeUpShare([30], 0, 10)).toBe(1);
  });

  it('is not given when nothing was recorded outside the portal', () => {
    expect(takeUpShare([30, 20], null, 10)).toBeNull();
  });

  it('is hidden while a side, or a channel online, counts fewer than the threshold', () => {
    // 9 by phone or at the counter.
    expect(takeUpShare([30, 20], 9, 10)).toBeNull();
    // 9 through the API, hidden in the channels' table: the share would tell it.
    expect(takeUpShare([30, 9], 50, 10)).toBeNull();
    // 9 online in all.
    expect(takeUpShare([9], 0, 10)).toBeNull();
  });
});
