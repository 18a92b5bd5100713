import { defineRefusals } from '../../platform/errors/refusal.js';

/** Why OrganizationService refused a change to an SME's members. */
export type OrganizationProblem =
  /** Not a member of the SME (or no such SME, or no such member): nothing is revealed. */
  | 'not-found'
  /** A member who is not an owner (the page says who may). */
  | 'forbidden'
  /** The change would leave the SME without an owner. */
  | 'last-owner'
  /** The invited address already belongs to a member. */
  | 'already-member'
  /** Too many invitations from one account (rule invite:account). */
  | 'too-many'
  /** An SME with this NEQ is registered already (the page links to asking staff to review). */
  | 'duplicate-neq';

/** Every refusal of the organizations module, with its status and message, in one place. */
export const ORGANIZATION_REFUSALS = defineRefusals<OrganizationProblem>('organizations', {
  'not-found': { status: 404, message: 'errors.not_found.message', code: 'not_found' },
  forbidden: { status: 403, message: 'errors.forbidden.message' },
  'last-owner': { status: 422, message: 'organizations.errors.lastOwner', field: 'members' },
  'already-member': {
    status: 422,
    message: 'organizations.errors.alreadyMember',
    field: 'email',
  },
  'too-many': { status: 429, message: 'accounts.errors.tooMany', field: 'email' },
  'duplicate-neq': { status: 422, message: 'organizations.errors.neqTaken', field: 'neq' },
});

/** Why an invitation link cannot be used (its pages say what to do). */
export type InvitationProblem =
  /** Unknown, used or expired. */
  | 'gone'
  /** The signed-in account is not the address it was sent to. */
  | 'not-addressee';

export const INVITATION_REFUSALS = defineRefusals<InvitationProblem>('invitations', {
  gone: {
    status: 410,
    message: 'organizations.invitationGone.body',
    title: 'organizations.invitationGone.title',
  },
  'not-addressee': {
    status: 403,
    message: 'organizations.invitationNotAddressee.sentTo',
    title: 'organizations.invitationNotAddressee.title',
  },
});
