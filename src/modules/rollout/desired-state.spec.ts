import { desiredFlag, type PlanSnapshot } from './desired-state.js';

const plan = (over: Partial<PlanSnapshot>): PlanSnapshot => ({
  slug: 'sign-permit',
  variant: 'business',
  stage: 'sme-all',
  paused: false,
  gradualPercentage: 30,
  cohorts: ['pme-a'],
  ...over,
});

/** Each strategy as "title (rollout %) → revision", in order. */
const shape = (p: PlanSnapshot) =>
  desiredFlag(p).strategies.map(
    (s) => `${s.title} (${s.parameters.rollout}) → ${s.variants?.[0]?.payload?.value ?? '-'}`,
  );

describe('the revisions a variant flag names (ADR 0032)', () => {
  it('names no revision when the plan knows none', () => {
    expect(shape(plan({}))).toEqual(['all (100) → -']);
  });

  it('puts the candidate first, so the people it reaches get it', () => {
    expect(
      shape(
        plan({
          revisions: { current: 1, candidate: { revision: 2, kind: 'pilot', percentage: 10 } },
        }),
      ),
    ).toEqual([
      'revision 2 internal: city staff (100) → 2',
      'revision 2 pilot: cohort:pme-a (100) → 2',
      'all (100) → 1',
    ]);
    expect(desiredFlag(plan({ revisions: { current: 1 } })).strategies[0].sortOrder).toBe(0);
  });

  it('never lets a candidate reach further than access', () => {
    // Access at the pilot: a candidate in "every SME" reaches the pilot cohorts only.
    expect(
      shape(
        plan({
          stage: 'sme-pilot',
          revisions: { current: 1, candidate: { revision: 2, kind: 'all', percentage: 10 } },
        }),
      ),
    ).toEqual([
      'revision 2 internal: city staff (100) → 2',
      'revision 2 pilot: cohort:pme-a (100) → 2',
      'internal: city staff (100) → 1',
      'pilot: cohort:pme-a (100) → 1',
    ]);
    // Access to 30 % of SMEs, the candidate's share 50 %: 30 %, in the same group (nested).
    const gradual = desiredFlag(
      plan({
        stage: 'sme-gradual',
        revisions: { current: 1, candidate: { revision: 2, kind: 'gradual', percentage: 50 } },
      }),
    ).strategies;
    const shares = gradual.filter((s) => s.parameters.stickiness === 'userId');
    expect(shares.map((s) => [s.parameters.rollout, s.parameters.groupId])).toEqual([
      ['30', 'sign-permit.business'],
      ['30', 'sign-permit.business'],
    ]);
  });

  it('gives a candidate for every SME to every SME with access, inside a gradual access', () => {
    const strategies = desiredFlag(
      plan({
        stage: 'sme-gradual',
        revisions: { current: 1, candidate: { revision: 2, kind: 'all', percentage: 10 } },
      }),
    ).strategies;
    const candidateShare = strategies.find(
      (s) => s.parameters.stickiness === 'userId' && s.variants?.[0]?.payload?.value === '2',
    );
    expect(candidateShare?.parameters.rollout).toBe('30');
  });

  it('draws its own sticky share when the whole audience has access', () => {
    const [, , share] = desiredFlag(
      plan({
        revisions: { current: 1, candidate: { revision: 2, kind: 'gradual', percentage: 20 } },
      }),
    ).strategies;
    expect(share.parameters).toEqual({
      rollout: '20',
      stickiness: 'userId',
      groupId: 'sign-permit.business:revision-2',
    });
  });

  it('names nothing for a closed variant, and drops a candidate that is already current', () => {
    expect(desiredFlag(plan({ stage: 'closed', revisions: { current: 1 } })).strategies).toEqual(
      [],
    );
    expect(
      shape(
        plan({
          revisions: { current: 2, candidate: { revision: 2, kind: 'pilot', percentage: 10 } },
        }),
      ),
    ).toEqual(['all (100) → 2']);
  });
});
