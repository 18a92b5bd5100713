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

/**
 * How an audience took the service up: week by week after it opened to them,
 * how many of its filers had filed by the week's end, and their share of all
 * its filers so far. A week is null when fewer than the threshold had, or when
 * fewer than the threshold (but some) came since the last week shown.
 */
export interface AdoptionCurve {
  audience: Audience;
  weeks: { week: number; filers: number | null; share: number | null }[];
}

/** The SME-first comparison of one service (issue 16), over its whole history. */
export interface SmeFirstComparison {
  slug: string;
  minGroup: number;
  /** When the variant first opened beyond staff, per audience (ISO), if it has. */
  opened: Record<Audience, string | null>;
  groups: GroupFigures[];
  /** Each audience's adoption over its first weeks (an audience the service opened to, with enough filers). */
  adoption: AdoptionCurve[];
  /** Problems SMEs reported before residents got the service, and how many were fixed by then. */
  beforeCitizens: { found: number; fixed: number } | null;
}

/** Who files for an audience: an SME, or a resident. */
const FILER: Record<Audience, 'organization_id' | 'account_id'> = {
  business: 'organization_id',
  citizen: 'account_id',
};

/** The adoption curves' length, in weeks from the opening. */
export const ADOPTION_WEEKS = 12;

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
  /** New filers per week from the opening (weeks 1 to ADOPTION_WEEKS): audiences only. */
  curve: { week: number; filers: number }[] | null;
}

/** What a group filed: the part of its Row its applications give. */
type Filing = Pick<Row, 'filers' | 'applications' | 'first_filing' | 'curve'>;

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
    const adoption: AdoptionCurve[] = [];
    for (const audience of ['business', 'citizen'] as const) {
      const since = opened[audience];
      const attached = cohorts.filter((c) => c.audience === audience);
      const filing = await this.filing(slug, audience, since, attached);
      const everyone = { ...filing.everyone, ...(await this.feedback(slug, audience, null, true)) };
      groups.push(this.shown(min, { kind: 'audience', audience, cohort: null }, everyone, since));
      if (since && everyone.filers >= min)
        adoption.push({ audience, weeks: curve(everyone, since, new Date(), min) });
      for (const cohort of attached) {
        const named = { slug: cohort.slug, name: cohort.name };
        const { members, othersFirst } = filing.cohorts.get(cohort.id)!;
        // Each filer is a member or not: the others are the audience less the cohort.
        const others = {
          filers: everyone.filers - members.filers,
          applications: everyone.applications - members.applications,
          first_filing: othersFirst,
          curve: null,
        };
        // A cohort and its others add up to their audience, shown above: when
        // one hides a figure, its twin hides it too, or subtraction would tell.
        groups.push(
          ...hiddenAlike(
            this.shown(
              min,
              { kind: 'cohort', audience, cohort: named },
              { ...members, ...(await this.feedback(slug, audience, cohort.slug, true)) },
              since,
            ),
            this.shown(
              min,
              { kind: 'others', audience, cohort: named },
              { ...others, ...(await this.feedback(slug, audience, cohort.slug, false)) },
              since,
            ),
          ),
        );
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
      adoption,
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
   * What an audience filed on the service's variant for it, in one pass over
   * its applications (each filer once): how many filed, their applications,
   * the first filing since the opening and the adoption curve (new filers by
   * week from the opening, those who filed before it in week 1, up to
   * ADOPTION_WEEKS); and the same of each cohort's active members, with the
   * others' first filing.
   */
  private async filing(
    slug: string,
    audience: Audience,
    opened: Date | null,
    cohorts: { id: string }[],
  ): Promise<{
    everyone: Filing;
    cohorts: Map<string, { members: Filing; othersFirst: Date | null }>;
  }> {
    const filer = FILER[audience];
    const rows = await this.dataSource.query<
      (Filing & { cohort: string | null; others_first: Date | null })[]
    >(
      `WITH per_filer AS MATERIALIZED (
         SELECT a.${filer} AS filer, count(*) AS applications, min(a.submitted_at) AS first,
                min(a.submitted_at) FILTER (WHERE a.submitted_at >= $3) AS first_since
           FROM application a
          WHERE a.service_slug = $1 AND a.variant = $2 AND a.status <> 'draft'
          GROUP BY a.${filer})
       SELECT NULL::uuid AS cohort, count(*)::int AS filers,
              COALESCE(sum(applications), 0)::int AS applications,
              min(first_since) AS first_filing, NULL::timestamptz AS others_first,
              (SELECT json_agg(json_build_object('week', w.week, 'filers', w.count) ORDER BY w.week)
                 FROM (SELECT greatest(1, floor(extract(epoch FROM first - $3) / 604800)::int + 1) AS week,
                              count(*)::int AS count
                         FROM per_filer WHERE first < $3 + make_interval(weeks => $5)
                        GROUP BY 1) w) AS curve
         FROM per_filer
       UNION ALL
       SELECT c.id, count(m.id)::int, COALESCE(sum(p.applications) FILTER (WHERE m.id IS NOT NULL), 0)::int,
              min(p.first_since) FILTER (WHERE m.id IS NOT NULL),
              min(p.first_since) FILTER (WHERE m.id IS NULL), NULL
         FROM unnest($4::uuid[]) AS c (id) CROSS JOIN per_filer p
         LEFT JOIN cohort_member m
           ON m.cohort_id = c.id AND m.status = 'active' AND m.${filer} = p.filer
        GROUP BY c.id`,
      [slug, audience, opened, cohorts.map((c) => c.id), ADOPTION_WEEKS],
    );
    const everyone = rows.find((r) => r.cohort === null)!;
    const none: Filing = { filers: 0, applications: 0, first_filing: null, curve: null };
    return {
      everyone,
      cohorts: new Map(
        cohorts.map((c) => {
          const row = rows.find((r) => r.cohort === c.id);
          // No filer at all: nobody in the cohort, nobody outside it.
          return [
            c.id,
            {
              members: row ? { ...row, curve: null } : none,
              othersFirst: row?.others_first ?? null,
            },
          ];
        }),
      ),
    };
  }

  /**
   * The feedback an audience gave on the service (not its duplicates): all
   * of it (`cohort` null), or that given in a cohort (`inside`) or not.
   */
  private async feedback(
    slug: string,
    audience: Audience,
    cohort: string | null,
    inside: boolean,
  ): Promise<Pick<Row, 'feedback' | 'words' | 'screenshots' | 'kinds' | 'steps'>> {
    const [row] = await this.dataSource.query<
      Pick<Row, 'feedback' | 'words' | 'screenshots' | 'kinds' | 'steps'>[]
    >(
      `WITH items AS (
         SELECT f.id, f.kind, f.page,
                array_length(regexp_split_to_array(
                  btrim(f.tried || ' ' || f.happened || ' ' || f.expected), '\\s+'), 1) AS words
           FROM feedback_item f
          WHERE f.service_slug = $1 AND f.audience = $2 AND f.status <> 'duplicate'
            AND ($3::text IS NULL OR ($3 = ANY(f.cohorts)) = $4))
       SELECT (SELECT count(*)::int FROM items) AS feedback,
              (SELECT avg(words) FROM items) AS words,
              (SELECT count(*)::int FROM items WHERE EXISTS (
                 SELECT 1 FROM feedback_attachment fa
                  WHERE fa.feedback_id = items.id AND fa.content_type LIKE 'image/%')) AS screenshots,
              (SELECT count(DISTINCT kind)::int FROM items) AS kinds,
              (SELECT count(DISTINCT (regexp_match(page, '/steps/([^/?#]+)'))[1])::int FROM items) AS steps`,
      [slug, audience, cohort, inside],
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

/**
 * An audience's filers by the end of each week from `opened` (up to
 * ADOPTION_WEEKS, and no further than `now`; those who filed before the
 * opening count from week 1), and their share of all its filers (`row.filers`,
 * shown beside). A week is shown only when its total is at least `min` and
 * differs by none or at least `min` from the next figure shown: a later week,
 * or all the filers. So no difference between two figures shown counts fewer
 * people than the threshold. Chosen from the last week back, so that the
 * curve ends at the filers it rises to.
 */
export function curve(
  row: Pick<Row, 'filers' | 'curve'>,
  opened: Date,
  now: Date,
  min: number,
): AdoptionCurve['weeks'] {
  const elapsed = Math.ceil((now.getTime() - opened.getTime()) / (7 * 86_400_000));
  const newFilers = new Map((row.curve ?? []).map((w) => [w.week, w.filers]));
  const totals: number[] = [];
  for (let week = 1; week <= Math.min(ADOPTION_WEEKS, Math.max(elapsed, 0)); week++)
    totals.push((totals.at(-1) ?? 0) + (newFilers.get(week) ?? 0));
  const shown = totals.map(() => false);
  let next = row.filers;
  for (let i = totals.length - 1; i >= 0; i--) {
    const gap = next - totals[i];
    if (totals[i] >= min && (gap === 0 || gap >= min)) {
      shown[i] = true;
      next = totals[i];
    }
  }
  return totals.map((total, i) => ({
    week: i + 1,
    filers: shown[i] ? total : null,
    share: shown[i] && row.filers > 0 ? total / row.filers : null,
  }));
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
