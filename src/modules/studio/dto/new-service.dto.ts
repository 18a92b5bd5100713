import { Transform } from 'class-transformer';
import { IsNotEmpty, Matches, MaxLength } from 'class-validator';
import { Satisfies, trim } from '../../organizations/dto/organization.dto.js';
import type { NewService } from '../service-revisions.service.js';
import { RESERVED_SLUGS, SERVICE_SLUG_MAX_LENGTH } from '../service-documents.service.js';

const SLUG = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const PREFIX = /^[A-Z]{2,4}$/;
const MAX_TEXT = 200;

/** The "create a service" form. Messages are catalog keys. */
export class NewServiceDto {
  @Transform(trim)
  @IsNotEmpty({ message: 'studioServices.new.errors.slugRequired' })
  @MaxLength(SERVICE_SLUG_MAX_LENGTH, { message: 'studioServices.new.errors.slugTooLong' })
  @Satisfies('slugFormat', (v) => SLUG.test(v), 'studioServices.new.errors.slugInvalid')
  @Satisfies('notReserved', (v) => !RESERVED_SLUGS.includes(v), 'studio.errors.slugTaken')
  slug = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'studioServices.new.errors.prefixRequired' })
  @Satisfies('prefixFormat', (v) => PREFIX.test(v), 'studioServices.new.errors.prefixInvalid')
  referencePrefix = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'studioServices.new.errors.titleFrRequired' })
  @MaxLength(MAX_TEXT, { message: 'studioServices.new.errors.textTooLong' })
  titleFr = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'studioServices.new.errors.titleEnRequired' })
  @MaxLength(MAX_TEXT, { message: 'studioServices.new.errors.textTooLong' })
  titleEn = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'studioServices.new.errors.departmentFrRequired' })
  @MaxLength(MAX_TEXT, { message: 'studioServices.new.errors.textTooLong' })
  departmentFr = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'studioServices.new.errors.departmentEnRequired' })
  @MaxLength(MAX_TEXT, { message: 'studioServices.new.errors.textTooLong' })
  departmentEn = '';
}

export const NEW_SERVICE_FIELDS = [
  'slug',
  'referencePrefix',
  'titleFr',
  'titleEn',
  'departmentFr',
  'departmentEn',
] as const;

export function newServiceInput(dto: NewServiceDto): NewService {
  return {
    slug: dto.slug,
    referencePrefix: dto.referencePrefix,
    title: { fr: dto.titleFr, en: dto.titleEn },
    department: { fr: dto.departmentFr, en: dto.departmentEn },
  };
}

const NUMBER = /^[1-9]\d{0,8}$/;

/** Starting a draft: from the latest ready revision, or from `from` (a restore). */
export class StartDraftDto {
  @Transform(trim)
  @Satisfies('from', (v) => NUMBER.test(v), 'studioServices.errors.revision')
  from = '';
}

export const START_DRAFT_FIELDS = ['from'] as const;

/** Discarding a draft: the version the designer saw (a draft saved since is not discarded). */
export class DiscardDraftDto {
  @Transform(trim)
  @Matches(NUMBER, { message: 'studioServices.errors.version' })
  version = '';
}

export const DISCARD_DRAFT_FIELDS = ['version'] as const;
