import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { FlagsService } from '../flags/flags.service.js';
import { Drain } from '../http/drain.js';
import { MailService } from '../mail/mail.service.js';
import { VirusScanner } from '../virus-scan/virus-scanner.js';

@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly flags: FlagsService,
    private readonly mail: MailService,
    private readonly scanner: VirusScanner,
    private readonly drain: Drain,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /**
   * Readiness: the state of each dependency. Only a database outage makes the
   * portal unready (503): with flags degraded it still serves, closed; with mail
   * down, messages wait in the outbox; with the virus scanner unreachable,
   * uploads are kept "pending scan" and scanned when it returns (ADR 0028), so
   * taking the portal out of the load balancer would only lose the uploads.
   * `scanner` is `ok`, `unreachable` or `off` (no CLAMAV_URL). An instance
   * stopping answers 503 `draining` at once, so the load balancer sends new
   * requests elsewhere while it finishes the ones under way (Drain).
   */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response) {
    if (this.drain.isDraining) {
      res.status(503);
      return { status: 'draining' };
    }
    const [database, mail, scanner] = await Promise.all([
      this.databaseState(),
      this.mail.state(),
      this.scanner.state(),
    ]);
    const flags = this.flags.state();
    const ready = database === 'up';
    res.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'unready', checks: { database, flags, mail, scanner } };
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
