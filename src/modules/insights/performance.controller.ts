import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { sendFiguresCsv } from './figures.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { PerformanceBoard } from './performance.js';
import { PerformancePresenter } from './performance.presenter.js';

/**
 * How the services perform, in public (issue 16): `/performance`, and the
 * same figures as open data, `/performance.json` and `/performance.csv`
 * (documented in docs/performance.md). No sign-in; served from the figures
 * every instance holds in memory, so a visit costs no query.
 */
@Controller()
export class PerformanceController {
  constructor(
    private readonly board: PerformanceBoard,
    private readonly presenter: PerformancePresenter,
  ) {}

  @Get('performance')
  page(@Res() res: Response) {
    res.render(
      'insights/performance',
      this.presenter.page(this.board.current(), res.locals.locale as Locale),
    );
  }

  @Get('performance.json')
  json(@Res() res: Response) {
    const figures = this.board.current();
    if (!figures)
      return res
        .status(503)
        .setHeader('Retry-After', '60')
        .json({
          code: 'not_ready',
          message: this.presenter.notReady(res.locals.locale as Locale),
        });
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(figures);
  }

  @Get('performance.csv')
  csv(@Res() res: Response) {
    const figures = this.board.current();
    if (!figures)
      return res
        .status(503)
        .setHeader('Retry-After', '60')
        .type('text/plain; charset=utf-8')
        .send(this.presenter.notReady(res.locals.locale as Locale));
    sendFiguresCsv(
      res,
      'performance.csv',
      this.presenter.csv(figures, res.locals.locale as Locale),
      'public',
    );
  }
}
