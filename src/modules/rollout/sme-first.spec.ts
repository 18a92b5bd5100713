import {
  heldCitizens,
  smeFirstHolds,
  smeFirstViolation,
  type SmeFirstOverride,
  type VariantReach,
} from './sme-first.js';
import { TRACKS, stageIndex } from './stages.js';

const PAUSED = [false, true];
/** Every business plan and every citizen plan: each stage, paused or not. */
const BUSINESS: VariantReach[] = TRACKS.business.flatMap((stage) =>
  PAUSED.map((paused) => ({ stage, paused })),
);
const CITIZEN: VariantReach[] = TRACKS.citizen.flatMap((stage) =>
  PAUSED.map((paused) => ({ stage, paused })),
);
const PAIRS = BUSINESS.flatMap((business) => CITIZEN.map((citizen) => ({ business, citizen })));

/** The rule as a person states it, to check the function against on every pair. */
function expected(business: VariantReach, citizen: VariantReach) {
  const citizensOpen =
    !citizen.paused && ['citizen-pilot', 'citizen-gradual', 'general'].includes(citizen.stage);
  if (!citizensOpen) return undefined;
  if (business.stage !== 'sme-all') return 'smes-behind';
  return business.paused ? 'smes-paused' : undefined;
}

describe('SME-first, the invariant of the plans (ADR 0034)', () => {
  it('says, for every pair of stages paused or not, whether citizens are ahead of the SMEs', () => {
    expect(PAIRS).toHaveLength(5 * 2 * 5 * 2);
    for (const { business, citizen } of PAIRS)
      expect([business, citizen, smeFirstViolation(business, citizen)]).toEqual([
        business,
        citizen,
        expected(business, citizen),
      ]);
  });

  it('holds whatever the SMEs do while citizens are closed, internal or paused', () => {
    for (const business of BUSINESS) {
      for (const stage of ['closed', 'internal'] as const)
        expect(smeFirstViolation(business, { stage, paused: false })).toBeUndefined();
      for (const stage of TRACKS.citizen)
        expect(smeFirstViolation(business, { stage, paused: true })).toBeUndefined();
    }
  });

  it('breaks when SMEs are paused or behind sme-all and citizens reach past internal', () => {
    expect(
      smeFirstViolation({ stage: 'sme-all', paused: true }, { stage: 'general', paused: false }),
    ).toBe('smes-paused');
    expect(
      smeFirstViolation(
        { stage: 'sme-gradual', paused: false },
        { stage: 'citizen-pilot', paused: false },
      ),
    ).toBe('smes-behind');
    expect(
      smeFirstViolation({ stage: 'sme-all', paused: false }, { stage: 'general', paused: false }),
    ).toBeUndefined();
  });

  it('accepts an override for the pair it was given on, or any pair no further from SME-first', () => {
    const override: SmeFirstOverride = {
      decision: 'd1',
      business: { stage: 'sme-pilot', paused: false },
      citizen: { stage: 'citizen-gradual', paused: false },
    };
    for (const { business, citizen } of PAIRS) {
      const within =
        (citizen.paused || stageIndex('citizen', citizen.stage) <= 3) &&
        !business.paused &&
        stageIndex('business', business.stage) >= 2;
      const holds = !expected(business, citizen) || within;
      expect([business, citizen, smeFirstHolds(business, citizen, override)]).toEqual([
        business,
        citizen,
        holds,
      ]);
      // Without an override, only the pairs that keep SME-first hold.
      expect(smeFirstHolds(business, citizen, null)).toBe(!expected(business, citizen));
    }
  });

  it('never lets an override given while citizens were paused cover them open', () => {
    const override: SmeFirstOverride = {
      decision: 'd',
      business: { stage: 'sme-pilot', paused: false },
      citizen: { stage: 'general', paused: true },
    };
    expect(
      smeFirstHolds(
        { stage: 'sme-pilot', paused: false },
        { stage: 'general', paused: false },
        override,
      ),
    ).toBe(false);
  });

  it('accepts a paused business variant only under an override given while it was paused', () => {
    const citizen: VariantReach = { stage: 'general', paused: false };
    const paused: VariantReach = { stage: 'sme-all', paused: true };
    const given = (business: VariantReach): SmeFirstOverride => ({
      decision: 'd',
      business,
      citizen,
    });
    expect(smeFirstHolds(paused, citizen, given(paused))).toBe(true);
    expect(smeFirstHolds(paused, citizen, given({ stage: 'sme-pilot', paused: false }))).toBe(
      false,
    );
  });

  it('holds citizens to internal, and leaves a plan that keeps SME-first as it is', () => {
    for (const citizen of CITIZEN) {
      const held = heldCitizens(citizen);
      const open = expected({ stage: 'closed', paused: false }, citizen) !== undefined;
      expect(held).toEqual(open ? { ...citizen, stage: 'internal' } : citizen);
      expect(smeFirstViolation({ stage: 'closed', paused: true }, held)).toBeUndefined();
    }
  });
});
