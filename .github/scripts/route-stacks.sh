#!/usr/bin/env bash
# Routes every stack of the repository (one Pulumi.<stack>.yaml each, in the working directory) for the
# preview and deploy workflows, and says why in the job summary.
#
#   driver  actions      these workflows preview and deploy the stack (the default)
#           deployments  Pulumi Deployments does (deployments/), because the repository variable
#                        DEPLOYMENTS_STACKS names the stack; the workflows skip it, so one stack never
#                        has two drivers
#   cloud   ferrum:cloud of the stack file (k3s when unset, as Pulumi.yaml's default)
#   region  aws:region of the stack file (empty when unset)
#
# In:  DEPLOYMENTS_STACKS  a JSON array (["prod"]) or names separated by commas or spaces; names match
#                          exactly, so "prod" never selects "prod-azure"
# Out: $GITHUB_OUTPUT      stacks (JSON array), drivers, clouds, regions (JSON objects keyed by stack)
#      $GITHUB_STEP_SUMMARY a table of the stacks and who drives each
set -euo pipefail

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT must name the step output file}"
: "${GITHUB_STEP_SUMMARY:?GITHUB_STEP_SUMMARY must name the job summary file}"

# A top-level `key: value` of a stack file's config, quotes and trailing comments removed.
config_value() {
  sed -n "s/^[[:space:]]*$1:[[:space:]]*\"\{0,1\}'\{0,1\}\([^\"'#[:space:]]*\).*/\1/p" "$2" | head -n 1
}

read -r -a deployments <<<"$(printf '%s' "${DEPLOYMENTS_STACKS:-}" | tr -d '[]"' | tr ',' ' ')" || true

shopt -s nullglob
files=(Pulumi.*.yaml)
if [ ${#files[@]} -eq 0 ]; then
  echo "::error::no Pulumi.<stack>.yaml in $(pwd)"
  exit 1
fi

stacks="" drivers="" clouds="" regions="" rows=""
for file in "${files[@]}"; do
  stack="${file#Pulumi.}"
  stack="${stack%.yaml}"
  if ! [[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]]; then
    echo "::error file=$file::stack name '$stack' has characters a Pulumi stack name cannot have"
    exit 1
  fi
  driver=actions
  for name in "${deployments[@]}"; do
    if [ "$name" = "$stack" ]; then driver=deployments; fi
  done
  cloud="$(config_value 'ferrum:cloud' "$file")"
  cloud="${cloud:-k3s}"
  region="$(config_value 'aws:region' "$file")"
  stacks+="${stacks:+,}\"$stack\""
  drivers+="${drivers:+,}\"$stack\":\"$driver\""
  clouds+="${clouds:+,}\"$stack\":\"$cloud\""
  regions+="${regions:+,}\"$stack\":\"$region\""
  if [ "$driver" = actions ]; then
    rows+="| \`$stack\` | $cloud | GitHub Actions |"$'\n'
  else
    rows+="| \`$stack\` | $cloud | Pulumi Deployments: skipped here (named in the repository variable DEPLOYMENTS_STACKS) |"$'\n'
  fi
done

unknown=()
for name in "${deployments[@]}"; do
  [ -f "Pulumi.$name.yaml" ] || unknown+=("$name")
done

{
  echo "stacks=[$stacks]"
  echo "drivers={$drivers}"
  echo "clouds={$clouds}"
  echo "regions={$regions}"
} >>"$GITHUB_OUTPUT"

{
  echo "### Who drives each stack"
  echo
  echo "| stack | cloud | driver |"
  echo "| --- | --- | --- |"
  printf '%s' "$rows"
  if [ ${#unknown[@]} -gt 0 ]; then
    echo
    echo "DEPLOYMENTS_STACKS names ${unknown[*]}, which no Pulumi.<stack>.yaml declares."
  fi
} >>"$GITHUB_STEP_SUMMARY"

if [ ${#unknown[@]} -gt 0 ]; then
  echo "::warning title=DEPLOYMENTS_STACKS::names ${unknown[*]}, which no Pulumi.<stack>.yaml declares"
fi
