//! The lab as a CloudFormation template (YAML): one logical resource per resource of the
//! plan, in the plan's order, each under a comment naming its lecture step and why it is
//! there. The account's default VPC and two subnets are parameters, the expiry too (a
//! template cannot read the clock). Dependencies are the plan's: references where a property
//! names another resource, `DependsOn` for the rest.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::{Lab, Var, step_title, why};
use crate::plan::{ExpiryAction, GroupFor, LogsFor, Node, Resource, RoleFor, Step};
use crate::resources::{
    codebuild_project, connection, ecr_repository, iam_role, log_group, schedule, security_group, task_definition,
};
use crate::spec::{ConnectionChoice, Encryption};

/// The logical id of a plan resource in the template.
pub(crate) fn logical_id(r: Resource) -> &'static str {
    match r {
        Resource::Connection => "Connection",
        Resource::ArtifactBucket => "ArtifactBucket",
        Resource::Role(RoleFor::Pipeline) => "PipelineRole",
        Resource::Role(RoleFor::Build) => "BuildRole",
        Resource::Role(RoleFor::TaskExecution) => "TaskExecutionRole",
        Resource::Role(RoleFor::Scheduler) => "SchedulerRole",
        Resource::LogGroup(LogsFor::Build) => "BuildLogGroup",
        Resource::LogGroup(LogsFor::App) => "AppLogGroup",
        Resource::BuildProject => "BuildProject",
        Resource::Repository => "Repository",
        Resource::SecurityGroup(GroupFor::LoadBalancer) => "LoadBalancerSecurityGroup",
        Resource::SecurityGroup(GroupFor::Task) => "TaskSecurityGroup",
        Resource::LoadBalancer => "LoadBalancer",
        Resource::TargetGroup => "TargetGroup",
        Resource::Listener => "Listener",
        Resource::Cluster => "Cluster",
        Resource::TaskDefinition => "TaskDefinition",
        Resource::Service => "Service",
        Resource::Pipeline => "Pipeline",
        Resource::ScheduleGroup => "ScheduleGroup",
        Resource::Schedule(ExpiryAction::StopService) => "StopServiceSchedule",
        Resource::Schedule(ExpiryAction::DeleteLoadBalancer) => "DeleteLoadBalancerSchedule",
        Resource::FirstRun => "FirstRun",
    }
}

fn cfn_var(v: Var) -> &'static str {
    match v {
        Var::AccountId => "${AWS::AccountId}",
        Var::Region => "${AWS::Region}",
        Var::ConnectionArn => "${Connection}",
        Var::VpcId => "${VpcId}",
        Var::SubnetA => "${SubnetA}",
        Var::SubnetB => "${SubnetB}",
        Var::RepositoryUri => "${Repository.RepositoryUri}",
        Var::LoadBalancerArn => "${LoadBalancer}",
    }
}

/// A string, as `!Sub` when it holds placeholders (a literal `${` escaped as `${!`).
fn sub(text: &str) -> Value {
    if !Var::any_in(text) {
        return Value::String(text.to_owned());
    }
    let escaped = text.replace("${", "${!");
    json!({ "Fn::Sub": Var::fill(&escaped, |v| cfn_var(v).to_owned()) })
}

/// Every string of `v` through [`sub`].
fn subst(v: Value) -> Value {
    match v {
        Value::String(s) => sub(&s),
        Value::Array(a) => Value::Array(a.into_iter().map(subst).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, subst(v))).collect()),
        other => other,
    }
}

fn r#ref(id: &str) -> Value {
    json!({ "Ref": id })
}

fn get_att(id: &str, attr: &str) -> Value {
    json!({ "Fn::GetAtt": format!("{id}.{attr}") })
}

fn tags(lab: &Lab) -> Value {
    Value::Array(lab.tags().iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect())
}

pub(super) fn render(lab: &Lab) -> String {
    let s = lab.spec;
    let mut out = String::new();
    let _ = write!(
        out,
        "AWSTemplateFormatVersion: \"2010-09-09\"\n\
         # Lab {name}: the lecture's CI/CD pipeline (GitHub -> CodePipeline -> CodeBuild -> ECR -> ECS on\n\
         # Fargate behind a load balancer) as a CloudFormation template, the resources in the order\n\
         # Pipewright creates them, step by step as the lecture goes. Written by `pipewright export`.\n\
         # {recorded}\n\
         # Create a stack from it in {region} (or any region), giving your default VPC, two of its\n\
         # subnets in different zones, and when the lab should stop billing. Deleting the stack removes\n\
         # everything, except the artifact bucket and the repository while they hold objects or images.\n\
         Description: {description}\n",
        name = s.name,
        recorded = lab.recorded_summary(),
        region = s.region,
        description = yaml_string(&format!("Pipewright lab {}: the lecture's CI/CD pipeline", s.name)),
    );
    out.push_str(&parameters(lab));
    out.push_str("Resources:\n");
    let mut step: Option<Step> = None;
    for node in lab.plan.resources() {
        if step != Some(node.step) {
            step = Some(node.step);
            let _ = write!(out, "\n  # ==== {} ====\n", step_title(node.step));
        }
        let Some((kind, properties)) = resource(lab, node) else {
            continue;
        };
        let _ = writeln!(out, "\n  # Why: {}", why(node.resource));
        let id = logical_id(node.resource);
        let _ = writeln!(out, "  {id}:\n    Type: {kind}");
        let depends = depends_on(lab, node, &properties);
        if !depends.is_empty() {
            out.push_str("    DependsOn:\n");
            for d in depends {
                let _ = writeln!(out, "      - {d}");
            }
        }
        out.push_str("    Properties:");
        emit_value(&mut out, &properties, 4);
    }
    out.push_str(&outputs(lab));
    out
}

fn parameters(lab: &Lab) -> String {
    let hours = lab.spec.expiry.hours;
    let mut out = String::from("Parameters:\n");
    let params = [
        (
            "VpcId",
            "AWS::EC2::VPC::Id",
            "Your default VPC (aws ec2 describe-vpcs --filters Name=isDefault,Values=true).".to_owned(),
        ),
        (
            "SubnetA",
            "AWS::EC2::Subnet::Id",
            "A default subnet of that VPC (the load balancer and the task use two zones).".to_owned(),
        ),
        (
            "SubnetB",
            "AWS::EC2::Subnet::Id",
            "A default subnet of that VPC in another zone.".to_owned(),
        ),
        (
            "ExpiresAt",
            "String",
            format!("When AWS stops the lab's billing, in UTC (yyyy-mm-ddThh:mm:ss): the lab had {hours} h."),
        ),
    ];
    for (name, ty, description) in params {
        let _ = writeln!(
            out,
            "  {name}:\n    Type: {ty}\n    Description: {}",
            yaml_string(&description)
        );
        if name == "ExpiresAt" {
            out.push_str("    AllowedPattern: \"^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}$\"\n");
        }
    }
    out
}

fn outputs(lab: &Lab) -> String {
    let mut out = String::from(
        "\nOutputs:\n  AppUrl:\n    Description: \"Where the app answers once a run has deployed it\"\n    Value: !Sub \"http://${LoadBalancer.DNSName}/\"\n",
    );
    if creates_connection(lab) {
        out.push_str(
            "  ConnectionArn:\n    Description: \"Complete this connection in the console: it starts PENDING\"\n    Value: !Ref Connection\n",
        );
    }
    out
}

/// The plan's dependencies that no property already names.
fn depends_on(lab: &Lab, node: &Node, properties: &Value) -> Vec<&'static str> {
    let mut named = BTreeSet::new();
    referenced(properties, &mut named);
    let mut deps: Vec<Resource> = node.depends_on.clone();
    // In a stack nothing holds the pipeline's first run before Deploy, so the pipeline waits
    // for the service instead.
    if node.resource == Resource::Pipeline {
        deps.push(Resource::Service);
    }
    deps.iter()
        .filter(|d| lab.plan.node(**d).is_some() && !d.is_milestone())
        .filter(|d| **d != Resource::Connection || creates_connection(lab))
        .map(|d| logical_id(*d))
        .filter(|id| !named.contains(*id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn creates_connection(lab: &Lab) -> bool {
    matches!(lab.spec.source.connection, ConnectionChoice::Create { .. })
}

/// The logical ids `v` refers to through `Ref`, `Fn::GetAtt` and `Fn::Sub`.
fn referenced(v: &Value, into: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(id)) = m.get("Ref") {
                into.insert(id.clone());
            }
            if let Some(Value::String(a)) = m.get("Fn::GetAtt") {
                into.insert(a.split('.').next().unwrap_or_default().to_owned());
            }
            if let Some(Value::String(text)) = m.get("Fn::Sub") {
                for part in text.split("${").skip(1) {
                    let name = part.split(['}', '.']).next().unwrap_or_default();
                    if !name.starts_with('!') && !name.starts_with("AWS::") {
                        into.insert(name.to_owned());
                    }
                }
            }
            m.values().for_each(|x| referenced(x, into));
        }
        Value::Array(a) => a.iter().for_each(|x| referenced(x, into)),
        _ => {}
    }
}

/// A created role by reference (so the stack creates it first), the student's by its ARN.
fn role(lab: &Lab, which: RoleFor) -> Value {
    if lab.plan.node(Resource::Role(which)).is_some() {
        get_att(logical_id(Resource::Role(which)), "Arn")
    } else {
        sub(&lab.role_arn(which))
    }
}

fn resource(lab: &Lab, node: &Node) -> Option<(&'static str, Value)> {
    let s = lab.spec;
    let n = &lab.plan.names;
    let name = node.name.as_str();
    Some(match node.resource {
        Resource::Connection => {
            if !creates_connection(lab) {
                return None;
            }
            let owner = s.source.repository.split('/').next().unwrap_or_default();
            let mut t = tags(lab);
            if let Some(a) = t.as_array_mut() {
                a.push(json!({"Key": connection::OWNER_TAG_KEY, "Value": owner}));
            }
            (
                "AWS::CodeStarConnections::Connection",
                json!({ "ConnectionName": name, "ProviderType": "GitHub", "Tags": t }),
            )
        }
        Resource::ArtifactBucket => (
            "AWS::S3::Bucket",
            json!({
                "BucketName": sub(&lab.plan.bucket),
                "VersioningConfiguration": { "Status": "Enabled" },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": true, "IgnorePublicAcls": true,
                    "BlockPublicPolicy": true, "RestrictPublicBuckets": true
                },
                "Tags": tags(lab),
            }),
        ),
        Resource::Role(which) => (
            "AWS::IAM::Role",
            json!({
                "RoleName": name,
                "AssumeRolePolicyDocument": subst(lab.trust(which)),
                "Policies": [{ "PolicyName": iam_role::POLICY_NAME, "PolicyDocument": subst(lab.policy(which)) }],
                "Tags": tags(lab),
            }),
        ),
        Resource::LogGroup(_) => (
            "AWS::Logs::LogGroup",
            json!({ "LogGroupName": name, "RetentionInDays": log_group::RETENTION_DAYS, "Tags": tags(lab) }),
        ),
        Resource::Repository => {
            let r = &s.registry;
            let mut encryption = json!({ "EncryptionType": ecr_repository::encryption_type(r.encryption).as_str() });
            if let (Encryption::Kms, Some(key)) = (r.encryption, &r.kms_key) {
                encryption["KmsKey"] = json!(key);
            }
            (
                "AWS::ECR::Repository",
                json!({
                    "RepositoryName": name,
                    "ImageTagMutability": ecr_repository::tag_mutability(r.tag_immutability).as_str(),
                    "ImageScanningConfiguration": { "ScanOnPush": r.scan_on_push },
                    "EncryptionConfiguration": encryption,
                    "LifecyclePolicy": { "LifecyclePolicyText": ecr_repository::lifecycle_policy(r.keep_last_images) },
                    "Tags": tags(lab),
                }),
            )
        }
        Resource::BuildProject => {
            let b = &s.build;
            let variables: Vec<Value> = lab
                .build_variables()
                .into_iter()
                .map(|(k, v)| json!({"Name": k, "Value": sub(&v), "Type": "PLAINTEXT"}))
                .collect();
            (
                "AWS::CodeBuild::Project",
                json!({
                    "Name": name,
                    "Description": codebuild_project::description(lab.lab()),
                    "ServiceRole": role(lab, RoleFor::Build),
                    "Source": { "Type": "CODEPIPELINE", "BuildSpec": codebuild_project::project_buildspec(s) },
                    "Artifacts": { "Type": "CODEPIPELINE" },
                    "Environment": {
                        "Type": codebuild_project::environment_type(b.environment_type).as_str(),
                        "Image": b.image,
                        "ComputeType": codebuild_project::compute_type(b.compute_type).as_str(),
                        "PrivilegedMode": b.privileged,
                        "EnvironmentVariables": variables,
                    },
                    "TimeoutInMinutes": b.timeout_minutes,
                    "LogsConfig": { "CloudWatchLogs": { "Status": "ENABLED", "GroupName": n.build_log_group } },
                    "Tags": tags(lab),
                }),
            )
        }
        Resource::SecurityGroup(which) => {
            let ingress = match which {
                GroupFor::LoadBalancer => {
                    let port = s.deploy.load_balancer.listener_port;
                    json!([
                        { "IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIp": "0.0.0.0/0",
                          "Description": security_group::FROM_ANYWHERE },
                        { "IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIpv6": "::/0",
                          "Description": security_group::FROM_ANYWHERE }
                    ])
                }
                GroupFor::Task => {
                    let port = s.deploy.container_port;
                    json!([{
                        "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                        "SourceSecurityGroupId": get_att(logical_id(Resource::SecurityGroup(GroupFor::LoadBalancer)), "GroupId"),
                        "Description": security_group::FROM_LOAD_BALANCER
                    }])
                }
            };
            let mut t = tags(lab);
            if let Some(a) = t.as_array_mut() {
                a.push(json!({"Key": "Name", "Value": name}));
            }
            (
                "AWS::EC2::SecurityGroup",
                json!({
                    "GroupName": name,
                    "GroupDescription": security_group::description(which, lab.lab()),
                    "VpcId": r#ref("VpcId"),
                    "SecurityGroupIngress": ingress,
                    "Tags": t,
                }),
            )
        }
        Resource::LoadBalancer => (
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            json!({
                "Name": name,
                "Type": "application",
                "Scheme": "internet-facing",
                "IpAddressType": "ipv4",
                "Subnets": [r#ref("SubnetA"), r#ref("SubnetB")],
                "SecurityGroups": [get_att(logical_id(Resource::SecurityGroup(GroupFor::LoadBalancer)), "GroupId")],
                "Tags": tags(lab),
            }),
        ),
        Resource::TargetGroup => {
            let t = &s.deploy.target_group;
            (
                "AWS::ElasticLoadBalancingV2::TargetGroup",
                json!({
                    "Name": name,
                    "Protocol": "HTTP",
                    "Port": s.deploy.container_port,
                    "VpcId": r#ref("VpcId"),
                    "TargetType": "ip",
                    "HealthCheckProtocol": "HTTP",
                    "HealthCheckPath": t.health_check_path,
                    "HealthCheckIntervalSeconds": t.health_check_interval_seconds,
                    "HealthCheckTimeoutSeconds": t.health_check_timeout_seconds,
                    "HealthyThresholdCount": t.healthy_threshold,
                    "UnhealthyThresholdCount": t.unhealthy_threshold,
                    "Matcher": { "HttpCode": "200" },
                    "TargetGroupAttributes": [{
                        "Key": "deregistration_delay.timeout_seconds",
                        "Value": t.deregistration_delay_seconds.to_string()
                    }],
                    "Tags": tags(lab),
                }),
            )
        }
        Resource::Listener => (
            "AWS::ElasticLoadBalancingV2::Listener",
            json!({
                "LoadBalancerArn": r#ref(logical_id(Resource::LoadBalancer)),
                "Protocol": "HTTP",
                "Port": s.deploy.load_balancer.listener_port,
                "DefaultActions": [{ "Type": "forward", "TargetGroupArn": r#ref(logical_id(Resource::TargetGroup)) }],
            }),
        ),
        Resource::Cluster => ("AWS::ECS::Cluster", json!({ "ClusterName": name, "Tags": tags(lab) })),
        Resource::TaskDefinition => {
            let d = &s.deploy;
            (
                "AWS::ECS::TaskDefinition",
                json!({
                    "Family": name,
                    "RequiresCompatibilities": ["FARGATE"],
                    "NetworkMode": "awsvpc",
                    "Cpu": d.cpu.to_string(),
                    "Memory": d.memory.to_string(),
                    "RuntimePlatform": {
                        "CpuArchitecture": task_definition::cpu_architecture(d.cpu_architecture).as_str(),
                        "OperatingSystemFamily": "LINUX"
                    },
                    "ExecutionRoleArn": role(lab, RoleFor::TaskExecution),
                    "ContainerDefinitions": [{
                        "Name": n.container,
                        "Image": sub(&format!("{}:{}", Var::RepositoryUri.mark(), task_definition::AWAITING_FIRST_BUILD)),
                        "Essential": true,
                        "PortMappings": [{
                            "ContainerPort": d.container_port,
                            "Protocol": "tcp",
                            "Name": d.port_name,
                            "AppProtocol": task_definition::app_protocol(d.app_protocol).as_str()
                        }],
                        "LogConfiguration": {
                            "LogDriver": "awslogs",
                            "Options": {
                                "awslogs-group": n.task_log_group,
                                "awslogs-region": r#ref("AWS::Region"),
                                "awslogs-stream-prefix": task_definition::LOG_STREAM_PREFIX
                            }
                        },
                        "ReadonlyRootFilesystem": d.readonly_root_filesystem
                    }],
                    "Tags": tags(lab),
                }),
            )
        }
        Resource::Service => {
            let d = &s.deploy;
            (
                "AWS::ECS::Service",
                json!({
                    "ServiceName": name,
                    "Cluster": r#ref(logical_id(Resource::Cluster)),
                    "TaskDefinition": r#ref(logical_id(Resource::TaskDefinition)),
                    "DesiredCount": 0,
                    "LaunchType": "FARGATE",
                    "PlatformVersion": d.platform_version,
                    "NetworkConfiguration": { "AwsvpcConfiguration": {
                        "Subnets": [r#ref("SubnetA"), r#ref("SubnetB")],
                        "SecurityGroups": [get_att(logical_id(Resource::SecurityGroup(GroupFor::Task)), "GroupId")],
                        "AssignPublicIp": "ENABLED"
                    }},
                    "LoadBalancers": [{
                        "TargetGroupArn": r#ref(logical_id(Resource::TargetGroup)),
                        "ContainerName": n.container,
                        "ContainerPort": d.container_port
                    }],
                    "HealthCheckGracePeriodSeconds": d.health_check_grace_period_seconds,
                    "PropagateTags": "SERVICE",
                    "EnableECSManagedTags": true,
                    "Tags": tags(lab),
                }),
            )
        }
        Resource::Pipeline => {
            let mut decl = pascal(super::aws_cli::pipeline_declaration(lab, name));
            decl["RoleArn"] = role(lab, RoleFor::Pipeline);
            decl["ArtifactStore"]["Location"] = r#ref(logical_id(Resource::ArtifactBucket));
            decl["Stages"][1]["Actions"][0]["Configuration"]["ProjectName"] = r#ref(logical_id(Resource::BuildProject));
            let mut decl = subst(decl);
            decl["Tags"] = tags(lab);
            ("AWS::CodePipeline::Pipeline", decl)
        }
        Resource::ScheduleGroup => (
            "AWS::Scheduler::ScheduleGroup",
            json!({ "Name": name, "Tags": tags(lab) }),
        ),
        Resource::Schedule(which) => {
            let (_, schedule_name) = schedule::split(name);
            let input = schedule::target_input(n, which, &Var::LoadBalancerArn.mark()).to_string();
            (
                "AWS::Scheduler::Schedule",
                json!({
                    "Name": schedule_name,
                    "GroupName": r#ref(logical_id(Resource::ScheduleGroup)),
                    "Description": schedule::description(lab.lab()),
                    "ScheduleExpression": { "Fn::Sub": "at(${ExpiresAt})" },
                    "ScheduleExpressionTimezone": schedule::ZONE,
                    "FlexibleTimeWindow": { "Mode": "OFF" },
                    "Target": {
                        "Arn": schedule::target_arn(which),
                        "RoleArn": role(lab, RoleFor::Scheduler),
                        "Input": sub(&input),
                    },
                    "State": "ENABLED",
                }),
            )
        }
        Resource::FirstRun => return None,
    })
}

/// The API's camelCase field names as CloudFormation's PascalCase; an action's
/// `configuration` keeps its keys (they are the provider's own).
fn pascal(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = {
                        let mut c = k.chars();
                        c.next()
                            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                            .unwrap_or_default()
                    };
                    let v = if k == "configuration" { v } else { pascal(v) };
                    (key, v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(pascal).collect()),
        other => other,
    }
}

// ---- A small YAML writer: block style, intrinsic functions in their short form ----

/// A scalar string as YAML reads it back exactly: JSON's double-quoted form is valid YAML.
fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn plain_key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_owned()
    } else {
        yaml_string(k)
    }
}

/// The short form of an intrinsic function, if `v` is one.
fn intrinsic(v: &Value) -> Option<String> {
    let m = v.as_object()?;
    if m.len() != 1 {
        return None;
    }
    let (k, x) = m.iter().next()?;
    let arg = x.as_str()?;
    match k.as_str() {
        "Ref" => Some(format!("!Ref {arg}")),
        "Fn::GetAtt" => Some(format!("!GetAtt {arg}")),
        "Fn::Sub" => Some(format!("!Sub {}", yaml_string(arg))),
        _ => None,
    }
}

/// A scalar on the same line, or None for a block (a non-empty map or list).
fn inline(v: &Value) -> Option<String> {
    if let Some(i) = intrinsic(v) {
        return Some(i);
    }
    match v {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(yaml_string(s)),
        Value::Array(a) if a.is_empty() => Some("[]".into()),
        Value::Object(m) if m.is_empty() => Some("{}".into()),
        _ => None,
    }
}

fn block_text(out: &mut String, s: &str, indent: usize) -> bool {
    // A multi-line text (the buildspec) as a literal block, when it reads back the same.
    if !s.contains('\n')
        || s.lines()
            .any(|l| l.ends_with(' ') || l.starts_with(' ') && l.trim().is_empty())
    {
        return false;
    }
    if s.starts_with(' ') || s.contains('\t') {
        return false;
    }
    let chomp = if s.ends_with('\n') { "" } else { "-" };
    let _ = writeln!(out, " |{chomp}");
    for line in s.trim_end_matches('\n').split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{}{line}", " ".repeat(indent));
        }
    }
    true
}

fn emit_map(out: &mut String, m: &Map<String, Value>, indent: usize) {
    for (k, v) in m {
        let _ = write!(out, "{}{}:", " ".repeat(indent), plain_key(k));
        emit_value(out, v, indent);
    }
}

fn emit_value(out: &mut String, v: &Value, indent: usize) {
    if let Value::String(s) = v
        && block_text(out, s, indent + 2)
    {
        return;
    }
    if let Some(text) = inline(v) {
        let _ = writeln!(out, " {text}");
        return;
    }
    out.push('\n');
    match v {
        Value::Object(m) => emit_map(out, m, indent + 2),
        Value::Array(a) => emit_list(out, a, indent + 2),
        _ => unreachable!("scalars are inline"),
    }
}

fn emit_list(out: &mut String, a: &[Value], indent: usize) {
    for item in a {
        let pad = " ".repeat(indent);
        if let Some(text) = inline(item) {
            let _ = writeln!(out, "{pad}- {text}");
            continue;
        }
        match item {
            Value::Object(m) => {
                // The first key on the dash's line, the rest under it.
                let mut first = true;
                for (k, v) in m {
                    if first {
                        let _ = write!(out, "{pad}- {}:", plain_key(k));
                        first = false;
                    } else {
                        let _ = write!(out, "{pad}  {}:", plain_key(k));
                    }
                    emit_value(out, v, indent + 2);
                }
            }
            Value::Array(inner) => {
                let _ = writeln!(out, "{pad}-");
                emit_list(out, inner, indent + 2);
            }
            _ => unreachable!("scalars are inline"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_writes_intrinsics_short_and_nests_blocks() {
        let mut out = String::new();
        let m = json!({
            "A": { "Ref": "X" },
            "B": [{ "K": 1, "L": { "Fn::GetAtt": "Y.Arn" } }, "s"],
            "C": { "Fn::Sub": "arn:${AWS::AccountId}" },
            "D": "line1\nline2\n"
        });
        emit_map(&mut out, m.as_object().unwrap(), 0);
        assert_eq!(
            out,
            "A: !Ref X\nB:\n  - K: 1\n    L: !GetAtt Y.Arn\n  - \"s\"\nC: !Sub \"arn:${AWS::AccountId}\"\nD: |\n  line1\n  line2\n"
        );
    }

    #[test]
    fn sub_escapes_literal_dollar_braces_and_fills_placeholders() {
        assert_eq!(sub("plain ${X}"), json!("plain ${X}"));
        let v = sub(&format!("${{X}}-{}", Var::AccountId.mark()));
        assert_eq!(v, json!({"Fn::Sub": "${!X}-${AWS::AccountId}"}));
    }

    #[test]
    fn depends_on_adds_only_what_no_property_names() {
        let spec = crate::spec::LabSpec::new("ktb", "octo/app");
        let text = super::super::render(&spec, &[], super::super::Format::Cloudformation);
        // The service names the cluster, task definition, target group and task group, but
        // not the listener (ECS refuses a target group no load balancer uses yet).
        let service = &text[text.find("\n  Service:\n").unwrap()..];
        let service = &service[..service[1..].find("\n  # ").unwrap_or(service.len() - 1)];
        assert!(service.contains("DependsOn:\n      - Listener\n"), "{service}");
        assert!(!service.contains("- Cluster\n"), "{service}");
    }
}
