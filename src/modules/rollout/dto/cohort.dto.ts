import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, MaxLength, ValidateBy } from 'class-validator';
import { AUDIENCES } from '../../../platform/flags/flag-context.js';
import { Satisfies, trim } from '../../organizations/dto/organization.dto.js';

export const SLUG_MAX_LENGTH = 60;
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Kebab-case, lowercase ASCII letters and digits, 60 characters at most (the Unleash segment is `cohort:<slug>`). */
export function isCohortSlug(value: string): boolean {
  return value.length <= SLUG_MAX_LENGTH && SLUG.test(value);
}

/** A slug from a name: "Pilote – Restaurants Québec" → "pilote-restaurants-quebec". */
export function slugFromName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/-+$/, '');
}

/**
 * Text over several lines: control characters other than line breaks and tabs
 * are dropped, line ends become \n, the ends are trimmed.
 */
export const multiline = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .replace(/\r\n?/g, '\n')
        // eslint-disable-next-line no-control-regex
        .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
        .trim()
    : value;

/** The "create a cohort" form. Messages are catalog keys. */
export class CohortDto {
  @Transform(trim)
  @IsNotEmpty({ message: 'cohorts.errors.nameRequired' })
  @MaxLength(120, { message: 'cohorts.errors.nameTooLong' })
  name = '';

  /** Optional on the form: derived from the name when left empty (the name must give one). */
  @Transform(trim)
  @MaxLength(SLUG_MAX_LENGTH, { message: 'cohorts.errors.slugTooLong' })
  @Satisfies('slug', (v) => SLUG.test(v), 'cohorts.errors.slugInvalid')
  @ValidateBy(
    {
      name: 'slugFromName',
      validator: {
        validate: (value: unknown, args) => {
          const name = (args?.object as CohortDto | undefined)?.name ?? '';
          return value !== '' || name === '' || isCohortSlug(slugFromName(name));
        },
      },
    },
    { message: 'cohorts.errors.slugRequired' },
  )
  slug = '';

  @Transform(multiline)
  @MaxLength(2000, { message: 'cohorts.errors.descriptionTooLong' })
  description = '';

  @IsIn(AUDIENCES, { message: 'cohorts.errors.audienceRequired' })
  audience = '';
}

export const COHORT_FIELDS = ['name', 'slug', 'description', 'audience'] as const;

/** The "edit a cohort" form: its slug and audience are fixed once it exists. */
export class EditCohortDto {
  @Transform(trim)
  @IsNotEmpty({ message: 'cohorts.errors.nameRequired' })
  @MaxLength(120, { message: 'cohorts.errors.nameTooLong' })
  name = '';

  @Transform(multiline)
  @MaxLength(2000, { message: 'cohorts.errors.descriptionTooLong' })
  description = '';
}

export const EDIT_COHORT_FIELDS = ['name', 'description'] as const;
