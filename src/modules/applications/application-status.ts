/** Where an application is in its life, from draft to decision. */
export const STATUSES = [
  'draft',
  'submitted',
  'in_review',
  'information_requested',
  'resubmitted',
  'approved',
  'rejected',
  'withdrawn',
] as const;
export type ApplicationStatus = (typeof STATUSES)[number];

/** Who moves an application on. */
export type TransitionActor = 'applicant' | 'staff';

/** The lifecycle: from → to, and who may take each step. */
const TRANSITIONS: Record<
  ApplicationStatus,
  Partial<Record<ApplicationStatus, TransitionActor>>
> = {
  draft: { submitted: 'applicant' },
  submitted: {
    in_review: 'staff',
    information_requested: 'staff',
    approved: 'staff',
    rejected: 'staff',
    withdrawn: 'applicant',
  },
  in_review: {
    information_requested: 'staff',
    approved: 'staff',
    rejected: 'staff',
    withdrawn: 'applicant',
  },
  information_requested: { resubmitted: 'applicant', withdrawn: 'applicant', rejected: 'staff' },
  resubmitted: {
    in_review: 'staff',
    information_requested: 'staff',
    approved: 'staff',
    rejected: 'staff',
    withdrawn: 'applicant',
  },
  approved: {},
  rejected: {},
  withdrawn: {},
};

export function canTransition(
  from: ApplicationStatus,
  to: ApplicationStatus,
  actor: TransitionActor,
): boolean {
  return TRANSITIONS[from][to] === actor;
}

/** A decision has been made, or the applicant withdrew: nothing moves any more. */
export function isFinal(status: ApplicationStatus): boolean {
  return Object.keys(TRANSITIONS[status]).length === 0;
}

/** The applicant may still change answers and attachments. */
export function isEditable(status: ApplicationStatus): boolean {
  return status === 'draft' || status === 'information_requested';
}

export function isStatus(value: unknown): value is ApplicationStatus {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}
