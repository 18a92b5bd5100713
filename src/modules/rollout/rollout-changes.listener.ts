import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ChangeFeed } from '../../platform/database/change-feed.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { PlanFence } from './plan-fence.js';
import {
  parseRolloutChange,
  ROLLOUT_CHANGED_CHANNEL,
  type RolloutChange,
} from './rollout-changes.js';
import { RolloutReconciler } from './rollout-reconciler.service.js';

/**
 * Hears every committed rollout change (ROLLOUT_CHANGED_CHANNEL), made on any
 * instance, on the instance's one LISTEN connection (`ChangeFeed`, which
 * reconnects after a PostgreSQL restart or a network cut): each reloads the
 * plan fence and wakes the reconciler. When the feed listens again after a
 * loss, both look at everything, since changes may have been committed while
 * nobody listened.
 */
@Injectable()
export class RolloutChangesListener implements OnApplicationBootstrap {
  private lost = false;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly logger: JsonLogger,
    private readonly fence: PlanFence,
    private readonly reconciler: RolloutReconciler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.feed.onReset(() => {
      if (!this.feed.listening) {
        this.lost = true;
        return;
      }
      if (!this.lost) return;
      this.lost = false;
      this.logger.event('info', 'rollout.listener_reconnected');
      this.changed({});
    });
    await this.feed.listen(ROLLOUT_CHANGED_CHANNEL, (payload) =>
      this.changed(parseRolloutChange(payload)),
    );
    // The fence loaded before this LISTEN: a change committed in between is read now.
    await this.fence.reload();
  }

  /** Whether the instance is listening now (for tests and diagnostics). */
  listening(): boolean {
    return this.feed.listening;
  }

  private changed(change: RolloutChange): void {
    void this.fence.reload();
    this.reconciler.requestSync(change);
  }
}
