#!/usr/bin/env bash
# Release one commit to one environment (the Deploy workflow's last step; docs/cicd.md).
#
#   bash deploy/release.sh dev|prod <commit sha>
#
# Needs: dist/ from `make package` on that commit, the shop image <ecr_repository_url>:<sha>
# already pushed, `terraform init` done in terraform/envs/<env> (the names come from
# `terraform output -json`), AWS credentials for the environment's account, aws, jq, terraform.
#
#   1. upload the bundles: dist/mwaa/ to the MWAA bucket, dist/glue/ under glue/ in the
#      artefacts bucket (the Glue job reads its fixed keys on its next run);
#   2. point MWAA at the new object versions of plugins.zip and requirements.txt, only when
#      they differ from the versions it runs (its update takes 20 to 30 minutes);
#   3. register a new revision of each of the shop's two task definitions, the family's latest
#      with the commit's image: the service's (signed in to the database as olist_shop_app) and
#      the migrate task's (signed in as the RDS master user, the owner of the shop's tables, with
#      PGPASSWORD from the master user secret RDS manages and rotates, which only its own
#      execution role reads; its container's command is the migrations). A service revision
#      that would read that secret is refused before either is registered;
#   4. run the migrations as a one-off Fargate task of the migrate revision; if they fail the
#      release stops there and the service keeps serving its old revision;
#   5. roll the service to its new revision and wait until it is stable on it;
#   6. wait for MWAA's update (step 2) to finish, and fail if it failed.
set -euo pipefail

usage() {
  echo "usage: bash deploy/release.sh dev|prod <commit sha (40 hex digits)>" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
env_name=$1
sha=$2
case "$env_name" in
  dev | prod) ;;
  *)
    echo "release.sh: unknown environment '$env_name'" >&2
    usage
    ;;
esac
[[ $sha =~ ^[0-9a-f]{40}$ ]] || {
  echo "release.sh: '$sha' is not a full commit SHA" >&2
  usage
}

cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
fail() {
  printf '\nRELEASE FAILED (%s, %s): %s\n' "$env_name" "${sha:0:12}" "$*" >&2
  exit 1
}

for tool in aws jq terraform; do
  command -v "$tool" > /dev/null || fail "$tool is not installed"
done

# --- what is released: the bundles of this very commit ---------------------------------------

[[ -f dist/manifest.json ]] || fail "no dist/manifest.json: run make package first"
built_commit=$(jq -r '.commit // empty' dist/manifest.json)
[[ $built_commit == "$sha" ]] || fail "dist/ was built from '${built_commit:-no commit}', not $sha"
[[ $(jq -r '.uncommitted_changes' dist/manifest.json) == false ]] \
  || fail "dist/ was built from a tree with uncommitted changes"
for file in dist/mwaa/dags dist/mwaa/plugins.zip dist/mwaa/requirements.txt dist/glue; do
  [[ -e $file ]] || fail "$file is missing from dist/"
done

# --- the environment's names, from Terraform's outputs ---------------------------------------

step "Reading the names of $env_name from terraform output"
outputs=$(terraform -chdir="terraform/envs/$env_name" output -json) \
  || fail "terraform output failed (is terraform/envs/$env_name initialised?)"
output() {
  jq -er --arg name "$1" '.[$name].value // empty' <<< "$outputs" \
    || fail "Terraform output '$1' is missing in $env_name"
}
mwaa_bucket=$(output mwaa_bucket)
artefacts_bucket=$(output artefacts_bucket)
mwaa_environment=$(output mwaa_environment_name)
ecr_repository_url=$(output ecr_repository_url)
service=$(output shop_service_name)
family=$(output shop_task_definition_family)
migrate=$(jq -ec '.shop_migrate_task.value' <<< "$outputs") \
  || fail "Terraform output 'shop_migrate_task' is missing in $env_name"
cluster=$(jq -er '.cluster' <<< "$migrate")
container=$(jq -er '.container_name' <<< "$migrate")
migrate_family=$(jq -er '.family' <<< "$migrate") \
  || fail "Terraform output 'shop_migrate_task' has no family: apply terraform/envs/$env_name first"
network=$(jq -ec '{awsvpcConfiguration: {
    subnets: .subnet_ids,
    securityGroups: .security_group_ids,
    assignPublicIp: (.assign_public_ip // "DISABLED")}}' <<< "$migrate")
image="$ecr_repository_url:$sha"
info "MWAA environment $mwaa_environment (bucket $mwaa_bucket), artefacts bucket $artefacts_bucket"
info "ECS cluster $cluster, service $service, task definition families $family and $migrate_family"
info "image $image"

aws ecr describe-images --repository-name "${ecr_repository_url#*/}" \
  --image-ids imageTag="$sha" > /dev/null \
  || fail "the image $image is not in ECR: push it first"

# --- 1. the bundles ---------------------------------------------------------------------------

# Upload a file unless the object already holds the same bytes (its sha256 metadata), so that
# an unchanged file keeps its object version; print the object's version id.
upload_if_changed() {
  local file=$1 bucket=$2 key=$3 digest current
  digest=$(sha256sum "$file" | cut -d' ' -f1)
  current=$(aws s3api head-object --bucket "$bucket" --key "$key" \
    --query 'Metadata.sha256' --output text 2> /dev/null || true)
  if [[ $current == "$digest" ]]; then
    info "s3://$bucket/$key is unchanged (sha256 $digest)" >&2
  else
    info "uploading $file to s3://$bucket/$key (sha256 $digest)" >&2
    aws s3 cp "$file" "s3://$bucket/$key" --only-show-errors --metadata "sha256=$digest" >&2
  fi
  aws s3api head-object --bucket "$bucket" --key "$key" --query VersionId --output text
}

step "1. Uploading the bundles"
info "dist/mwaa/dags -> s3://$mwaa_bucket/dags (sync --delete)"
aws s3 sync dist/mwaa/dags "s3://$mwaa_bucket/dags" --delete --only-show-errors
plugins_version=$(upload_if_changed dist/mwaa/plugins.zip "$mwaa_bucket" plugins.zip)
requirements_version=$(upload_if_changed dist/mwaa/requirements.txt "$mwaa_bucket" requirements.txt)
info "plugins.zip version $plugins_version, requirements.txt version $requirements_version"
info "dist/glue -> s3://$artefacts_bucket/glue (the job reads these keys on its next run)"
aws s3 sync dist/glue "s3://$artefacts_bucket/glue" --only-show-errors

# --- 2. MWAA ----------------------------------------------------------------------------------

mwaa_status() {
  aws mwaa get-environment --name "$mwaa_environment" --query 'Environment.Status' --output text
}

# Wait while MWAA is busy (creating, updating, rolling back...); print the status it settles in.
wait_for_mwaa() {
  local status deadline=$((SECONDS + 60 * 60))
  while true; do
    status=$(mwaa_status)
    case "$status" in
      CREATING | UPDATING | ROLLING_BACK | CREATING_SNAPSHOT | PENDING | MAINTENANCE)
        ((SECONDS < deadline)) || fail "MWAA is still $status after an hour"
        info "MWAA is $status; waiting" >&2
        sleep 60
        ;;
      *)
        echo "$status"
        return
        ;;
    esac
  done
}

step "2. MWAA's plugins and requirements"
running=$(aws mwaa get-environment --name "$mwaa_environment" --output json \
  --query '{plugins: Environment.PluginsS3ObjectVersion, requirements: Environment.RequirementsS3ObjectVersion}')
running_plugins=$(jq -r '.plugins // "none"' <<< "$running")
running_requirements=$(jq -r '.requirements // "none"' <<< "$running")
info "MWAA runs plugins.zip $running_plugins, requirements.txt $running_requirements"
mwaa_updating=false
if [[ $running_plugins == "$plugins_version" && $running_requirements == "$requirements_version" ]]; then
  info "unchanged: no update (the DAGs folder was synced in step 1)"
else
  status=$(wait_for_mwaa)
  [[ $status == AVAILABLE || $status == UPDATE_FAILED ]] \
    || fail "MWAA is $status: it cannot be updated"
  info "aws mwaa update-environment --name $mwaa_environment" \
    "--plugins-s3-object-version $plugins_version" \
    "--requirements-s3-object-version $requirements_version"
  aws mwaa update-environment --name "$mwaa_environment" \
    --plugins-s3-object-version "$plugins_version" \
    --requirements-s3-object-version "$requirements_version" > /dev/null
  mwaa_updating=true
  info "MWAA is updating (20 to 30 minutes); the shop is released meanwhile, step 6 waits"
fi

# --- 3. the new task definition revisions ----------------------------------------------------

registrations=$(mktemp -d)
trap 'rm -rf "$registrations"' EXIT

# Write <dir>/<family>.json: a copy of the family's latest revision with the commit's image in
# $container, ready for register-task-definition.
prepare_revision() {
  local family=$1 described current_arn tags
  described=$(aws ecs describe-task-definition --task-definition "$family" --include TAGS \
    --output json) || fail "cannot describe the task definition family $family"
  current_arn=$(jq -r '.taskDefinition.taskDefinitionArn' <<< "$described")
  info "copying $current_arn"
  jq -e --arg name "$container" 'any(.taskDefinition.containerDefinitions[]; .name == $name)' \
    <<< "$described" > /dev/null || fail "no container '$container' in $current_arn"
  # The user's tags are copied too (tags under aws: are AWS's own and cannot be set).
  tags=$(jq -c '[(.tags // [])[] | select(.key | startswith("aws:") | not)]' <<< "$described")
  jq --arg name "$container" --arg image "$image" --argjson tags "$tags" '
    .taskDefinition
    | .containerDefinitions |= map(if .name == $name then .image = $image else . end)
    | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
          .registeredAt, .registeredBy, .deregisteredAt)
    | if ($tags | length) > 0 then .tags = $tags else . end
  ' <<< "$described" > "$registrations/$family.json"
}

# Register <dir>/<family>.json; print the new revision's ARN.
register_revision() {
  aws ecs register-task-definition --cli-input-json "file://$registrations/$1.json" \
    --query 'taskDefinition.taskDefinitionArn' --output text
}

step "3. Registering revisions of $family and $migrate_family with $image"
prepare_revision "$family"
prepare_revision "$migrate_family"
registration="$registrations/$family.json"
migrate_registration="$registrations/$migrate_family.json"
# The owner's password is for the migrations only: a service revision that reads it would run
# the shop with the right to change (or drop) its schema. It is refused before anything is
# registered, whichever way it names the master user secret: the migrate revision's valueFrom,
# another JSON key of the same secret, its ARN without Secrets Manager's 6-character suffix, or
# its bare name.
owner_secret=$(jq -r --arg name "$container" '.containerDefinitions[] | select(.name == $name)
  | .secrets[]? | select(.name == "PGPASSWORD") | .valueFrom' "$migrate_registration")
[[ $owner_secret == arn:*:secretsmanager:*:secret:* ]] \
  || fail "$migrate_family reads no PGPASSWORD from Secrets Manager (the database master user's password)"
leaks=$(jq -r --arg owner "$owner_secret" '
  def secret_name: if startswith("arn:") then split(":")[6] // "" else split(":")[0] end;
  ($owner | secret_name) as $master
  | [.containerDefinitions[].secrets[]?.valueFrom | select(secret_name as $n
      | $n == $master
        or (($master | startswith($n + "-")) and ($master | length) - ($n | length) == 7))]
  | unique | join(", ")' "$registration")
[[ -z $leaks ]] || fail "$family would read the database master user's secret ($leaks): the service must sign in as olist_shop_app"
new_arn=$(register_revision "$family")
info "registered $new_arn"
migrate_arn=$(register_revision "$migrate_family")
info "registered $migrate_arn"

# --- 4. the migrations, before any traffic reaches the new image ------------------------------

migrate_command=$(jq -r --arg name "$container" '.containerDefinitions[]
  | select(.name == $name) | .command // [] | join(" ")' "$migrate_registration")
step "4. Running the migrations on $migrate_arn: $migrate_command"
run=$(aws ecs run-task --cluster "$cluster" --task-definition "$migrate_arn" \
  --launch-type FARGATE --count 1 --started-by "release-${sha:0:12}" \
  --network-configuration "$network" --output json)
task_arn=$(jq -r '.tasks[0].taskArn // empty' <<< "$run")
if [[ -z $task_arn ]]; then
  jq -r '.failures[]? | "    \(.arn // "-"): \(.reason) \(.detail // "")"' <<< "$run" >&2
  fail "the migrate task did not start; the service stays on its current revision"
fi
info "task $task_arn; waiting for it to stop"
for attempt in 1 2 3 4; do
  aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task_arn" && break
  [[ $attempt -lt 4 ]] || fail "the migrate task $task_arn had not stopped after 40 minutes"
  info "still running; waiting again"
done
task=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task_arn" --output json)
exit_code=$(jq -r --arg name "$container" \
  '.tasks[0].containers[] | select(.name == $name) | .exitCode // empty' <<< "$task")
if [[ $exit_code != 0 ]]; then
  info "stop code: $(jq -r '.tasks[0].stopCode // "-"' <<< "$task")" >&2
  info "stopped reason: $(jq -r '.tasks[0].stoppedReason // "-"' <<< "$task")" >&2
  info "container reason: $(jq -r --arg name "$container" \
    '.tasks[0].containers[] | select(.name == $name) | .reason // "-"' <<< "$task")" >&2
  # The task's last log lines (awslogs: <prefix>/<container>/<task id>).
  log_group=$(jq -r --arg name "$container" '.containerDefinitions[]
    | select(.name == $name) | .logConfiguration.options["awslogs-group"] // empty' "$migrate_registration")
  log_prefix=$(jq -r --arg name "$container" '.containerDefinitions[]
    | select(.name == $name) | .logConfiguration.options["awslogs-stream-prefix"] // empty' "$migrate_registration")
  if [[ -n $log_group && -n $log_prefix ]]; then
    stream="$log_prefix/$container/${task_arn##*/}"
    info "last lines of $log_group $stream:" >&2
    aws logs get-log-events --log-group-name "$log_group" --log-stream-name "$stream" \
      --limit 40 --query 'events[].message' --output text 2> /dev/null | tr '\t' '\n' >&2 || true
  fi
  if [[ -z $exit_code ]]; then
    fail "the migrate task stopped before the migrations ran; the service stays on its current revision, still serving"
  fi
  fail "the migrations exited with $exit_code; the service stays on its current revision, still serving"
fi
info "the migrations succeeded"

# --- 5. the service ---------------------------------------------------------------------------

step "5. Rolling $service to $new_arn"
aws ecs update-service --cluster "$cluster" --service "$service" \
  --task-definition "$new_arn" > /dev/null
info "waiting until the service is stable"
for attempt in 1 2 3; do
  aws ecs wait services-stable --cluster "$cluster" --services "$service" && break
  [[ $attempt -lt 3 ]] || fail "$service was not stable after 30 minutes"
  info "not stable yet; waiting again"
done
# Stable is not enough: the deployment circuit breaker may have rolled back to the old revision.
deployment=$(aws ecs describe-services --cluster "$cluster" --services "$service" \
  --query "services[0].deployments[?status=='PRIMARY'] | [0]" --output json)
if [[ $(jq -r '.taskDefinition' <<< "$deployment") != "$new_arn" \
  || $(jq -r '.rolloutState // "COMPLETED"' <<< "$deployment") != COMPLETED ]]; then
  info "primary deployment: $(jq -c '{taskDefinition, rolloutState, rolloutStateReason}' <<< "$deployment")" >&2
  fail "$service did not settle on $new_arn (rolled back by the circuit breaker?)"
fi
info "$service runs $new_arn"

# --- 6. MWAA's update -------------------------------------------------------------------------

step "6. MWAA"
if [[ $mwaa_updating == true ]]; then
  status=$(wait_for_mwaa)
  if [[ $status != AVAILABLE ]]; then
    aws mwaa get-environment --name "$mwaa_environment" \
      --query 'Environment.LastUpdate' --output json >&2 || true
    fail "MWAA's update ended $status (it keeps the previous plugins and requirements)"
  fi
  info "MWAA is AVAILABLE with plugins.zip $plugins_version, requirements.txt $requirements_version"
else
  info "nothing to wait for"
fi

step "Released ${sha:0:12} to $env_name"
