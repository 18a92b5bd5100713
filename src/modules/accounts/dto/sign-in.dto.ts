import { IsNotEmpty } from 'class-validator';

export class SignInDto {
  @IsNotEmpty({ message: 'accounts.errors.emailRequired' })
  email = '';

  @IsNotEmpty({ message: 'accounts.errors.passwordRequired' })
  password = '';
}

export const SIGN_IN_FIELDS = ['email', 'password'] as const;
