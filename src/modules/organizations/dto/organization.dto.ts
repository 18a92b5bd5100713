import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, isEmail, MaxLength, ValidateBy } from 'class-validator';
import { NAICS_CODES } from '../naics-sectors.js';
import type { OrganizationDetails, OrganizationInput } from '../organization.service.js';

/**
 * Single-line text: control characters (which PostgreSQL text cannot always hold,
 * like NUL) become spaces, then the ends are trimmed.
 */
export const trim = ({ value }: { value: unknown }) =>
  // eslint-disable-next-line no-control-regex
  typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim() : value;

/** Passes empty values (the "required" rule speaks for those) and values `check` accepts. */
export function Satisfies(name: string, check: (value: string) => boolean, message: string) {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (value === '' || check(value)),
      },
    },
    { message },
  );
}

/** Spaces, including the no-break ones French typography puts between groups of digits. */
const SPACES = /[\s\u00a0\u202f]/g;

/** The NEQ (Québec enterprise number): 10 digits, spaces allowed while typing. */
export function normalizeNeq(value: string): string | undefined {
  const digits = value.replace(SPACES, '');
  return /^\d{10}$/.test(digits) ? digits : undefined;
}

/** A Canadian postal code, as "A1A 1A1" (letters D, F, I, O, Q, U never used; W, Z never first). */
export function normalizePostalCode(value: string): string | undefined {
  const compact = value.replace(SPACES, '').replace('-', '').toUpperCase();
  return /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d$/.test(compact)
    ? `${compact.slice(0, 3)} ${compact.slice(3)}`
    : undefined;
}

/** A whole number of employees, 0 or more (spaces between thousands allowed). */
export function parseEmployeeCount(value: string): number | undefined {
  const digits = value.replace(SPACES, '');
  return /^\d{1,7}$/.test(digits) ? Number(digits) : undefined;
}

/** A 10-digit North American phone number, as "418 555-0123" (a leading +1 or 1 is dropped). */
export function normalizePhone(value: string): string | undefined {
  const digits = value.replace(/[\s\u00a0\u202f().-]/g, '').replace(/^\+?1(?=\d{10}$)/, '');
  return /^[2-9]\d{2}[2-9]\d{6}$/.test(digits)
    ? `${digits.slice(0, 3)} ${digits.slice(3, 6)}-${digits.slice(6)}`
    : undefined;
}

/**
 * What an SME's owners may change after registering it (`/organizations/:id/edit`):
 * everything but its legal name and NEQ, which staff checked (ADR 0014).
 * Messages are catalog keys.
 */
export class OrganizationDetailsDto {
  @Transform(trim)
  @IsNotEmpty({ message: 'organizations.errors.streetAddressRequired' })
  @MaxLength(200, { message: 'organizations.errors.streetAddressTooLong' })
  streetAddress = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'organizations.errors.cityRequired' })
  @MaxLength(100, { message: 'organizations.errors.cityTooLong' })
  city = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'organizations.errors.postalCodeRequired' })
  @Satisfies(
    'postalCode',
    (v) => normalizePostalCode(v) !== undefined,
    'organizations.errors.postalCodeInvalid',
  )
  postalCode = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'organizations.errors.employeeCountRequired' })
  @Satisfies(
    'employeeCount',
    (v) => parseEmployeeCount(v) !== undefined,
    'organizations.errors.employeeCountInvalid',
  )
  employeeCount = '';

  @IsIn(NAICS_CODES, { message: 'organizations.errors.naicsCodeRequired' })
  naicsCode = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'organizations.errors.contactNameRequired' })
  @MaxLength(120, { message: 'organizations.errors.contactNameTooLong' })
  contactName = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'organizations.errors.contactEmailRequired' })
  @MaxLength(254, { message: 'organizations.errors.contactEmailInvalid' })
  @Satisfies('contactEmail', (v) => isEmail(v), 'organizations.errors.contactEmailInvalid')
  contactEmail = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'organizations.errors.contactPhoneRequired' })
  @Satisfies(
    'contactPhone',
    (v) => normalizePhone(v) !== undefined,
    'organizations.errors.contactPhoneInvalid',
  )
  contactPhone = '';
}

/** The SME registration form: its legal name and NEQ, then its details. */
export class OrganizationDto extends OrganizationDetailsDto {
  @Transform(trim)
  @IsNotEmpty({ message: 'organizations.errors.legalNameRequired' })
  @MaxLength(200, { message: 'organizations.errors.legalNameTooLong' })
  legalName = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'organizations.errors.neqRequired' })
  @Satisfies('neq', (v) => normalizeNeq(v) !== undefined, 'organizations.errors.neqInvalid')
  neq = '';
}

export const ORGANIZATION_FIELDS = [
  'legalName',
  'neq',
  'streetAddress',
  'city',
  'postalCode',
  'employeeCount',
  'naicsCode',
  'contactName',
  'contactEmail',
  'contactPhone',
] as const;

export const ORGANIZATION_DETAIL_FIELDS = [
  'streetAddress',
  'city',
  'postalCode',
  'employeeCount',
  'naicsCode',
  'contactName',
  'contactEmail',
  'contactPhone',
] as const;

/** A valid details form as the SME's new details, each value in its one written form. */
export function organizationDetailsInput(dto: OrganizationDetailsDto): OrganizationDetails {
  return {
    streetAddress: dto.streetAddress,
    city: dto.city,
    postalCode: normalizePostalCode(dto.postalCode)!,
    employeeCount: parseEmployeeCount(dto.employeeCount)!,
    naicsCode: dto.naicsCode,
    contactName: dto.contactName,
    contactEmail: dto.contactEmail,
    contactPhone: normalizePhone(dto.contactPhone)!,
  };
}

/** A valid registration form as the SME to register, each value in its one written form. */
export function organizationInput(dto: OrganizationDto): OrganizationInput {
  return {
    legalName: dto.legalName,
    neq: normalizeNeq(dto.neq)!,
    ...organizationDetailsInput(dto),
  };
}
