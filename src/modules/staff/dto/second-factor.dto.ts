import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** A code from the authenticator app, or a recovery code. Messages are catalog keys. */
export class SecondFactorCodeDto {
  @IsString({ message: 'staff.secondFactor.errors.codeRequired' })
  @IsNotEmpty({ message: 'staff.secondFactor.errors.codeRequired' })
  // The lowest decorator runs first: the length before anything else.
  @MaxLength(40, { message: 'staff.secondFactor.errors.codeWrong' })
  code = '';
}

export const SECOND_FACTOR_FIELDS = ['code'] as const;
