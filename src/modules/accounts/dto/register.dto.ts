import { IsEmail, IsIn, IsNotEmpty, MaxLength } from 'class-validator';
import { OneLine, Trim } from '../../../platform/forms/form.js';

/** The registration form. Messages are catalog keys. */
export class RegisterDto {
  @Trim()
  @IsNotEmpty({ message: 'accounts.errors.nameRequired' })
  @MaxLength(120, { message: 'accounts.errors.nameTooLong' })
  @OneLine('accounts.errors.nameOneLine')
  displayName = '';

  @Trim()
  @IsNotEmpty({ message: 'accounts.errors.emailRequired' })
  @MaxLength(254, { message: 'accounts.errors.emailInvalid' })
  @IsEmail({}, { message: 'accounts.errors.emailInvalid' })
  email = '';

  @IsNotEmpty({ message: 'accounts.errors.passwordRequired' })
  password = '';

  @IsIn(['fr', 'en'], { message: 'accounts.errors.localeRequired' })
  preferredLocale = '';
}

export const REGISTER_FIELDS = ['displayName', 'email', 'password', 'preferredLocale'] as const;
