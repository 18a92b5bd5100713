import { DEFAULT_DAYS, periodFrom } from './period.js';

describe('periodFrom (the insights’ period, as typed)', () => {
  // 2026-12-07 01:30 UTC is still 2026-12-06 in the city (UTC−5).
  const now = new Date('2026-12-07T01:30:00Z');

  it('is the last 90 days in the city, today included, when nothing is typed', () => {
    expect(periodFrom(undefined, '', now)).toEqual({
      ok: true,
      period: { from: '2026-09-08', to: '2026-12-07' },
      typed: { from: '2026-09-08', to: '2026-12-06' },
    });
    expect(DEFAULT_DAYS).toBe(90);
  });

  it('takes the first and last days typed, both included', () => {
    expect(periodFrom(' 2026-11-02 ', '2026-11-15', now)).toEqual({
      ok: true,
      period: { from: '2026-11-02', to: '2026-11-16' },
      typed: { from: '2026-11-02', to: '2026-11-15' },
    });
    expect(periodFrom('2026-11-02', '2026-11-02', now)).toMatchObject({
      ok: true,
      period: { from: '2026-11-02', to: '2026-11-03' },
    });
  });

  it('says what is wrong, keeping what was typed', () => {
    expect(periodFrom('2026-02-30', 'demain', now)).toEqual({
      ok: false,
      typed: { from: '2026-02-30', to: 'demain' },
      errors: [
        { field: 'from', key: 'insights.period.errors.fromInvalid' },
        { field: 'to', key: 'insights.period.errors.toInvalid' },
      ],
    });
    expect(periodFrom('2026-11-15', '2026-11-02', now)).toMatchObject({
      ok: false,
      errors: [{ field: 'to', key: 'insights.period.errors.toBeforeFrom' }],
    });
    expect(periodFrom('2020-01-01', '2026-11-02', now)).toMatchObject({
      ok: false,
      errors: [{ field: 'to', key: 'insights.period.errors.tooLong' }],
    });
    // Years PostgreSQL (or the portal) would not take.
    expect(periodFrom('0000-01-01', '9999-12-31', now)).toMatchObject({
      ok: false,
      errors: [
        { field: 'from', key: 'insights.period.errors.fromInvalid' },
        { field: 'to', key: 'insights.period.errors.toInvalid' },
      ],
    });
    // Only one typed: the other is missing, not guessed.
    expect(periodFrom('2026-11-02', undefined, now)).toMatchObject({
      ok: false,
      errors: [{ field: 'to', key: 'insights.period.errors.toInvalid' }],
    });
    // Not text (a repeated query parameter): nothing typed there.
    expect(periodFrom(['2026-11-02', '2026-11-03'], '2026-11-30', now)).toMatchObject({
      ok: false,
      typed: { from: '' },
      errors: [{ field: 'from', key: 'insights.period.errors.fromInvalid' }],
    });
  });
});
