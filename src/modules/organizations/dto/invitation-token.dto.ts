import { Trim } from '../../../platform/forms/form.js';

/** The "accept" button's form on an invitation's page: the link's token, as text. */
export class InvitationTokenDto {
  @Trim()
  token = '';
}
