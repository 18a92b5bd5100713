import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { FlagsService } from '../flags/flags.service.js';
import { MailService } from '../mail/mail.service.js';

@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly flags: FlagsService,
    private readonly mail: MailService,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /**
   * Readiness: the state of each dependency. Only a database outage makes the
   * portal unready (503): with flags degraded it still serves, closed; with mail
   * down, messages wait in the outbox.
   */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response) {
    const [database, mail] = await Promise.all([this.databaseState(), this.mail.state()]);
    const flags = this.flags.state();
    const ready = database === 'up';
    res.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'unready', checks: { database, flags, mail } };
  }

  private async databaseState(): Promise<'up' | 'down'> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 2000))),
      ]);
      return 'up';
    } catch {
      return 'down';
    } finally {
      clearTimeout(timer);
    }
  }
}
