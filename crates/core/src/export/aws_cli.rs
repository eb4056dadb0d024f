//! The lab as a bash script of AWS CLI commands (v1 or v2), in the plan's order. JSON
//! documents go through here-documents into a temporary folder and `file://`, so the
//! policies read as they are and the shell fills in only the variables it is meant to.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Lab, Var, step_title, why};
use crate::plan::{ExpiryAction, GroupFor, Node, Resource, RoleFor, Step};
use crate::resources::{
    codebuild_project, connection, ecr_repository, iam_role, log_group, pipeline, schedule, security_group,
    task_definition,
};
use crate::spec::{ConnectionChoice, Encryption, ExecutionMode, OutputArtifactFormat, Trigger, TriggerFilter};

pub(super) fn render(lab: &Lab) -> String {
    let mut out = header(lab);
    let mut step: Option<Step> = None;
    for node in lab.plan.nodes() {
        if step != Some(node.step) {
            step = Some(node.step);
            let _ = write!(out, "\n# ==== {} ====\n", step_title(node.step));
        }
        let _ = write!(out, "\n# ---- {} {}\n", node.kind(), shown(&node.name));
        let _ = writeln!(out, "# Why: {}", why(node.resource));
        out.push_str(&commands(lab, node));
    }
    out.push_str(&footer(lab));
    out
}

/// A name in a comment, the placeholders as the shell variables they will be.
fn shown(name: &str) -> String {
    Var::fill(name, |v| format!("${{{}}}", v.shell()))
}

/// `text` inside double quotes, the placeholders as shell variables.
fn dq(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('$', "\\$")
        .replace('`', "\\`")
        .replace('"', "\\\"");
    format!("\"{}\"", Var::fill(&escaped, |v| format!("${{{}}}", v.shell())))
}

/// Writes `doc` to `$WORK/<file>` (the placeholders as shell variables, nothing else
/// expanded) and returns the `file://` argument for it.
fn document(out: &mut String, file: &str, doc: &Value) -> String {
    let text = serde_json::to_string_pretty(doc).unwrap_or_default();
    let escaped = text.replace('\\', "\\\\").replace('$', "\\$").replace('`', "\\`");
    let filled = Var::fill(&escaped, |v| format!("${{{}}}", v.shell()));
    let _ = write!(out, "cat > \"$WORK/{file}\" <<EOF\n{filled}\nEOF\n");
    format!("\"file://$WORK/{file}\"")
}

/// `Key=k,Value=v ...` for the CLIs that take tags that way.
fn tag_args(lab: &Lab) -> String {
    lab.tags()
        .iter()
        .map(|(k, v)| dq(&format!("Key={k},Value={v}")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn tag_list(lab: &Lab) -> Value {
    Value::Array(lab.tags().iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect())
}

fn header(lab: &Lab) -> String {
    let s = lab.spec;
    format!(
        r#"#!/usr/bin/env bash
# Lab {name}: the lecture's CI/CD pipeline (GitHub -> CodePipeline -> CodeBuild -> ECR -> ECS
# on Fargate behind a load balancer), as the AWS CLI commands that build it, in the order
# Pipewright creates it, step by step as the lecture goes. Written by `pipewright export`.
# {recorded}
#
# Run it with the AWS CLI signed in to YOUR account (`aws configure`, or AWS_PROFILE):
#   bash {file}
# It creates resources that bill by the hour (the load balancer, the Fargate task). Remove
# them with the commands at the end, or `pipewright sweep --tag pipewright:lab={name}`.
# Repository: {repo} (branch {branch}).
set -euo pipefail

# The lab's region (REGION=... bash {file} for another).
REGION="${{REGION:-{region}}}"
export AWS_DEFAULT_REGION="$REGION"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Your account: its id goes into the bucket name and the policies' ARNs.
ACCOUNT_ID="$(aws sts get-caller-identity --query Account --output text)"
# The lab runs in the region's default VPC, in its first two zones' default subnets.
VPC_ID="$(aws ec2 describe-vpcs --filters Name=isDefault,Values=true --query 'Vpcs[0].VpcId' --output text)"
if [ -z "$VPC_ID" ] || [ "$VPC_ID" = "None" ]; then
  echo "No default VPC in $REGION: create one (VPC console, Actions > Create default VPC)." >&2
  exit 1
fi
read -r SUBNET_A SUBNET_B _ <<<"$(aws ec2 describe-subnets \
  --filters Name=vpc-id,Values="$VPC_ID" Name=default-for-az,Values=true \
  --query 'sort_by(Subnets, &AvailabilityZone)[].SubnetId' --output text)"
echo "Account $ACCOUNT_ID, region $REGION, VPC $VPC_ID, subnets $SUBNET_A $SUBNET_B"
"#,
        name = s.name,
        recorded = lab.recorded_summary(),
        file = super::Format::AwsCli.file_name(&s.name),
        repo = s.source.repository,
        branch = s.source.branch,
        region = s.region,
    )
}

fn commands(lab: &Lab, node: &Node) -> String {
    let mut out = String::new();
    let o = &mut out;
    let s = lab.spec;
    let n = &lab.plan.names;
    let name = node.name.as_str();
    match node.resource {
        Resource::Connection => match &s.source.connection {
            ConnectionChoice::Existing { arn } => {
                let _ = writeln!(o, "# Your own connection, used as it is.\nCONNECTION_ARN={}", dq(arn));
            }
            ConnectionChoice::Create { .. } => {
                let owner = s.source.repository.split('/').next().unwrap_or_default();
                let _ = writeln!(
                    o,
                    "CONNECTION_ARN=\"$(aws codestar-connections create-connection \\\n  --provider-type GitHub \\\n  --connection-name {} \\\n  --tags {} {} \\\n  --query ConnectionArn --output text)\"",
                    dq(name),
                    tag_args(lab),
                    dq(&format!("Key={},Value={owner}", connection::OWNER_TAG_KEY)),
                );
                let _ = writeln!(
                    o,
                    "echo \"Connection $CONNECTION_ARN is PENDING: complete it in the console (Developer Tools > Settings > Connections > Update pending connection). The pipeline's runs fail at Source until it is AVAILABLE.\""
                );
            }
        },
        Resource::ArtifactBucket => {
            let b = dq(&lab.plan.bucket);
            let _ = writeln!(o, "BUCKET={b}");
            // us-east-1 refuses a location constraint naming itself.
            let _ = writeln!(
                o,
                "if [ \"$REGION\" = us-east-1 ]; then\n  aws s3api create-bucket --bucket \"$BUCKET\" >/dev/null\nelse\n  aws s3api create-bucket --bucket \"$BUCKET\" --create-bucket-configuration LocationConstraint=\"$REGION\" >/dev/null\nfi"
            );
            let tagging = document(o, "bucket-tags.json", &json!({ "TagSet": tag_list(lab) }));
            let _ = writeln!(
                o,
                "aws s3api put-bucket-tagging --bucket \"$BUCKET\" --tagging {tagging}"
            );
            let _ = writeln!(
                o,
                "aws s3api put-bucket-versioning --bucket \"$BUCKET\" --versioning-configuration Status=Enabled"
            );
            let _ = writeln!(
                o,
                "aws s3api put-public-access-block --bucket \"$BUCKET\" \\\n  --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true"
            );
        }
        Resource::Role(which) => {
            let slug = role_slug(which);
            let trust = document(o, &format!("{slug}-trust.json"), &lab.trust(which));
            let _ = writeln!(
                o,
                "aws iam create-role --role-name {} \\\n  --assume-role-policy-document {trust} \\\n  --tags {} >/dev/null",
                dq(name),
                tag_args(lab)
            );
            let policy = document(o, &format!("{slug}-policy.json"), &lab.policy(which));
            let _ = writeln!(
                o,
                "aws iam put-role-policy --role-name {} --policy-name {} \\\n  --policy-document {policy}",
                dq(name),
                dq(iam_role::POLICY_NAME)
            );
        }
        Resource::LogGroup(_) => {
            let tags: Vec<String> = lab.tags().iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(
                o,
                "aws logs create-log-group --log-group-name {} --tags {}",
                dq(name),
                dq(&tags.join(","))
            );
            let _ = writeln!(
                o,
                "aws logs put-retention-policy --log-group-name {} --retention-in-days {}",
                dq(name),
                log_group::RETENTION_DAYS
            );
        }
        Resource::Repository => {
            let r = &s.registry;
            let mut encryption = json!({ "encryptionType": ecr_repository::encryption_type(r.encryption).as_str() });
            if let (Encryption::Kms, Some(key)) = (r.encryption, &r.kms_key) {
                encryption["kmsKey"] = json!(key);
            }
            let input = json!({
                "repositoryName": name,
                "imageTagMutability": ecr_repository::tag_mutability(r.tag_immutability).as_str(),
                "imageScanningConfiguration": { "scanOnPush": r.scan_on_push },
                "encryptionConfiguration": encryption,
                "tags": tag_list(lab),
            });
            let file = document(o, "repository.json", &input);
            let _ = writeln!(
                o,
                "REPOSITORY_URI=\"$(aws ecr create-repository --cli-input-json {file} \\\n  --query repository.repositoryUri --output text)\""
            );
            let lifecycle = document(
                o,
                "lifecycle.json",
                &serde_json::from_str(&ecr_repository::lifecycle_policy(r.keep_last_images)).unwrap_or_default(),
            );
            let _ = writeln!(
                o,
                "aws ecr put-lifecycle-policy --repository-name {} --lifecycle-policy-text {lifecycle} >/dev/null",
                dq(name)
            );
        }
        Resource::BuildProject => {
            let b = &s.build;
            let variables: Vec<Value> = lab
                .build_variables()
                .into_iter()
                .map(|(k, v)| json!({"name": k, "value": v, "type": "PLAINTEXT"}))
                .collect();
            let input = json!({
                "name": name,
                "description": codebuild_project::description(lab.lab()),
                "source": { "type": "CODEPIPELINE", "buildspec": codebuild_project::project_buildspec(s) },
                "artifacts": { "type": "CODEPIPELINE" },
                "environment": {
                    "type": codebuild_project::environment_type(b.environment_type).as_str(),
                    "image": b.image,
                    "computeType": codebuild_project::compute_type(b.compute_type).as_str(),
                    "privilegedMode": b.privileged,
                    "environmentVariables": variables,
                },
                "serviceRole": lab.role_arn(RoleFor::Build),
                "timeoutInMinutes": b.timeout_minutes,
                "logsConfig": { "cloudWatchLogs": { "status": "ENABLED", "groupName": n.build_log_group } },
                "tags": ecs_tags(lab),
            });
            let file = document(o, "build-project.json", &input);
            let _ = writeln!(o, "aws codebuild create-project --cli-input-json {file} >/dev/null");
        }
        Resource::SecurityGroup(which) => {
            let var = group_var(which);
            let spec = format!(
                "ResourceType=security-group,Tags=[{{Key={},Value={}}},{{Key=Name,Value={name}}}]",
                lab.tags()[0].0,
                lab.tags()[0].1
            );
            let _ = writeln!(
                o,
                "{var}=\"$(aws ec2 create-security-group --group-name {} \\\n  --description {} \\\n  --vpc-id \"$VPC_ID\" \\\n  --tag-specifications {} \\\n  --query GroupId --output text)\"",
                dq(name),
                dq(&security_group::description(which, lab.lab())),
                dq(&spec),
            );
            let rule = match which {
                GroupFor::LoadBalancer => {
                    let port = s.deploy.load_balancer.listener_port;
                    json!([{
                        "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                        "IpRanges": [{ "CidrIp": "0.0.0.0/0", "Description": security_group::FROM_ANYWHERE }],
                        "Ipv6Ranges": [{ "CidrIpv6": "::/0", "Description": security_group::FROM_ANYWHERE }]
                    }])
                }
                GroupFor::Task => {
                    let port = s.deploy.container_port;
                    json!([{
                        "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                        "UserIdGroupPairs": [{ "GroupId": "@@ALB_SG@@", "Description": security_group::FROM_LOAD_BALANCER }]
                    }])
                }
            };
            let file = document(o, &format!("{}-ingress.json", var.to_lowercase()), &rule);
            // The load balancer's group id is known only now: the here-document expands it.
            fix_group_mark(o);
            let _ = writeln!(
                o,
                "aws ec2 authorize-security-group-ingress --group-id \"${var}\" --ip-permissions {file} >/dev/null"
            );
        }
        Resource::LoadBalancer => {
            let _ = writeln!(
                o,
                "LOAD_BALANCER_ARN=\"$(aws elbv2 create-load-balancer --name {} \\\n  --type application --scheme internet-facing --ip-address-type ipv4 \\\n  --subnets \"$SUBNET_A\" \"$SUBNET_B\" --security-groups \"$ALB_SG_ID\" \\\n  --tags {} \\\n  --query 'LoadBalancers[0].LoadBalancerArn' --output text)\"",
                dq(name),
                tag_args(lab)
            );
            let _ = writeln!(
                o,
                "# About 90 s on AWS.\naws elbv2 wait load-balancer-available --load-balancer-arns \"$LOAD_BALANCER_ARN\""
            );
        }
        Resource::TargetGroup => {
            let t = &s.deploy.target_group;
            let _ = writeln!(
                o,
                "TARGET_GROUP_ARN=\"$(aws elbv2 create-target-group --name {} \\\n  --protocol HTTP --port {} --vpc-id \"$VPC_ID\" --target-type ip \\\n  --health-check-protocol HTTP --health-check-path {} \\\n  --health-check-interval-seconds {} --health-check-timeout-seconds {} \\\n  --healthy-threshold-count {} --unhealthy-threshold-count {} \\\n  --matcher HttpCode=200 --tags {} \\\n  --query 'TargetGroups[0].TargetGroupArn' --output text)\"",
                dq(name),
                s.deploy.container_port,
                dq(&t.health_check_path),
                t.health_check_interval_seconds,
                t.health_check_timeout_seconds,
                t.healthy_threshold,
                t.unhealthy_threshold,
                tag_args(lab)
            );
            let _ = writeln!(
                o,
                "# The deregistration delay is an attribute, not a create parameter.\naws elbv2 modify-target-group-attributes --target-group-arn \"$TARGET_GROUP_ARN\" \\\n  --attributes Key=deregistration_delay.timeout_seconds,Value={} >/dev/null",
                t.deregistration_delay_seconds
            );
        }
        Resource::Listener => {
            let _ = writeln!(
                o,
                "aws elbv2 create-listener --load-balancer-arn \"$LOAD_BALANCER_ARN\" \\\n  --protocol HTTP --port {} \\\n  --default-actions Type=forward,TargetGroupArn=\"$TARGET_GROUP_ARN\" \\\n  --tags {} >/dev/null",
                s.deploy.load_balancer.listener_port,
                tag_args(lab)
            );
        }
        Resource::Cluster => {
            let tags: Vec<String> = lab
                .tags()
                .iter()
                .map(|(k, v)| dq(&format!("key={k},value={v}")))
                .collect();
            let _ = writeln!(
                o,
                "aws ecs create-cluster --cluster-name {} --tags {} >/dev/null",
                dq(name),
                tags.join(" ")
            );
        }
        Resource::TaskDefinition => {
            let d = &s.deploy;
            let input = json!({
                "family": name,
                "requiresCompatibilities": ["FARGATE"],
                "networkMode": "awsvpc",
                "cpu": d.cpu.to_string(),
                "memory": d.memory.to_string(),
                "runtimePlatform": {
                    "cpuArchitecture": task_definition::cpu_architecture(d.cpu_architecture).as_str(),
                    "operatingSystemFamily": "LINUX"
                },
                "executionRoleArn": lab.role_arn(RoleFor::TaskExecution),
                "containerDefinitions": [{
                    "name": n.container,
                    "image": format!("{}:{}", Var::RepositoryUri.mark(), task_definition::AWAITING_FIRST_BUILD),
                    "essential": true,
                    "portMappings": [{
                        "containerPort": d.container_port,
                        "protocol": "tcp",
                        "name": d.port_name,
                        "appProtocol": task_definition::app_protocol(d.app_protocol).as_str()
                    }],
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": n.task_log_group,
                            "awslogs-region": Var::Region.mark(),
                            "awslogs-stream-prefix": task_definition::LOG_STREAM_PREFIX
                        }
                    },
                    "readonlyRootFilesystem": d.readonly_root_filesystem
                }],
                "tags": ecs_tags(lab),
            });
            let file = document(o, "task-definition.json", &input);
            let _ = writeln!(
                o,
                "TASK_DEFINITION_ARN=\"$(aws ecs register-task-definition --cli-input-json {file} \\\n  --query taskDefinition.taskDefinitionArn --output text)\""
            );
        }
        Resource::Service => {
            let d = &s.deploy;
            let input = json!({
                "cluster": n.cluster,
                "serviceName": name,
                "taskDefinition": "@@TASK_DEFINITION@@",
                "desiredCount": 0,
                "launchType": "FARGATE",
                "platformVersion": d.platform_version,
                "networkConfiguration": { "awsvpcConfiguration": {
                    "subnets": [Var::SubnetA.mark(), Var::SubnetB.mark()],
                    "securityGroups": ["@@TASK_SG@@"],
                    "assignPublicIp": "ENABLED"
                }},
                "loadBalancers": [{
                    "targetGroupArn": "@@TARGET_GROUP@@",
                    "containerName": n.container,
                    "containerPort": d.container_port
                }],
                "healthCheckGracePeriodSeconds": d.health_check_grace_period_seconds,
                "propagateTags": "SERVICE",
                "enableECSManagedTags": true,
                "tags": ecs_tags(lab),
            });
            let file = document(o, "service.json", &input);
            fix_group_mark(o);
            let _ = writeln!(
                o,
                "# No task yet: there is no image until the first build (it is scaled up at the end).\naws ecs create-service --cli-input-json {file} >/dev/null"
            );
        }
        Resource::Pipeline => {
            // CodePipeline spells its tags in lower case, as ECS does.
            let input = json!({ "pipeline": pipeline_declaration(lab, name), "tags": ecs_tags(lab) });
            let file = document(o, "pipeline.json", &input);
            let _ = writeln!(o, "aws codepipeline create-pipeline --cli-input-json {file} >/dev/null");
            let _ = writeln!(
                o,
                "# Creating it starts a run: hold it before Deploy until the service exists.\naws codepipeline disable-stage-transition --pipeline-name {} --stage-name {} \\\n  --transition-type Inbound --reason {}",
                dq(name),
                pipeline::DEPLOY,
                dq(pipeline::HOLD_REASON)
            );
        }
        Resource::ScheduleGroup => {
            let _ = writeln!(
                o,
                "aws scheduler create-schedule-group --name {} --tags {} >/dev/null",
                dq(name),
                tag_args(lab)
            );
        }
        Resource::Schedule(which) => {
            if which == ExpiryAction::StopService {
                let hours = s.expiry.hours;
                let _ = writeln!(
                    o,
                    "# The expiry, {hours} h from now in UTC (GNU date, else BSD/macOS date).\nEXPIRES_AT=\"$(date -u -d \"+{hours} hours\" +%Y-%m-%dT%H:%M:%S 2>/dev/null || date -u -v+{hours}H +%Y-%m-%dT%H:%M:%S)\""
                );
            }
            let (group, schedule_name) = schedule::split(name);
            let input = json!({
                "GroupName": group,
                "Name": schedule_name,
                "Description": schedule::description(lab.lab()),
                "ScheduleExpression": "at(@@EXPIRES_AT@@)",
                "ScheduleExpressionTimezone": schedule::ZONE,
                "FlexibleTimeWindow": { "Mode": "OFF" },
                "Target": {
                    "Arn": schedule::target_arn(which),
                    "RoleArn": lab.role_arn(RoleFor::Scheduler),
                    "Input": schedule::target_input(n, which, &Var::LoadBalancerArn.mark()).to_string(),
                },
                "ActionAfterCompletion": "DELETE",
                "State": "ENABLED",
            });
            let file = document(o, &format!("schedule-{schedule_name}.json"), &input);
            fix_group_mark(o);
            let _ = writeln!(o, "aws scheduler create-schedule --cli-input-json {file} >/dev/null");
        }
        Resource::FirstRun => {
            let _ = writeln!(
                o,
                "# The service exists: let the run into Deploy, and ask for the lab's task count. On an\n# account whose connection is still PENDING nothing runs yet: complete the connection, then\n# press Release change on the pipeline.\naws codepipeline enable-stage-transition --pipeline-name {} --stage-name {} --transition-type Inbound\naws ecs update-service --cluster {} --service {} --desired-count {} >/dev/null",
                dq(&n.pipeline),
                pipeline::DEPLOY,
                dq(&n.cluster),
                dq(&n.service),
                s.deploy.desired_count
            );
        }
    }
    out
}

/// Ids known only once the script has run that far: the here-documents expand them.
fn fix_group_mark(o: &mut String) {
    for (mark, var) in [
        ("@@ALB_SG@@", "${ALB_SG_ID}"),
        ("@@TASK_SG@@", "${TASK_SG_ID}"),
        ("@@TARGET_GROUP@@", "${TARGET_GROUP_ARN}"),
        ("@@TASK_DEFINITION@@", "${TASK_DEFINITION_ARN}"),
        ("@@EXPIRES_AT@@", "${EXPIRES_AT}"),
    ] {
        *o = o.replace(mark, var);
    }
}

fn ecs_tags(lab: &Lab) -> Value {
    Value::Array(lab.tags().iter().map(|(k, v)| json!({"key": k, "value": v})).collect())
}

fn group_var(which: GroupFor) -> &'static str {
    match which {
        GroupFor::LoadBalancer => "ALB_SG_ID",
        GroupFor::Task => "TASK_SG_ID",
    }
}

fn role_slug(which: RoleFor) -> &'static str {
    match which {
        RoleFor::Pipeline => "pipeline-role",
        RoleFor::Build => "build-role",
        RoleFor::TaskExecution => "task-execution-role",
        RoleFor::Scheduler => "scheduler-role",
    }
}

/// The pipeline as `pipeline::create` declares it, in the API's JSON shape (the CLI's input
/// and, with the same field names capitalised, CloudFormation's).
pub(super) fn pipeline_declaration(lab: &Lab, name: &str) -> Value {
    let s = lab.spec;
    let n = &lab.plan.names;
    let format = match s.source.output_format {
        OutputArtifactFormat::CodeZip => "CODE_ZIP",
        OutputArtifactFormat::CodebuildCloneRef => "CODEBUILD_CLONE_REF",
    };
    let detect = !matches!(s.pipeline.trigger, Trigger::Manual);
    let action = |category: &str, provider: &str| json!({ "category": category, "owner": "AWS", "provider": provider, "version": "1" });
    let mut decl = json!({
        "name": name,
        "roleArn": lab.role_arn(RoleFor::Pipeline),
        "artifactStore": { "type": "S3", "location": lab.plan.bucket },
        "pipelineType": "V2",
        "executionMode": match s.pipeline.execution_mode {
            ExecutionMode::Superseded => "SUPERSEDED",
            ExecutionMode::Queued => "QUEUED",
            ExecutionMode::Parallel => "PARALLEL",
        },
        "stages": [
            { "name": pipeline::SOURCE, "actions": [{
                "name": pipeline::SOURCE,
                "actionTypeId": action("Source", "CodeStarSourceConnection"),
                "configuration": {
                    "ConnectionArn": lab.connection_arn(),
                    "FullRepositoryId": s.source.repository,
                    "BranchName": s.source.branch,
                    "OutputArtifactFormat": format,
                    "DetectChanges": detect.to_string()
                },
                "outputArtifacts": [{ "name": pipeline::SOURCE_ARTIFACT }],
                "runOrder": 1
            }]},
            { "name": pipeline::BUILD, "actions": [{
                "name": pipeline::BUILD,
                "actionTypeId": action("Build", "CodeBuild"),
                "configuration": { "ProjectName": n.build_project },
                "inputArtifacts": [{ "name": pipeline::SOURCE_ARTIFACT }],
                "outputArtifacts": [{ "name": pipeline::BUILD_ARTIFACT }],
                "runOrder": 1
            }]},
            { "name": pipeline::DEPLOY, "actions": [{
                "name": pipeline::DEPLOY,
                "actionTypeId": action("Deploy", "ECS"),
                "configuration": {
                    "ClusterName": n.cluster,
                    "ServiceName": n.service,
                    "FileName": "imagedefinitions.json"
                },
                "inputArtifacts": [{ "name": pipeline::BUILD_ARTIFACT }],
                "runOrder": 1
            }]}
        ]
    });
    if let Trigger::Filter(f) = &s.pipeline.trigger {
        decl["triggers"] = json!([trigger(f)]);
    }
    decl
}

fn trigger(f: &TriggerFilter) -> Value {
    use crate::spec::{FilterType, PullRequestEvent, TriggerEvent};
    let criteria = |include: &[String], exclude: &[String]| {
        let mut c = json!({});
        if !include.is_empty() {
            c["includes"] = json!(include);
        }
        if !exclude.is_empty() {
            c["excludes"] = json!(exclude);
        }
        c
    };
    let mut filter = json!({});
    match (f.event, f.filter_type) {
        (TriggerEvent::Push, FilterType::Tags) => filter["tags"] = criteria(&f.include, &f.exclude),
        _ => filter["branches"] = criteria(&f.include, &f.exclude),
    }
    if f.filter_type == FilterType::Branches && (!f.file_paths_include.is_empty() || !f.file_paths_exclude.is_empty()) {
        filter["filePaths"] = criteria(&f.file_paths_include, &f.file_paths_exclude);
    }
    let mut git = json!({ "sourceActionName": pipeline::SOURCE });
    match f.event {
        TriggerEvent::Push => git["push"] = json!([filter]),
        TriggerEvent::PullRequest => {
            filter["events"] = json!(
                f.pull_request_events
                    .iter()
                    .map(|e| match e {
                        PullRequestEvent::Open => "OPEN",
                        PullRequestEvent::Updated => "UPDATED",
                        PullRequestEvent::Closed => "CLOSED",
                    })
                    .collect::<Vec<_>>()
            );
            git["pullRequest"] = json!([filter]);
        }
    }
    json!({ "providerType": "CodeStarSourceConnection", "gitConfiguration": git })
}

fn footer(lab: &Lab) -> String {
    let n = &lab.plan.names;
    let mut out = format!(
        "\n# ==== Done ====\nLB_DNS=\"$(aws elbv2 describe-load-balancers --load-balancer-arns \"$LOAD_BALANCER_ARN\" --query 'LoadBalancers[0].DNSName' --output text)\"\necho \"Created lab {lab}. Once the connection is AVAILABLE and a run has deployed, the app answers at http://$LB_DNS/\"\n",
        lab = lab.lab()
    );
    let _ = write!(
        out,
        "\n# To remove it all, in reverse order (or `pipewright sweep --tag pipewright:lab={lab}`):\n",
        lab = lab.lab()
    );
    let mut steps: Vec<String> = lab
        .plan
        .resources()
        .map(|r| format!("#   {} {}", r.kind(), shown(&r.name)))
        .collect();
    steps.reverse();
    out.push_str(&steps.join("\n"));
    let _ = writeln!(
        out,
        "\n# e.g. aws ecs delete-service --cluster {} --service {} --force; aws elbv2 delete-load-balancer --load-balancer-arn \"$LOAD_BALANCER_ARN\"",
        n.cluster, n.service
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_quoted_text_keeps_dollars_and_fills_placeholders() {
        assert_eq!(dq("a$b\"c"), "\"a\\$b\\\"c\"");
        assert_eq!(dq(&format!("x-{}", Var::AccountId.mark())), "\"x-${ACCOUNT_ID}\"");
    }

    #[test]
    fn documents_expand_only_the_placeholders() {
        let mut out = String::new();
        let arg = document(&mut out, "x.json", &json!({"a": "$HOME", "b": Var::Region.mark()}));
        assert_eq!(arg, "\"file://$WORK/x.json\"");
        assert!(out.contains("\\$HOME") && out.contains("${REGION}"), "{out}");
    }

    #[test]
    fn log_groups_come_under_their_steps() {
        let spec = crate::spec::LabSpec::new("ktb", "octo/app");
        let text = super::super::render(&spec, &[], super::super::Format::AwsCli);
        let build = text
            .find(&format!("# ---- log_group {}", spec.names().build_log_group))
            .unwrap();
        let step3 = text.find(step_title(Step::Build)).unwrap();
        assert!(step3 < build);
    }
}
