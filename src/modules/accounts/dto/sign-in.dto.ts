import { IsNotEmpty } from 'class-validator';
import { Trim } from '../../../platform/forms/form.js';

export class SignInDto {
  @Trim()
  @IsNotEmpty({ message: 'accounts.errors.emailRequired' })
  email = '';

  @IsNotEmpty({ message: 'accounts.errors.passwordRequired' })
  password = '';
}

export const SIGN_IN_FIELDS = ['email', 'password'] as const;
