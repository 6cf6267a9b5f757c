#!/usr/bin/env bash
# Routes every stack of the repository (one Pulumi.<stack>.yaml each, in the working directory) for the
# preview and deploy workflows, and says why in the job summary.
#
#   driver  actions      these workflows preview and deploy the stack (the default)
#           deployments  Pulumi Deployments does (deployments/), because the repository variable
#                        DEPLOYMENTS_STACKS names the stack; the workflows skip it, so one stack never
#                        has two drivers
#   runner  the `runs-on` of the stack's jobs: PULUMI_RUNNERS' entry, else ubuntu-latest for a k3s stack.
#           An aws or azure stack driven by these workflows must have an entry: its cluster API admits
#           only the addresses of ferrum:deployer, and a GitHub-hosted runner has no stable address, so
#           without one the run would stop at the first Kubernetes call, after the cloud resources.
#   cloud   ferrum:cloud of the stack file (k3s when unset)
#   region  aws:region of the stack file (empty when unset)
#
# In:  DEPLOYMENTS_STACKS  a JSON array (["prod"]) or names separated by commas or spaces; names match
#                          exactly, so "prod" never selects "prod-azure"
#      PULUMI_RUNNERS      a JSON object: stack -> runner label or list of labels, for example
#                          {"prod": ["self-hosted", "ferrum-prod-vpc"], "prod-azure": "ferrum-static-ip"}
# Out: $GITHUB_OUTPUT      stacks (JSON array), drivers, runners, clouds, regions (JSON objects keyed by stack)
#      $GITHUB_STEP_SUMMARY a table of the stacks, who drives each and where
# Both variables must name only stacks that have a stack file: a misspelt name would otherwise leave a
# stack with two drivers, or on a runner that cannot reach its cluster.
set -euo pipefail

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT must name the step output file}"
: "${GITHUB_STEP_SUMMARY:?GITHUB_STEP_SUMMARY must name the job summary file}"
command -v jq >/dev/null || { echo "::error::route-stacks.sh needs jq (preinstalled on GitHub-hosted runners)"; exit 1; }

# A top-level `key: value` of a stack file's config, quotes and trailing comments removed.
config_value() {
  sed -n "s/^[[:space:]]*$1:[[:space:]]*\"\{0,1\}'\{0,1\}\([^\"'#[:space:]]*\).*/\1/p" "$2" | head -n 1
}

read -r -a deployments <<<"$(printf '%s' "${DEPLOYMENTS_STACKS:-}" | tr -d '[]"' | tr ',' ' ')" || true

runners_json="${PULUMI_RUNNERS:-}"
[ -n "${runners_json//[[:space:]]/}" ] || runners_json='{}'
if ! jq -e 'type == "object"' >/dev/null 2>&1 <<<"$runners_json"; then
  echo "::error title=PULUMI_RUNNERS::is not a JSON object: '$runners_json'. Set it to an object of stack -> runner label(s), for example {\"prod\": [\"self-hosted\", \"ferrum-prod-vpc\"]}, or delete the variable"
  exit 1
fi
bad_labels="$(jq -r 'to_entries[]
  | select((.value | type) != "string" and ((.value | type) != "array" or (.value | length) == 0 or any(.value[]; type != "string")))
  | .key' <<<"$runners_json")"
if [ -n "$bad_labels" ]; then
  echo "::error title=PULUMI_RUNNERS::the entry of $(echo "$bad_labels" | paste -sd, -) is neither a runner label nor a non-empty list of labels; write it as \"label\" or [\"self-hosted\", \"label\"]"
  exit 1
fi

shopt -s nullglob
files=(Pulumi.*.yaml)
if [ ${#files[@]} -eq 0 ]; then
  echo "::error::no Pulumi.<stack>.yaml in $(pwd)"
  exit 1
fi

declared=" "
for file in "${files[@]}"; do
  stack="${file#Pulumi.}"
  declared+="${stack%.yaml} "
done
unknown=()
for name in "${deployments[@]}"; do
  [[ "$declared" == *" $name "* ]] || unknown+=("DEPLOYMENTS_STACKS names '$name'")
done
while IFS= read -r name; do
  [ -z "$name" ] || [[ "$declared" == *" $name "* ]] || unknown+=("PULUMI_RUNNERS names '$name'")
done < <(jq -r 'keys[]' <<<"$runners_json")
if [ ${#unknown[@]} -gt 0 ]; then
  for u in "${unknown[@]}"; do
    echo "::error title=Unknown stack::$u, which no Pulumi.<stack>.yaml declares (stacks:${declared% }). Correct the repository variable"
  done
  exit 1
fi

stacks="" drivers="" runners="" clouds="" regions="" rows="" unreachable=()
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
  runner="$(jq -c --arg s "$stack" '.[$s] // empty' <<<"$runners_json")"
  if [ -z "$runner" ]; then
    if [ "$driver" = actions ] && [ "$cloud" != k3s ]; then unreachable+=("$stack"); fi
    runner='"ubuntu-latest"'
  fi
  stacks+="${stacks:+,}\"$stack\""
  drivers+="${drivers:+,}\"$stack\":\"$driver\""
  runners+="${runners:+,}\"$stack\":$runner"
  clouds+="${clouds:+,}\"$stack\":\"$cloud\""
  regions+="${regions:+,}\"$stack\":\"$region\""
  if [ "$driver" = actions ]; then
    rows+="| \`$stack\` | $cloud | GitHub Actions | \`$runner\` |"$'\n'
  else
    rows+="| \`$stack\` | $cloud | Pulumi Deployments: skipped here (named in the repository variable DEPLOYMENTS_STACKS) | its agent pool (deployments/) |"$'\n'
  fi
done

{
  echo "### Who drives each stack, and where"
  echo
  echo "| stack | cloud | driver | runner |"
  echo "| --- | --- | --- | --- |"
  printf '%s' "$rows"
} >>"$GITHUB_STEP_SUMMARY"

if [ ${#unreachable[@]} -gt 0 ]; then
  for stack in "${unreachable[@]}"; do
    echo "::error title=No runner for $stack::$stack is a cloud stack driven by GitHub Actions, and PULUMI_RUNNERS names no runner for it. Its cluster API admits only the addresses in ferrum:deployer, and GitHub-hosted runners have no stable address. Add {\"$stack\": [\"self-hosted\", \"<label>\"]} (a runner inside the network, or a larger runner with static IPs listed in ferrum:deployer) to PULUMI_RUNNERS, or name $stack in DEPLOYMENTS_STACKS to hand it to Pulumi Deployments"
  done
  exit 1
fi

{
  echo "stacks=[$stacks]"
  echo "drivers={$drivers}"
  echo "runners={$runners}"
  echo "clouds={$clouds}"
  echo "regions={$regions}"
} >>"$GITHUB_OUTPUT"
