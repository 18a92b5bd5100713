import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** What the organizations module holds about a person, for their download (ADR 0048). */
export interface OrganizationExport {
  /** The SMEs the person belongs to, with their details and the person's role. */
  memberships: {
    organization: {
      id: string;
      legalName: string;
      neq: string;
      streetAddress: string;
      city: string;
      postalCode: string;
      employeeCount: number;
      naicsCode: string;
      contactName: string;
      contactEmail: string;
      contactPhone: string;
      verifiedAt: Date | null;
      createdAt: Date;
    };
    role: string;
    memberSince: Date;
  }[];
  /** Invitations the person sent (never their links). */
  invitationsSent: InvitationExport[];
  /** Invitations the person accepted. */
  invitationsAccepted: InvitationExport[];
}

interface InvitationExport {
  organizationId: string;
  legalName: string;
  email: string;
  role: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
}

/**
 * The person's SMEs and invitations, from the organizations module's own
 * tables, in the caller's transaction (one consistent view of every module).
 */
@Injectable()
export class OrganizationExportReadModel {
  async exportFor(manager: EntityManager, accountId: string): Promise<OrganizationExport> {
    const memberships = await manager.query(
      `SELECT organization.*, organization_membership.role,
              organization_membership.created_at AS member_since
         FROM organization_membership
         JOIN organization ON organization.id = organization_membership.organization_id
        WHERE organization_membership.account_id = $1
        ORDER BY lower(organization.legal_name), organization.id`,
      [accountId],
    );
    const invitations = async (column: 'created_by' | 'accepted_by') =>
      (
        await manager.query(
          `SELECT organization_invitation.organization_id, organization.legal_name,
                  organization_invitation.email, organization_invitation.role,
                  organization_invitation.created_at, organization_invitation.expires_at,
                  organization_invitation.accepted_at
             FROM organization_invitation
             JOIN organization ON organization.id = organization_invitation.organization_id
            WHERE organization_invitation.${column} = $1
            ORDER BY organization_invitation.created_at`,
          [accountId],
        )
      ).map(
        (i: {
          organization_id: string;
          legal_name: string;
          email: string;
          role: string;
          created_at: Date;
          expires_at: Date;
          accepted_at: Date | null;
        }): InvitationExport => ({
          organizationId: i.organization_id,
          legalName: i.legal_name,
          email: i.email,
          role: i.role,
          createdAt: i.created_at,
          expiresAt: i.expires_at,
          acceptedAt: i.accepted_at,
        }),
      );
    return {
      memberships: memberships.map((m: Record<string, never>) => ({
        organization: {
          id: m.id,
          legalName: m.legal_name,
          neq: m.neq,
          streetAddress: m.street_address,
          city: m.city,
          postalCode: m.postal_code,
          employeeCount: m.employee_count,
          naicsCode: m.naics_code,
          contactName: m.contact_name,
          contactEmail: m.contact_email,
          contactPhone: m.contact_phone,
          verifiedAt: m.verified_at,
          createdAt: m.created_at,
        },
        role: m.role,
        memberSince: m.member_since,
      })),
      invitationsSent: await invitations('created_by'),
      invitationsAccepted: await invitations('accepted_by'),
    };
  }
}
