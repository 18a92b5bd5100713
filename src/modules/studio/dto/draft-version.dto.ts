import { Transform } from 'class-transformer';
import { Matches } from 'class-validator';
import { trim } from '../../organizations/dto/organization.dto.js';

/**
 * The version of a draft a form was shown with (a hidden field): the service
 * refuses a change made from an older one (409), so nothing is overwritten.
 */
export class DraftVersionDto {
  @Transform(trim)
  @Matches(/^[1-9]\d{0,8}$/, { message: 'studioChecks.errors.version' })
  version = '';
}
