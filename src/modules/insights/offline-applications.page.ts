import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AUDIENCES } from '../../platform/flags/flag-context.js';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import type { FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { CITY_TIME_ZONE } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { OFFLINE_CHANNELS, OFFLINE_COUNT_FIELDS } from './dto/offline-count.dto.js';
import { OfflineApplicationsService, type OfflineCount } from './offline-applications.service.js';
import { cityDay } from './period.js';

const PAGE = { view: 'insights/offline', titleKey: 'insights.offline.title' };

/**
 * The clerks' page of applications received outside the portal: the form to
 * record a day's count, and the latest counts recorded; shown again with 422
 * and the errors when a count is refused (`@FormPage`).
 */
@Injectable()
export class OfflineApplicationsPage implements FormPageRenderer {
  constructor(
    private readonly i18n: I18nService,
    private readonly catalogue: CatalogueService,
    private readonly counts: OfflineApplicationsService,
  ) {}

  /** The empty form (today's date), and the count just recorded, if any. */
  async blank(req: Request, res: Response, recorded?: OfflineCount) {
    await this.show(req, res, 200, { day: cityDay(new Date()) }, [], recorded);
  }

  async render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    const typed = Object.fromEntries(OFFLINE_COUNT_FIELDS.map((f) => [f, values[f] ?? '']));
    await this.show(req, res, status, typed, errors);
  }

  private async show(
    req: Request,
    res: Response,
    status: number,
    values: Record<string, string>,
    errors: FieldError[],
    recorded?: OfflineCount,
  ) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const serviceTitle = (slug: string) => this.catalogue.find(slug)?.title[locale] ?? slug;
    const radios = (name: string, options: readonly string[], label: (v: string) => string) =>
      options.map((value, i) => ({
        id: i === 0 ? name : `${name}-${value}`,
        value,
        label: label(value),
        checked: values[name] === value,
      }));
    const dateTime = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: CITY_TIME_ZONE,
    });
    renderForm(req, res, this.i18n, PAGE, status, {
      navActive: 'staff',
      staffNavActive: 'offline',
      values,
      errors,
      recorded: recorded
        ? t('insights.offline.recorded', {
            count: recorded.applications,
            service: serviceTitle(recorded.service),
            day: recorded.day,
            audience: t(`insights.offline.inSentence.${recorded.audience}`),
            channel: t(`insights.offline.inSentence.${recorded.channel}`),
          })
        : undefined,
      services: [
        { value: '', label: t('insights.offline.chooseService'), selected: !values.service },
        ...this.catalogue.all().map((s) => ({
          value: s.slug,
          label: s.title[locale],
          selected: s.slug === values.service,
        })),
      ],
      audiences: radios('audience', AUDIENCES, (a) => t(`insights.offline.audience.${a}`)),
      channels: radios('channel', OFFLINE_CHANNELS, (c) => t(`insights.offline.channel.${c}`)),
      counts: (await this.counts.recent()).map((c) => ({
        service: serviceTitle(c.service),
        audience: t(`insights.offline.audience.${c.audience}`),
        channel: t(`insights.offline.channel.${c.channel}`),
        day: c.day,
        applications: c.applications,
        recordedAt: dateTime.format(c.recordedAt),
      })),
    });
  }
}
