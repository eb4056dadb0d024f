//! A lab as code the student can keep: what Pipewright built, as a commented AWS CLI script
//! (`aws_cli`) or a CloudFormation template (`cloudformation`), in the plan's order, each
//! resource under the lecture step it belongs to with why it is there.
//!
//! Both are generated from the lab's spec and plan with the same functions the resources
//! use (names, `policies`, `buildspec`, the SDK enums' own strings), so an export cannot
//! drift from what `up` creates. Nothing account-specific is written in: the account id,
//! region, default VPC and subnets are the target account's, looked up by the script or
//! given to the stack. Values the target account decides are written as placeholders
//! (`Var`) that each format turns into its own syntax (a shell variable, a `!Sub`).
//! Secrets never appear: a spec holds none (build variables are plain text by design).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::ledger::{Ledger, LedgerResource};
use crate::plan::{ExpiryAction, Facts, GroupFor, LogsFor, Plan, Resource, RoleFor, Step};
use crate::resources::policies;
use crate::spec::{ConnectionChoice, LabSpec, Lang, OutputArtifactFormat, RoleChoice};

mod aws_cli;
mod cloudformation;

/// What `pipewright export --format` and the app's Done panel offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(rename = "ExportFormat")]
pub enum Format {
    /// A bash script of AWS CLI commands.
    AwsCli,
    /// A CloudFormation template (YAML).
    Cloudformation,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::AwsCli => "aws-cli",
            Format::Cloudformation => "cloudformation",
        }
    }

    /// The file name the app and `--out` suggest.
    pub fn file_name(self, lab: &str) -> String {
        match self {
            Format::AwsCli => format!("{lab}-aws-cli.sh"),
            Format::Cloudformation => format!("{lab}-cloudformation.yaml"),
        }
    }
}

/// An export as the app receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportText {
    pub file_name: String,
    pub text: String,
}

/// The lab `lab` of the ledger in `format`. An unknown lab is a field error (in `lang`),
/// before anything else.
pub fn for_lab(ledger: &Ledger, lab: &str, format: Format, lang: Lang) -> Result<ExportText> {
    let Some(text) = ledger.lab_spec(lab)? else {
        return Err(Error::Invalid {
            field: "lab".into(),
            message: unknown_lab(lab, lang),
        });
    };
    let spec = LabSpec::from_toml(&text)?;
    let recorded = ledger.resources(lab)?;
    Ok(ExportText {
        file_name: format.file_name(lab),
        text: render(&spec, &recorded, format),
    })
}

pub fn unknown_lab(lab: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "no lab named {lab:?} in the ledger: only a lab created here (Create on Review, or `pipewright up`) can be exported"
        ),
        Lang::Ko => format!(
            "원장에 {lab:?} 실습이 없습니다. 여기서 생성한 실습(검토의 생성 또는 `pipewright up`)만 내보낼 수 있습니다"
        ),
    }
}

/// The export of `spec`; `recorded` (the ledger's rows) is summed up in the header.
pub fn render(spec: &LabSpec, recorded: &[LedgerResource], format: Format) -> String {
    let lab = Lab::new(spec, recorded);
    match format {
        Format::AwsCli => aws_cli::render(&lab),
        Format::Cloudformation => cloudformation::render(&lab),
    }
}

/// A value the target account decides, or a resource's id once it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Var {
    AccountId,
    Region,
    ConnectionArn,
    VpcId,
    SubnetA,
    SubnetB,
    RepositoryUri,
    LoadBalancerArn,
}

impl Var {
    const ALL: [Var; 8] = [
        Var::AccountId,
        Var::Region,
        Var::ConnectionArn,
        Var::VpcId,
        Var::SubnetA,
        Var::SubnetB,
        Var::RepositoryUri,
        Var::LoadBalancerArn,
    ];

    /// Its shell variable's name.
    pub(crate) fn shell(self) -> &'static str {
        match self {
            Var::AccountId => "ACCOUNT_ID",
            Var::Region => "REGION",
            Var::ConnectionArn => "CONNECTION_ARN",
            Var::VpcId => "VPC_ID",
            Var::SubnetA => "SUBNET_A",
            Var::SubnetB => "SUBNET_B",
            Var::RepositoryUri => "REPOSITORY_URI",
            Var::LoadBalancerArn => "LOAD_BALANCER_ARN",
        }
    }

    /// The placeholder the shared values carry until a format writes them out.
    pub(crate) fn mark(self) -> String {
        format!("@@{}@@", self.shell())
    }

    /// Replaces every placeholder in `text` with `with(var)`.
    pub(crate) fn fill(text: &str, with: impl Fn(Var) -> String) -> String {
        let mut out = text.to_owned();
        for v in Var::ALL {
            out = out.replace(&v.mark(), &with(v));
        }
        out
    }

    pub(crate) fn any_in(text: &str) -> bool {
        Var::ALL.iter().any(|v| text.contains(&v.mark()))
    }
}

/// The lecture's steps as the exports title them.
pub(crate) fn step_title(step: Step) -> &'static str {
    match step {
        Step::Source => "Step 1 - Source: the GitHub connection",
        Step::Pipeline => "Step 2 - Pipeline: CodePipeline, its role and artifact bucket",
        Step::Build => "Step 3 - Build: CodeBuild, its role and logs",
        Step::Registry => "Step 4 - Registry: the ECR repository",
        Step::Deploy => "Step 5 - Deploy: ECS on Fargate behind an Application Load Balancer",
    }
}

/// Why the lab has this resource, in one or two lines.
pub(crate) fn why(r: Resource) -> &'static str {
    match r {
        Resource::Connection => {
            "Lets CodePipeline read the GitHub repository. A connection made by API stays PENDING until a person completes it in the console (Developer Tools > Settings > Connections)."
        }
        Resource::ArtifactBucket => {
            "The pipeline's artifact store: each stage hands its output (the source zip, imagedefinitions.json) to the next through it. Versioned, never public."
        }
        Resource::Role(RoleFor::Pipeline) => {
            "What the pipeline may do: use this connection, start this build project, deploy this service. Least privilege instead of a broad managed policy."
        }
        Resource::Role(RoleFor::Build) => {
            "What the build may do: write its logs, read and write artifacts, push to this one repository (not AmazonEC2ContainerRegistryPowerUser)."
        }
        Resource::Role(RoleFor::TaskExecution) => {
            "What ECS uses to start the app's task: pull from this repository and write to the app's log group."
        }
        Resource::Role(RoleFor::Scheduler) => {
            "What the expiry schedules run as: scale this one service to zero and delete this one load balancer, nothing else."
        }
        Resource::LogGroup(LogsFor::Build) => "Where the build's log goes (kept 7 days).",
        Resource::LogGroup(LogsFor::App) => "Where the app's output goes (kept 7 days).",
        Resource::BuildProject => {
            "Builds the Docker image in privileged mode, pushes it to ECR tagged with the commit, and writes imagedefinitions.json for the Deploy stage. ACCOUNT_ID, REPOSITORY_URI and CONTAINER_NAME are project variables, so the buildspec hard-codes none of them."
        }
        Resource::Repository => "The private registry the build pushes the image to and the task pulls it from.",
        Resource::SecurityGroup(GroupFor::LoadBalancer) => {
            "Admits HTTP from anywhere to the load balancer (the default group admits nothing from outside)."
        }
        Resource::SecurityGroup(GroupFor::Task) => {
            "Admits the container port only from the load balancer's group: the task is reachable only through it."
        }
        Resource::LoadBalancer => {
            "The Application Load Balancer whose DNS name serves the app, in two of the default VPC's zones."
        }
        Resource::TargetGroup => {
            "The tasks' addresses (target type ip, as Fargate's awsvpc needs) and the health check that decides when a task serves."
        }
        Resource::Listener => "Forwards the load balancer's port to the target group.",
        Resource::Cluster => "The ECS cluster the service runs in (AWS Fargate: no servers to manage).",
        Resource::TaskDefinition => {
            "The container: its name (which imagedefinitions.json must repeat), port, size and logs. Its first image tag is a placeholder: the pipeline's Deploy stage registers the revision with the image it built."
        }
        Resource::Service => {
            "Keeps the task running behind the target group. It starts with no task: there is no image until the first build."
        }
        Resource::Pipeline => {
            "Source (GitHub through the connection), Build (CodeBuild), Deploy (Amazon ECS, imagedefinitions.json). Creating it starts its first run."
        }
        Resource::ScheduleGroup => {
            "Holds the expiry schedules and carries the lab's tag (schedules themselves cannot be tagged)."
        }
        Resource::Schedule(ExpiryAction::StopService) => {
            "At the expiry AWS itself scales the service to zero, even with Pipewright closed. Deleted after it runs."
        }
        Resource::Schedule(ExpiryAction::DeleteLoadBalancer) => {
            "At the expiry AWS itself deletes the load balancer, which bills by the hour. Deleted after it runs."
        }
        Resource::FirstRun => {
            "Once the first run has built and pushed an image, let it into Deploy and scale the service up."
        }
    }
}

/// Everything both formats need, computed once from the spec with placeholders for what the
/// target account decides.
pub(crate) struct Lab<'a> {
    pub spec: &'a LabSpec,
    pub plan: Plan,
    pub recorded: &'a [LedgerResource],
}

impl<'a> Lab<'a> {
    fn new(spec: &'a LabSpec, recorded: &'a [LedgerResource]) -> Lab<'a> {
        let facts = Facts {
            account_id: Var::AccountId.mark(),
            region: Var::Region.mark(),
            vpc_id: Var::VpcId.mark(),
            subnet_ids: vec![Var::SubnetA.mark(), Var::SubnetB.mark()],
            // Who runs the script and when is the target account's business: no creation tags.
            caller_arn: String::new(),
            discovered_at: 0,
        };
        Lab {
            spec,
            plan: Plan::new(spec, facts),
            recorded,
        }
    }

    pub fn lab(&self) -> &str {
        &self.spec.name
    }

    pub fn tags(&self) -> Vec<(String, String)> {
        std::iter::once((crate::spec::LAB_TAG_KEY.to_owned(), self.spec.name.clone()))
            .chain(self.spec.class.tag())
            .collect()
    }

    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}:{resource}",
            Var::Region.mark(),
            Var::AccountId.mark()
        )
    }

    /// The connection's ARN: the student's own, or the one created in Step 1.
    pub fn connection_arn(&self) -> String {
        match &self.spec.source.connection {
            ConnectionChoice::Existing { arn } => arn.clone(),
            ConnectionChoice::Create { .. } => Var::ConnectionArn.mark(),
        }
    }

    /// The ARN of the role `which` runs as: the lab's or the student's own.
    pub fn role_arn(&self, which: RoleFor) -> String {
        let n = &self.plan.names;
        let (choice, name) = match which {
            RoleFor::Scheduler => return self.iam_arn(&n.scheduler_role),
            RoleFor::Pipeline => (&self.spec.pipeline.service_role, &n.pipeline_role),
            RoleFor::Build => (&self.spec.build.service_role, &n.build_role),
            RoleFor::TaskExecution => (&self.spec.deploy.task_execution_role, &n.task_execution_role),
        };
        match (choice, name) {
            (RoleChoice::Existing { arn }, _) => arn.clone(),
            (_, Some(name)) => self.iam_arn(name),
            (RoleChoice::Create { .. }, None) => String::new(),
        }
    }

    fn iam_arn(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:role/{name}", Var::AccountId.mark())
    }

    /// The inline policy of a role the lab creates, from `policies` itself.
    pub fn policy(&self, which: RoleFor) -> serde_json::Value {
        let n = &self.plan.names;
        if which == RoleFor::Scheduler {
            let service = self.arn("ecs", &format!("service/{}/{}", n.cluster, n.service));
            return policies::scheduler(&service, &Var::LoadBalancerArn.mark());
        }
        let full_clone = self.spec.source.output_format == OutputArtifactFormat::CodebuildCloneRef;
        let connection = self.connection_arn();
        let exec = self.role_arn(RoleFor::TaskExecution);
        let account = Var::AccountId.mark();
        let region = Var::Region.mark();
        let scope = policies::Scope::of_lab(n, &self.plan.bucket, &region, &account, &connection, &exec, full_clone);
        match which {
            RoleFor::Pipeline => policies::pipeline(&scope),
            RoleFor::Build => policies::build(&scope),
            RoleFor::TaskExecution => policies::task_execution(&scope),
            RoleFor::Scheduler => unreachable!("returned above"),
        }
    }

    pub fn trust(&self, which: RoleFor) -> serde_json::Value {
        policies::trust(crate::resources::iam_role::service_for(which), &Var::AccountId.mark())
    }

    /// The build's variables, as the project gets them (`codebuild_project::environment_variables`).
    pub fn build_variables(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            ("ACCOUNT_ID".to_owned(), Var::AccountId.mark()),
            ("REPOSITORY_URI".to_owned(), Var::RepositoryUri.mark()),
            ("CONTAINER_NAME".to_owned(), self.plan.names.container.clone()),
        ];
        vars.extend(
            self.spec
                .build
                .environment_variables
                .iter()
                .map(|e| (e.name.clone(), e.value.clone())),
        );
        vars
    }

    /// One line about what the ledger holds for the lab.
    pub fn recorded_summary(&self) -> String {
        let live = self.recorded.iter().filter(|r| r.state.is_live()).count();
        format!(
            "The ledger has {} resources of this lab, {live} of them still in the account.",
            self.recorded.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> LabSpec {
        LabSpec::new("ktb", "octo/app")
    }

    #[test]
    fn the_script_follows_the_plan_with_each_steps_title_and_why() {
        let s = spec();
        let text = render(&s, &[], Format::AwsCli);
        let lab = Lab::new(&s, &[]);
        // Every resource of the plan is created in the plan's order, each after a comment
        // naming its step and why it is there.
        let mut at = 0;
        for n in lab.plan.resources() {
            let why_line = format!("# Why: {}", why(n.resource));
            let found = text[at..]
                .find(&why_line)
                .unwrap_or_else(|| panic!("{:?} missing or out of order after byte {at}", n.resource));
            at += found + why_line.len();
            let before = &text[..at];
            let title = before.rfind("# ==== Step").expect("a step title before it");
            assert!(
                before[title..].starts_with(&format!("# ==== {}", step_title(n.step))),
                "{:?} is not under {:?}",
                n.resource,
                n.step
            );
        }
        assert!(text.starts_with("#!/usr/bin/env bash\n"));
        assert!(text.contains("set -euo pipefail"));
        assert!(text.contains("aws sts get-caller-identity"));
        assert!(text.contains("isDefault"));
        assert!(text.contains("PENDING"));
        // No account id of anyone: the script asks the target account.
        assert!(!text.contains("123456789012") && !text.contains("@@"), "{text}");
    }

    #[test]
    fn the_script_names_every_resource_as_the_plan_does() {
        let s = spec();
        let text = render(&s, &[], Format::AwsCli);
        let n = s.names();
        for name in [
            n.connection.as_deref().unwrap(),
            n.pipeline_role.as_deref().unwrap(),
            n.build_role.as_deref().unwrap(),
            n.task_execution_role.as_deref().unwrap(),
            &n.scheduler_role,
            &n.build_log_group,
            &n.task_log_group,
            &n.build_project,
            &n.repository,
            &n.alb_security_group,
            &n.task_security_group,
            &n.load_balancer,
            &n.target_group,
            &n.cluster,
            &n.task_family,
            &n.service,
            &n.pipeline,
            &n.schedule_group,
        ] {
            assert!(text.contains(name), "{name} missing");
        }
        assert!(text.contains("pipewright-ktb-artifacts-${ACCOUNT_ID}"));
        // The policies are `policies`' own, with the account filled in by the shell.
        assert!(text.contains("\"ecr:GetAuthorizationToken\""));
        assert!(text.contains("arn:aws:ecr:${REGION}:${ACCOUNT_ID}:repository/"));
    }

    #[test]
    fn the_template_has_one_logical_resource_per_plan_resource_in_order() {
        let s = spec();
        let text = render(&s, &[], Format::Cloudformation);
        let lab = Lab::new(&s, &[]);
        let mut at = 0;
        for n in lab.plan.resources() {
            let id = cloudformation::logical_id(n.resource);
            let line = format!("\n  {id}:\n");
            let found = text[at..]
                .find(&line)
                .unwrap_or_else(|| panic!("{id} missing or out of order"));
            at += found + line.len();
        }
        assert!(text.starts_with("AWSTemplateFormatVersion: \"2010-09-09\"\n"));
        assert!(!text.contains("123456789012") && !text.contains("@@"), "{text}");
        assert!(text.contains("!Sub \"pipewright-ktb-artifacts-${AWS::AccountId}\""));
    }

    #[test]
    fn an_existing_connection_or_role_is_used_not_created() {
        let mut s = spec();
        let arn = "arn:aws:codeconnections:ap-northeast-2:000000000000:connection/x";
        s.source.connection = ConnectionChoice::Existing { arn: arn.into() };
        s.build.service_role = RoleChoice::Existing {
            arn: "arn:aws:iam::000000000000:role/mine".into(),
        };
        let script = render(&s, &[], Format::AwsCli);
        assert!(!script.contains("create-connection"));
        assert!(script.contains(&format!("CONNECTION_ARN=\"{arn}\"")));
        assert!(script.contains("role/mine"));
        assert_eq!(script.matches("aws iam create-role").count(), 3);
        let template = render(&s, &[], Format::Cloudformation);
        assert!(!template.contains("AWS::CodeStarConnections::Connection"));
        assert!(!template.contains("\n  BuildRole:\n"));
        assert!(template.contains("role/mine"));
    }

    #[test]
    fn build_variables_are_written_but_nothing_secret_is_asked_for() {
        let mut s = spec();
        s.build.environment_variables.push(crate::spec::EnvVar {
            name: "GREETING".into(),
            value: "hello".into(),
        });
        let script = render(&s, &[], Format::AwsCli);
        assert!(script.contains("\"GREETING\"") && script.contains("\"hello\""));
        assert!(!script.to_lowercase().contains("secret"));
        assert!(!script.contains("aws_access_key_id"));
    }

    #[test]
    fn formats_have_names_and_file_names() {
        assert_eq!(Format::AwsCli.as_str(), "aws-cli");
        assert_eq!(Format::Cloudformation.file_name("ktb"), "ktb-cloudformation.yaml");
        assert!(unknown_lab("x", Lang::Ko).contains("원장"));
    }
}
