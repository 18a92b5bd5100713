import { NotFoundException } from '@nestjs/common';
import type { Response } from 'express';
import type { I18nService, Locale } from '../../platform/i18n/i18n.service.js';
import type { ApplicationsReadModel } from './applications.read-model.js';

/**
 * An application the signed-in person may see, but filed acting as someone
 * else (themselves or another of their SMEs): a 409 page offering to switch
 * rather than "not found". Not theirs at all: 404.
 */
export async function offerSwitchIdentity(
  applications: ApplicationsReadModel,
  i18n: I18nService,
  res: Response,
  accountId: string,
  applicationId: string,
): Promise<void> {
  const other = await applications.otherIdentityFor(accountId, applicationId);
  if (!other) throw new NotFoundException();
  res.status(409).render('applications/switch', {
    pageTitle: i18n.t(res.locals.locale as Locale, 'applications.switch.title'),
    navActive: 'applications',
    organizationId: other.organizationId ?? 'myself',
    organizationName: other.organizationName,
    returnTo: res.req.originalUrl,
  });
}
