#!/usr/bin/env bash
# Who depends on whom, as the code says it today (docs/architecture.md, "Modules";
# ADR 0021). Run from the repository's root:  bash scripts/module-boundaries.sh
#
# 1. imports: every import of a file in another module or platform folder
#    ("from -> to  file  imported"), then the module-to-module edges counted;
# 2. tables: every SQL statement naming another module's table, per file
#    (read: FROM/JOIN; write: INSERT INTO/UPDATE/DELETE FROM), with the owner.
# Specs are left out. The owners below are those of docs/architecture.md, "Data":
# add a new table there and here in the same commit.
set -euo pipefail
cd "$(dirname "$0")/.."
imports=$(mktemp)
edges=$(mktemp)
trap 'rm -f "$imports" "$edges"' EXIT

echo '## Cross-module imports (from -> to, file, imported file)'
grep -rnoE "from '(\.\./)+[a-z-]+/[^']+'" src --include='*.ts' | grep -v '\.spec\.ts:' |
  while IFS=: read -r file _line match; do
    from=$(sed -E 's#^src/(modules|platform)/([a-z-]+)/.*#\1/\2#; s#^src/[^/]+\.ts$#app#' <<<"$file")
    path=$(sed -E "s/^from '//; s/'$//" <<<"$match")
    target=$(realpath -m --relative-to=. "$(dirname "$file")/$path")
    to=$(sed -E 's#^src/(modules|platform)/([a-z-]+)/.*#\1/\2#' <<<"$target")
    [ "$from" != "$to" ] && printf '%s -> %s\t%s\t%s\n' "$from" "$to" "$file" "$target"
  done | sort >"$imports" || true
cat "$imports"
echo
echo '## Module edges (imports counted; platform left out)'
grep -v 'platform/' "$imports" | cut -f1 | sort | uniq -c
echo
echo '## Folder cycles (A imports B and B imports A, type-only imports included)'
grep -v 'platform/' "$imports" | cut -f1 | sort -u >"$edges"
while read -r a _ b; do
  if [[ "$a" < "$b" ]] && grep -qx "$b -> $a" "$edges"; then echo "$a <-> $b"; fi
done <"$edges"
echo
echo "## SQL naming another module's table (read or write, file, table, owner)"
find src -name '*.ts' ! -name '*.spec.ts' | sort | xargs perl -e '
  my %owner = (
    audit_event => "audit", seed_run => "demo", http_session => "platform/http",
    rate_limit_hit => "platform/security", outbox_message => "notifications",
    staff_member => "staff", staff_directory_identity => "staff", staff_second_factor => "staff", staff_recovery_code => "staff", staff_removal => "staff", organization_claim => "ownership",
    map({ $_ => "accounts" } qw(account account_token sign_in_throttle)),
    map({ $_ => "organizations" } qw(organization organization_membership organization_invitation)),
    map({ $_ => "applications" } qw(application application_transition application_message
      application_attachment api_key journey_event)),
    map({ $_ => "rollout" } qw(cohort cohort_member pilot_volunteer rollout_plan rollout_plan_cohort
      rollout_checklist_tick rollout_decision rollout_schedule rollout_drift rollout_segment_applied release_subscription
      revision_rollout)),
    map({ $_ => "studio" } qw(service service_revision)),
    map({ $_ => "feedback" } qw(feedback_item feedback_attachment)),
    map({ $_ => "triage" } qw(feedback_reply feedback_note feedback_change)),
    map({ $_ => "acceptance" } qw(acceptance_criterion acceptance_result)),
    faq_entry => "faq", satisfaction_response => "satisfaction",
    map({ $_ => "insights" } qw(availability_minute performance_snapshot offline_application_count)),
  );
  my $names = join "|", sort { length $b <=> length $a } keys %owner;
  for my $file (@ARGV) {
    open my $fh, "<", $file or die "$file: $!";
    local $/; my $text = <$fh>; close $fh;
    my $module = $file =~ m#^src/platform/([a-z-]+)/# ? "platform/$1"
               : $file =~ m#^src/modules/([a-z-]+)/# ? $1 : "app";
    my (%read, %write);
    $read{$2}++ while $text =~ /\b(FROM|JOIN)\s+($names)\b/g;
    $write{$2}++ while $text =~ /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+($names)\b/g;
    for my $table (sort keys %owner) {
      next unless $read{$table} || $write{$table};
      next if $owner{$table} eq $module;
      printf "%-5s  %-58s %-24s %s\n", ($write{$table} ? "write" : "read"), $file, $table, $owner{$table};
    }
  }'
