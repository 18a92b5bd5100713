import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import { tenth } from './figures.js';

/** Who a group is: every SME or every resident, a pilot cohort, or the others of its audience. */
export type GroupKind = 'audience' | 'cohort' | 'others';

/**
 * One group's figures; all null (but `kind`, `audience`, `cohort`) when it
 * has fewer filers than the threshold, and those of its feedback null when it
 * gave fewer items than the threshold.
 */
export interface GroupFigures {
  kind: GroupKind;
  audience: Audience;
  /** The cohort's slug and name (kind cohort, and others: the cohort they are compared with). */
  cohort: { slug: string; name: string } | null;
  filers: number | null;
  applications: number | null;
  feedback: number | null;
  /** Feedback items per 100 applications submitted. */
  feedbackPer100: number | null;
  /** Richness: average words an item, share with a screenshot, kinds used (of 6), steps covered. */
  averageWords: number | null;
  withScreenshot: number | null;
  kinds: number | null;
  steps: number | null;
  /** Days from the variant opening to the group to its first application submitted. */
  daysToFirstFiling: number | null;
}

/** The SME-first comparison of one service (issue 16), over its whole history. */
export interface SmeFirstComparison {
  slug: string;
  minGroup: number;
  /** When the variant first opened beyond staff, per audience (ISO), if it has. */
  opened: Record<Audience, string | null>;
  groups: GroupFigures[];
  /** Problems SMEs reported before residents got the service, and how many were fixed by then. */
  beforeCitizens: { found: number; fixed: number } | null;
}

/** Stages that open a variant beyond staff, per audience. */
const OPENING: Record<Audience, string[]> = {
  business: ['sme-pilot', 'sme-gradual', 'sme-all'],
  citizen: ['citizen-pilot', 'citizen-gradual', 'general'],
};

interface Row {
  filers: number;
  applications: number;
  feedback: number;
  words: string | null;
  screenshots: number;
  kinds: number;
  steps: number;
  first_filing: Date | null;
}

/**
 * The page the city shows its council (issue 16): for one service, SMEs
 * against residents and each pilot cohort against the others of its audience:
 * how much feedback they gave per 100 applications and how rich it was (words,
 * screenshots, kinds, steps covered), how soon they filed after the service
 * opened to them, and the problems SMEs found and got fixed before residents
 * had the service. A group of fewer filers than INSIGHTS_MIN_GROUP shows
 * nothing, and what its feedback says needs as many items. Members of a cohort are its active members now; feedback counts
 * for the cohorts it was given in (stamped when given). Duplicates are not
 * counted. A reporting read model: it never writes.
 */
@Injectable()
export class SmeFirstReadModel {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async comparison(slug: string): Promise<SmeFirstComparison> {
    const min = this.config.INSIGHTS_MIN_GROUP;
    const opened = {
      business: await this.openedAt(slug, 'business'),
      citizen: await this.openedAt(slug, 'citizen'),
    };
    // The cohorts attached to either of the service's plans.
    const cohorts = await this.dataSource.query<
      { id: string; slug: string; name: string; audience: Audience }[]
    >(
      `SELECT DISTINCT cohort.id, cohort.slug, cohort.name, cohort.audience
         FROM cohort
         JOIN rollout_plan_cohort rpc ON rpc.cohort_id = cohort.id AND rpc.service_slug = $1
        ORDER BY cohort.audience, cohort.name`,
      [slug],
    );
    const groups: GroupFigures[] = [];
    for (const audience of ['business', 'citizen'] as const) {
      groups.push(
        this.shown(
          min,
          { kind: 'audience', audience, cohort: null },
          await this.figures(slug, audience, null, opened[audience]),
          opened[audience],
        ),
      );
      for (const cohort of cohorts.filter((c) => c.audience === audience)) {
        const named = { slug: cohort.slug, name: cohort.name };
        const [inside, outside] = await Promise.all(
          ([true, false] as const).map(async (isMember) =>
            this.shown(
              min,
              { kind: isMember ? 'cohort' : 'others', audience, cohort: named },
              await this.figures(
                slug,
                audience,
                { id: cohort.id, slug: cohort.slug, inside: isMember },
                opened[audience],
              ),
              opened[audience],
            ),
          ),
        );
        // A cohort and its others add up to their audience, shown above: when
        // one hides a figure, its twin hides it too, or subtraction would tell.
        groups.push(...hiddenAlike(inside, outside));
      }
    }
    return {
      slug,
      minGroup: min,
      opened: {
        business: opened.business?.toISOString() ?? null,
        citizen: opened.citizen?.toISOString() ?? null,
      },
      groups,
      beforeCitizens: await this.beforeCitizens(slug, opened.citizen),
    };
  }

  private async openedAt(slug: string, audience: Audience): Promise<Date | null> {
    const [row] = await this.dataSource.query<{ at: Date | null }[]>(
      // A real opening: the variant moved (not a schedule, a skip or a
      // candidate revision's track) from closed or internal into a stage
      // that reaches beyond staff.
      `SELECT min(d.created_at) AS at FROM rollout_decision d
        WHERE d.service_slug = $1 AND d.variant = $2 AND d.to_stage = ANY($3::text[])
          AND d.kind IN ('promote', 'scheduled-promotion', 'drift-adopted')
          AND d.revision IS NULL AND NOT (d.from_stage = ANY($3::text[]))`,
      [slug, audience, OPENING[audience]],
    );
    return row.at;
  }

  /**
   * One group's raw figures: the applications submitted on the service's
   * variant for `audience` (a cohort's: by its active members, or by the
   * others), and the feedback given (a cohort's: given in it, or not).
   */
  private async figures(
    slug: string,
    audience: Audience,
    cohort: { id: string; slug: string; inside: boolean } | null,
    opened: Date | null,
  ): Promise<Row> {
    const member = audience === 'business' ? 'organization_id' : 'account_id';
    // $4: the cohort's id (null: everyone); $5: inside it or not; $6: its slug.
    const inCohort = (alias: string) =>
      `($4::uuid IS NULL OR (EXISTS (SELECT 1 FROM cohort_member m
          WHERE m.cohort_id = $4 AND m.status = 'active' AND m.${member} = ${alias}.${member})) = $5)`;
    const [row] = await this.dataSource.query<Row[]>(
      `WITH apps AS (
         SELECT a.${member} AS filer, a.submitted_at FROM application a
          WHERE a.service_slug = $1 AND a.variant = $2 AND a.status <> 'draft' AND ${inCohort('a')}),
       items AS (
         SELECT f.id, f.kind, f.page,
                array_length(regexp_split_to_array(
                  btrim(f.tried || ' ' || f.happened || ' ' || f.expected), '\\s+'), 1) AS words
           FROM feedback_item f
          WHERE f.service_slug = $1 AND f.audience = $2 AND f.status <> 'duplicate'
            AND ($4::uuid IS NULL OR ($6 = ANY(f.cohorts)) = $5))
       SELECT (SELECT count(DISTINCT filer)::int FROM apps) AS filers,
              (SELECT count(*)::int FROM apps) AS applications,
              (SELECT min(submitted_at) FROM apps
                WHERE $3::timestamptz IS NULL OR submitted_at >= $3) AS first_filing,
              (SELECT count(*)::int FROM items) AS feedback,
              (SELECT avg(words) FROM items) AS words,
              (SELECT count(*)::int FROM items WHERE EXISTS (
                 SELECT 1 FROM feedback_attachment fa
                  WHERE fa.feedback_id = items.id AND fa.content_type LIKE 'image/%')) AS screenshots,
              (SELECT count(DISTINCT kind)::int FROM items) AS kinds,
              (SELECT count(DISTINCT (regexp_match(page, '/steps/([^/?#]+)'))[1])::int FROM items) AS steps`,
      [slug, audience, opened, cohort?.id ?? null, cohort?.inside ?? true, cohort?.slug ?? null],
    );
    return row;
  }

  private shown(
    min: number,
    who: Pick<GroupFigures, 'kind' | 'audience' | 'cohort'>,
    row: Row,
    opened: Date | null,
  ): GroupFigures {
    if (row.filers < min)
      return {
        ...who,
        filers: null,
        applications: null,
        feedback: null,
        feedbackPer100: null,
        averageWords: null,
        withScreenshot: null,
        kinds: null,
        steps: null,
        daysToFirstFiling: null,
      };
    // What the feedback says only from enough items: fewer could point at their authors.
    const enough = row.feedback >= min;
    return {
      ...who,
      filers: row.filers,
      applications: row.applications,
      feedback: enough ? row.feedback : null,
      feedbackPer100: enough ? tenth((100 * row.feedback) / row.applications) : null,
      averageWords: enough && row.words !== null ? tenth(Number(row.words)) : null,
      withScreenshot: enough ? row.screenshots / row.feedback : null,
      kinds: enough ? row.kinds : null,
      steps: enough ? row.steps : null,
      daysToFirstFiling:
        opened && row.first_filing
          ? tenth((new Date(row.first_filing).getTime() - opened.getTime()) / 86_400_000)
          : null,
    };
  }

  /** SMEs' problems reported before the citizen variant first opened, and those fixed by then. */
  private async beforeCitizens(
    slug: string,
    citizensOpened: Date | null,
  ): Promise<{ found: number; fixed: number } | null> {
    const [row] = await this.dataSource.query<{ found: number; fixed: number }[]>(
      `SELECT count(*)::int AS found,
              count(*) FILTER (WHERE f.status = 'fixed'
                               AND ($2::timestamptz IS NULL OR f.status_changed_at < $2))::int AS fixed
         FROM feedback_item f
        WHERE f.service_slug = $1 AND f.audience = 'business' AND f.kind = 'problem'
          AND f.status <> 'duplicate' AND ($2::timestamptz IS NULL OR f.created_at < $2)`,
      [slug, citizensOpened],
    );
    return row;
  }
}

/** The figures of a cohort and of its others, each hidden where the other's is. */
function hiddenAlike(a: GroupFigures, b: GroupFigures): [GroupFigures, GroupFigures] {
  const keys = [
    'filers',
    'applications',
    'daysToFirstFiling',
    'feedback',
    'feedbackPer100',
    'averageWords',
    'withScreenshot',
    'kinds',
    'steps',
  ] as const;
  const feedback = new Set<string>([
    'feedback',
    'feedbackPer100',
    'averageWords',
    'withScreenshot',
    'kinds',
    'steps',
  ]);
  const hide = (key: (typeof keys)[number]) =>
    a.filers === null ||
    b.filers === null ||
    (feedback.has(key) && (a.feedback === null || b.feedback === null));
  const masked = (g: GroupFigures): GroupFigures => {
    const copy = { ...g };
    for (const key of keys) if (hide(key)) copy[key] = null;
    return copy;
  };
  return [masked(a), masked(b)];
}
