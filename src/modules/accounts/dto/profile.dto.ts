import { IsIn, IsNotEmpty, MaxLength } from 'class-validator';
import { OneLine, Trim } from '../../../platform/forms/form.js';

export class ProfileDto {
  @Trim()
  @IsNotEmpty({ message: 'accounts.errors.nameRequired' })
  @MaxLength(120, { message: 'accounts.errors.nameTooLong' })
  @OneLine('accounts.errors.nameOneLine')
  displayName = '';

  @IsIn(['fr', 'en'], { message: 'accounts.errors.localeRequired' })
  preferredLocale = '';
}

export const PROFILE_FIELDS = ['displayName', 'preferredLocale'] as const;
