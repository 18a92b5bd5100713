import { Trim } from '../../../platform/forms/form.js';

/**
 * "Forgot your password?". Read as typed: the address is checked by
 * AccountService.requestPasswordReset, before its limits.
 */
export class PasswordResetRequestDto {
  @Trim()
  email = '';
}

/**
 * A new password with a reset link. Read as typed: AccountService.resetPassword
 * checks the password (required, then the policy) and the token.
 */
export class ChoosePasswordDto {
  @Trim()
  token = '';

  password = '';
}
