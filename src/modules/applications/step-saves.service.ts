import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';

/** One save of a step of an application form: which revision and step, and its errors. */
export interface StepSave {
  serviceSlug: string;
  variant: Audience;
  revision: number;
  step: string;
  /** How many problems refused it; 0: saved. */
  errors: number;
}

/**
 * Records every save of a step of an application form (`step_save`), so a
 * candidate revision's steps compare with the current revision's: how often
 * each is saved, refused for errors, and how many errors (ADR 0032). No
 * answers and nobody: the revision, the step, the count and when.
 */
@Injectable()
export class StepSavesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: JsonLogger,
  ) {}

  /** A save that was stored: in its transaction. */
  async saved(manager: EntityManager, save: Omit<StepSave, 'errors'>): Promise<void> {
    await this.insert(manager, { ...save, errors: 0 });
  }

  /**
   * A save refused for errors (nothing else was written): on its own, and a
   * failure to record it is logged, never the person's problem.
   */
  async refused(save: StepSave): Promise<void> {
    try {
      await this.insert(this.dataSource.manager, save);
    } catch (error) {
      this.logger.event('warn', 'step_save.not_recorded', {
        service: save.serviceSlug,
        variant: save.variant,
        revision: save.revision,
        step: save.step,
        error: (error as Error).message,
      });
    }
  }

  private async insert(manager: EntityManager, save: StepSave): Promise<void> {
    await manager.query(
      `INSERT INTO step_save (service_slug, variant, service_revision, step, refused, errors)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [save.serviceSlug, save.variant, save.revision, save.step, save.errors > 0, save.errors],
    );
  }
}
