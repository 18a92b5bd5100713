import type { EntityManager } from 'typeorm';
import { markPlansChanged, PLAN_LOCK_ORDER } from './rollout-changes.js';

/** A manager that remembers which plan each UPDATE touched, in order. */
function recordingManager() {
  const touched: string[] = [];
  const manager = {
    query: (sql: string, params: unknown[] = []) => {
      if (sql.includes('UPDATE rollout_plan')) touched.push(String(params[1]));
      return Promise.resolve(sql.includes('RETURNING') ? [[{ version: '2' }], 1] : []);
    },
  } as unknown as EntityManager;
  return { manager, touched };
}

describe('markPlansChanged', () => {
  it('takes both plans of a service business first, then citizen, as a rollout decision locks them', async () => {
    expect(PLAN_LOCK_ORDER).toEqual(['business', 'citizen']);
    const { manager, touched } = recordingManager();
    await markPlansChanged(manager, 'building-permit', ['citizen', 'business']);
    expect(touched).toEqual(['business', 'citizen']);
  });

  it('marks only the plans named', async () => {
    const { manager, touched } = recordingManager();
    await markPlansChanged(manager, 'building-permit', ['citizen']);
    await markPlansChanged(manager, 'building-permit', []);
    expect(touched).toEqual(['citizen']);
  });
});
