// Every migration, in order. A migration that has landed is never edited: add a new one.
import { Foundation1763856000000 } from './1763856000000-foundation.js';
import { Accounts1763900000000 } from './1763900000000-accounts.js';
import { Staff1763910000000 } from './1763910000000-staff.js';
import { Organizations1763920000000 } from './1763920000000-organizations.js';
import { Applications1763930000000 } from './1763930000000-applications.js';
import { QueueIndexes1763940000000 } from './1763940000000-queue-indexes.js';
import { Rollout1763950000000 } from './1763950000000-rollout.js';
import { CohortMembership1763955000000 } from './1763955000000-cohort-membership.js';
import { Feedback1763960000000 } from './1763960000000-feedback.js';
import { FeedbackEvidence1763970000000 } from './1763970000000-feedback-evidence.js';
import { FeedbackTriage1763980000000 } from './1763980000000-feedback-triage.js';
import { AcceptanceAndFaq1763990000000 } from './1763990000000-acceptance-and-faq.js';
import { SignInThrottle1764020000000 } from './1764020000000-sign-in-throttle.js';
import { OutboxSecrets1764030000000 } from './1764030000000-outbox-secrets.js';
import { OrganizationVerification1764040000000 } from './1764040000000-organization-verification.js';
import { ApiKeyExpiry1764050000000 } from './1764050000000-api-key-expiry.js';
import { OutboxOnJobs1765000000000 } from './1765000000000-outbox-on-jobs.js';
import { ScanStatus1765010000000 } from './1765010000000-scan-status.js';
import { ServiceDesignerRole1765100000000 } from './1765100000000-service-designer-role.js';
import { ServiceRevisions1765200000000 } from './1765200000000-service-revisions.js';
import { RevisionRollout1765300000000 } from './1765300000000-revision-rollout.js';
import { RevisionEvidence1765300000001 } from './1765300000001-revision-evidence.js';
import { SmeFirstOverride1765400000010 } from './1765400000010-sme-first-override.js';
import { SegmentDrift1765400000020 } from './1765400000020-segment-drift.js';
import { IdentityChangeNotifications1765400000040 } from './1765400000040-identity-change-notifications.js';
import { ReferenceSequences1765400000050 } from './1765400000050-reference-sequences.js';
import { RateLimitHitsUnlogged1765400000060 } from './1765400000060-rate-limit-hits-unlogged.js';
import { EndedSessionsStayEnded1765400000070 } from './1765400000070-ended-sessions-stay-ended.js';
import { JourneyEvents1765400000080 } from './1765400000080-journey-events.js';
import { Performance1765400000090 } from './1765400000090-performance.js';
import { InsightsIndexes1765400000100 } from './1765400000100-insights-indexes.js';
import { OfflineApplications1765400000110 } from './1765400000110-offline-applications.js';
import { StaffRoles1765400000120 } from './1765400000120-staff-roles.js';
import { StaffDirectory1765400000130 } from './1765400000130-staff-directory.js';
import { StaffSecondFactor1765400000140 } from './1765400000140-staff-second-factor.js';
import { StaffRemoval1765400000150 } from './1765400000150-staff-removal.js';
import { PersonalDataRetention1765400000300 } from './1765400000300-personal-data-retention.js';
import { EmailChange1765400000200 } from './1765400000200-email-change.js';
import { PersonAuditIndex1765400000210 } from './1765400000210-person-audit-index.js';

export const migrations = [
  Foundation1763856000000,
  Accounts1763900000000,
  Staff1763910000000,
  Organizations1763920000000,
  Applications1763930000000,
  QueueIndexes1763940000000,
  Rollout1763950000000,
  CohortMembership1763955000000,
  Feedback1763960000000,
  FeedbackEvidence1763970000000,
  FeedbackTriage1763980000000,
  AcceptanceAndFaq1763990000000,
  SignInThrottle1764020000000,
  OutboxSecrets1764030000000,
  OrganizationVerification1764040000000,
  ApiKeyExpiry1764050000000,
  OutboxOnJobs1765000000000,
  ScanStatus1765010000000,
  ServiceDesignerRole1765100000000,
  ServiceRevisions1765200000000,
  RevisionRollout1765300000000,
  RevisionEvidence1765300000001,
  SmeFirstOverride1765400000010,
  SegmentDrift1765400000020,
  IdentityChangeNotifications1765400000040,
  ReferenceSequences1765400000050,
  RateLimitHitsUnlogged1765400000060,
  EndedSessionsStayEnded1765400000070,
  JourneyEvents1765400000080,
  Performance1765400000090,
  InsightsIndexes1765400000100,
  OfflineApplications1765400000110,
  StaffRoles1765400000120,
  StaffDirectory1765400000130,
  StaffSecondFactor1765400000140,
  StaffRemoval1765400000150,
  EmailChange1765400000200,
  PersonAuditIndex1765400000210,
  PersonalDataRetention1765400000300,
];
