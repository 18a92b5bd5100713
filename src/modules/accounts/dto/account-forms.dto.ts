/**
 * Forms whose fields AccountService checks itself (every problem at once, in
 * the service, with the rules that go with them): read as typed, passwords
 * never trimmed.
 */
export class ChangePasswordDto {
  currentPassword = '';
  newPassword = '';
}

/** "Change your email address": the new address and the current password. */
export class ChangeEmailDto {
  newEmail = '';
  currentPassword = '';
}

export class CloseAccountDto {
  password = '';
}

/** "myself", or the id of one of the person's SMEs (ActingAsService checks it). */
export class ActingAsDto {
  actingAs = '';
}
