//! The Plan: a lab spec turned into a graph of AWS resources, each with its kind, its
//! deterministic name, the lecture step it belongs to and what it depends on.
//!
//! Apply creates the graph in topological order, independent nodes at the same time;
//! Teardown walks it in reverse. A role or connection the student brings (`mode =
//! "existing"`) has no node of its own unless it must be looked up (the connection).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::spec::{ConnectionChoice, LAB_ZONES, LabSpec, OutputArtifactFormat, ResourceNames};

/// The lecture's five steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Source,
    Pipeline,
    Build,
    Registry,
    Deploy,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Source => "source",
            Step::Pipeline => "pipeline",
            Step::Build => "build",
            Step::Registry => "registry",
            Step::Deploy => "deploy",
        }
    }
}

/// Which IAM role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleFor {
    Pipeline,
    Build,
    TaskExecution,
    /// EventBridge Scheduler's, for the lab's expiry: may scale the one service to zero and
    /// delete the one load balancer, nothing else.
    Scheduler,
}

/// Which of the lab's two expiry schedules: together they stop the billing at the expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExpiryAction {
    StopService,
    DeleteLoadBalancer,
}

impl ExpiryAction {
    /// The schedule's name inside the lab's group.
    pub fn schedule_name(self) -> &'static str {
        match self {
            ExpiryAction::StopService => "stop-service",
            ExpiryAction::DeleteLoadBalancer => "delete-load-balancer",
        }
    }

    pub const ALL: [ExpiryAction; 2] = [ExpiryAction::StopService, ExpiryAction::DeleteLoadBalancer];
}

/// Which log group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogsFor {
    Build,
    App,
}

/// Which security group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupFor {
    LoadBalancer,
    Task,
}

/// One node of the graph: what it is, which of several of its kind. Also the key under
/// which Apply keeps the physical ids its dependents need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Connection,
    ArtifactBucket,
    Role(RoleFor),
    LogGroup(LogsFor),
    BuildProject,
    Repository,
    SecurityGroup(GroupFor),
    LoadBalancer,
    TargetGroup,
    Listener,
    Cluster,
    TaskDefinition,
    Service,
    Pipeline,
    /// The EventBridge Scheduler group the expiry schedules live in (schedules cannot be
    /// tagged; the group carries the lab's tags).
    ScheduleGroup,
    Schedule(ExpiryAction),
    /// Not a resource: the lab's first pipeline run (Source, Build, Deploy), which builds and
    /// pushes the first image and deploys it, and the service scaled up to serve it. A lab is
    /// "up" when this is reached. Nothing to delete: Teardown skips it.
    FirstRun,
}

impl Resource {
    /// Its kind: which module of `resources/` handles it.
    pub fn kind(self) -> Kind {
        match self {
            Resource::Connection => Kind::Connection,
            Resource::ArtifactBucket => Kind::S3Bucket,
            Resource::Role(_) => Kind::IamRole,
            Resource::LogGroup(_) => Kind::LogGroup,
            Resource::BuildProject => Kind::CodebuildProject,
            Resource::Repository => Kind::EcrRepository,
            Resource::SecurityGroup(_) => Kind::SecurityGroup,
            Resource::LoadBalancer => Kind::LoadBalancer,
            Resource::TargetGroup => Kind::TargetGroup,
            Resource::Listener => Kind::Listener,
            Resource::Cluster => Kind::EcsCluster,
            Resource::TaskDefinition => Kind::TaskDefinition,
            Resource::Service => Kind::EcsService,
            Resource::Pipeline => Kind::Pipeline,
            Resource::ScheduleGroup => Kind::ScheduleGroup,
            Resource::Schedule(_) => Kind::Schedule,
            Resource::FirstRun => Kind::FirstRun,
        }
    }

    /// A milestone of the lab, not an AWS resource: no ledger row, no tag, nothing to delete.
    pub fn is_milestone(self) -> bool {
        matches!(self, Resource::FirstRun)
    }
}

/// The kinds of AWS resource a lab is made of, one module each in `resources/` (the README's
/// architecture table names it), and the first run, a milestone. [`Kind::as_str`] is the name
/// the ledger, the progress events and the UI's messages (`kinds.<kind>`) use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "ResourceKind")]
pub enum Kind {
    Connection,
    S3Bucket,
    IamRole,
    LogGroup,
    CodebuildProject,
    EcrRepository,
    SecurityGroup,
    LoadBalancer,
    TargetGroup,
    Listener,
    EcsCluster,
    TaskDefinition,
    EcsService,
    Pipeline,
    ScheduleGroup,
    Schedule,
    FirstRun,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Connection => "connection",
            Kind::S3Bucket => "s3_bucket",
            Kind::IamRole => "iam_role",
            Kind::LogGroup => "log_group",
            Kind::CodebuildProject => "codebuild_project",
            Kind::EcrRepository => "ecr_repository",
            Kind::SecurityGroup => "security_group",
            Kind::LoadBalancer => "load_balancer",
            Kind::TargetGroup => "target_group",
            Kind::Listener => "listener",
            Kind::EcsCluster => "ecs_cluster",
            Kind::TaskDefinition => "task_definition",
            Kind::EcsService => "ecs_service",
            Kind::Pipeline => "pipeline",
            Kind::ScheduleGroup => "schedule_group",
            Kind::Schedule => "schedule",
            Kind::FirstRun => "first_run",
        }
    }

    /// The lecture step a resource of this kind is shown under when only its kind is known
    /// (what the tag sweep finds): roles and log groups under Build.
    pub fn step(self) -> Step {
        match self {
            Kind::Connection => Step::Source,
            Kind::S3Bucket | Kind::Pipeline => Step::Pipeline,
            Kind::CodebuildProject | Kind::LogGroup | Kind::IamRole => Step::Build,
            Kind::EcrRepository => Step::Registry,
            _ => Step::Deploy,
        }
    }

    /// Where the kind comes when resources are removed by kind alone (the tag sweep): the
    /// plan's reverse order, each kind at its first node in the plan, so whatever depends on a
    /// resource goes before it (a test checks every edge). Lower goes first.
    pub fn removal_rank(self) -> usize {
        static ORDER: OnceLock<Vec<Kind>> = OnceLock::new();
        let order = ORDER.get_or_init(|| {
            let spec = LabSpec::new("order", "owner/repo");
            let plan = Plan::new(&spec, Facts::placeholder(&spec.region));
            let mut kinds: Vec<Kind> = Vec::new();
            for n in plan.nodes() {
                if !kinds.contains(&n.kind()) {
                    kinds.push(n.kind());
                }
            }
            kinds.reverse();
            kinds
        });
        order.iter().position(|k| *k == self).unwrap_or(order.len())
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Facts about the account the plan needs: the account id (in the bucket name and ARNs) and
/// the default VPC the lab runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    /// The default VPC's default subnets, one per availability zone, in zone order.
    pub subnet_ids: Vec<String>,
    /// Who runs this (STS's caller ARN) and when (epoch seconds, AWS's clock): the
    /// `pipewright:created-by` and `pipewright:created` tags of what is created, which is how
    /// the class view knows a lab's owner and age without the student's ledger. Empty/0 when
    /// not discovered (teardown, expiry): nothing is created then.
    pub caller_arn: String,
    pub discovered_at: i64,
}

impl Facts {
    /// The subnets the load balancer and the tasks use: the first `LAB_ZONES` zones' (tasks
    /// must be in zones the load balancer is enabled in to receive its traffic).
    pub fn lab_subnets(&self) -> &[String] {
        &self.subnet_ids[..self.subnet_ids.len().min(LAB_ZONES)]
    }

    /// For showing a plan without asking AWS anything.
    pub fn placeholder(region: &str) -> Facts {
        Facts {
            account_id: "<account-id>".into(),
            region: region.into(),
            vpc_id: "<default-vpc>".into(),
            subnet_ids: Vec::new(),
            caller_arn: String::new(),
            discovered_at: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub resource: Resource,
    pub name: String,
    pub step: Step,
    pub depends_on: Vec<Resource>,
}

impl Node {
    pub fn kind(&self) -> Kind {
        self.resource.kind()
    }
}

/// A plan as the UI receives it: Review lists it, Progress starts from it, Teardown counts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanView {
    pub lab: String,
    /// In the order Apply may create them (every node after what it depends on).
    pub nodes: Vec<PlanNode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanNode {
    pub step: Step,
    pub kind: Kind,
    pub name: String,
    /// Positions in `nodes` of what this one waits for.
    pub depends_on: Vec<u32>,
    /// A connection the student brings: used as it is, neither created nor deleted.
    pub reused: bool,
    /// Not a resource (the first run): nothing to record or delete.
    pub milestone: bool,
}

/// The graph, its nodes in a topological order (every node after all it depends on).
#[derive(Debug, Clone)]
pub struct Plan {
    pub lab: String,
    pub facts: Facts,
    pub names: ResourceNames,
    pub bucket: String,
    nodes: Vec<Node>,
}

impl Plan {
    pub fn new(spec: &LabSpec, facts: Facts) -> Plan {
        use GroupFor as G;
        use LogsFor as L;
        use Resource as R;
        use RoleFor as Ro;
        let names = spec.names();
        let bucket = names.artifact_bucket(&facts.account_id);
        let mut nodes = Vec::new();
        let mut add = |resource: Resource, name: &str, step: Step, deps: &[Resource]| {
            nodes.push(Node {
                resource,
                name: name.to_owned(),
                step,
                depends_on: deps.to_vec(),
            })
        };
        let connection_name = match &spec.source.connection {
            ConnectionChoice::Create { .. } => names.connection.clone().unwrap_or_default(),
            ConnectionChoice::Existing { arn } => arn.clone(),
        };
        add(R::Connection, &connection_name, Step::Source, &[]);
        add(R::ArtifactBucket, &bucket, Step::Pipeline, &[]);
        add(R::Repository, &names.repository, Step::Registry, &[]);
        add(R::LogGroup(L::Build), &names.build_log_group, Step::Build, &[]);
        // Roles whose policies name other resources by ARN depend only on what has no
        // predictable ARN (the connection); the rest are built from names and facts.
        // A full clone makes the build itself use the connection (git clone through it).
        let full_clone = spec.source.output_format == OutputArtifactFormat::CodebuildCloneRef;
        let build_role_deps = if full_clone { vec![R::Connection] } else { vec![] };
        let roles = [
            (Ro::Pipeline, &names.pipeline_role, Step::Pipeline, vec![R::Connection]),
            (Ro::Build, &names.build_role, Step::Build, build_role_deps),
            (Ro::TaskExecution, &names.task_execution_role, Step::Deploy, vec![]),
        ];
        for (which, name, step, deps) in &roles {
            if let Some(name) = name {
                add(R::Role(*which), name, *step, deps);
            }
        }
        let role_dep = |which: RoleFor, name: &Option<String>| name.as_ref().map(|_| R::Role(which));
        let mut build_deps = vec![R::LogGroup(L::Build), R::Repository];
        build_deps.extend(role_dep(Ro::Build, &names.build_role));
        add(R::BuildProject, &names.build_project, Step::Build, &build_deps);
        let mut pipeline_deps = vec![R::Connection, R::ArtifactBucket, R::BuildProject];
        pipeline_deps.extend(role_dep(Ro::Pipeline, &names.pipeline_role));
        add(R::Pipeline, &names.pipeline, Step::Pipeline, &pipeline_deps);

        add(R::LogGroup(L::App), &names.task_log_group, Step::Deploy, &[]);
        add(
            R::SecurityGroup(G::LoadBalancer),
            &names.alb_security_group,
            Step::Deploy,
            &[],
        );
        add(
            R::SecurityGroup(G::Task),
            &names.task_security_group,
            Step::Deploy,
            &[R::SecurityGroup(G::LoadBalancer)],
        );
        add(
            R::LoadBalancer,
            &names.load_balancer,
            Step::Deploy,
            &[R::SecurityGroup(G::LoadBalancer)],
        );
        add(R::TargetGroup, &names.target_group, Step::Deploy, &[]);
        let listener = format!("{}:{}", names.load_balancer, spec.deploy.load_balancer.listener_port);
        add(R::Listener, &listener, Step::Deploy, &[R::LoadBalancer, R::TargetGroup]);
        add(R::Cluster, &names.cluster, Step::Deploy, &[]);
        let mut task_deps = vec![R::LogGroup(L::App), R::Repository];
        task_deps.extend(role_dep(Ro::TaskExecution, &names.task_execution_role));
        add(R::TaskDefinition, &names.task_family, Step::Deploy, &task_deps);
        add(
            R::Service,
            &names.service,
            Step::Deploy,
            // The listener too: ECS refuses a target group that no load balancer uses yet.
            &[
                R::Cluster,
                R::TaskDefinition,
                R::TargetGroup,
                R::Listener,
                R::SecurityGroup(G::Task),
            ],
        );
        // The lab's expiry: AWS itself scales the service to zero and deletes the load balancer
        // then, whether or not Pipewright is running. Its role names both by ARN.
        add(
            R::Role(Ro::Scheduler),
            &names.scheduler_role,
            Step::Deploy,
            &[R::LoadBalancer, R::Service],
        );
        add(R::ScheduleGroup, &names.schedule_group, Step::Deploy, &[]);
        let schedule_deps = vec![R::ScheduleGroup, R::Service, R::Role(Ro::Scheduler)];
        add(
            R::Schedule(ExpiryAction::StopService),
            &names.schedule(ExpiryAction::StopService.schedule_name()),
            Step::Deploy,
            &schedule_deps,
        );
        // After the first: both fire at the same moment, which the first one fixed.
        let mut lb_deps = schedule_deps.clone();
        lb_deps.extend([R::LoadBalancer, R::Schedule(ExpiryAction::StopService)]);
        add(
            R::Schedule(ExpiryAction::DeleteLoadBalancer),
            &names.schedule(ExpiryAction::DeleteLoadBalancer.schedule_name()),
            Step::Deploy,
            &lb_deps,
        );
        // The pipeline is created whole (Source, Build, Deploy) as soon as its role and project
        // exist, so its first run builds while the load balancer provisions; the run waits
        // before Deploy until the service exists (see resources::first_run).
        add(
            R::FirstRun,
            &format!("{}#1", names.pipeline),
            Step::Deploy,
            &[R::Pipeline, R::Service],
        );
        Plan {
            lab: spec.name.clone(),
            facts,
            names,
            bucket,
            nodes: topological(nodes),
        }
    }

    /// The plan for showing before anything is created (Review, `pipewright plan`): nothing
    /// is asked of AWS; the account id is `account_id`, or `<account-id>` when not known.
    pub fn preview(spec: &LabSpec, account_id: Option<&str>) -> Plan {
        let mut facts = Facts::placeholder(&spec.region);
        if let Some(account) = account_id {
            facts.account_id = account.to_owned();
        }
        Plan::new(spec, facts)
    }

    /// The plan as the UI shows it.
    pub fn view(&self, spec: &LabSpec) -> PlanView {
        let position = |r: &Resource| self.nodes.iter().position(|n| n.resource == *r);
        let reused = matches!(spec.source.connection, ConnectionChoice::Existing { .. });
        PlanView {
            lab: self.lab.clone(),
            nodes: self
                .nodes
                .iter()
                .map(|n| PlanNode {
                    step: n.step,
                    kind: n.kind(),
                    name: n.name.clone(),
                    depends_on: n.depends_on.iter().filter_map(position).map(|i| i as u32).collect(),
                    reused: reused && n.resource == Resource::Connection,
                    milestone: n.resource.is_milestone(),
                })
                .collect(),
        }
    }

    /// Every node, each after all it depends on.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The AWS resources of the lab (every node but the milestones).
    pub fn resources(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| !n.resource.is_milestone())
    }

    pub fn node(&self, r: Resource) -> Option<&Node> {
        self.nodes.iter().find(|n| n.resource == r)
    }

    /// The plan as text: the order nodes are created in, by step, and (with `spec`) what the
    /// lab costs per hour while it runs.
    pub fn describe(&self, spec: Option<&LabSpec>) -> String {
        let mut out = format!(
            "Plan for lab {:?} ({} resources, then the pipeline's first run):\n",
            self.lab,
            self.resources().count()
        );
        for (i, n) in self.nodes.iter().enumerate() {
            let deps: Vec<String> = n
                .depends_on
                .iter()
                .filter_map(|d| self.nodes.iter().position(|m| m.resource == *d))
                .map(|j| (j + 1).to_string())
                .collect();
            let after = if deps.is_empty() {
                String::new()
            } else {
                format!("  (after {})", deps.join(", "))
            };
            let _ = writeln!(
                out,
                "{:>3}. [{:<8}] {:<18} {}{after}",
                i + 1,
                n.step.as_str(),
                n.kind().as_str(),
                n.name
            );
        }
        if let Some(spec) = spec {
            let cost = spec.cost_estimate();
            let _ = writeln!(
                out,
                "\nWhile it runs this lab costs about ${:.3}/hour ({}{}), until `pipewright down`.",
                cost.usd_per_hour,
                cost.region,
                if cost.region_priced {
                    ""
                } else {
                    ", estimated from us-east-1 prices"
                }
            );
        }
        out
    }
}

/// Kahn's algorithm, stable: among nodes that are ready together, the plan's own order
/// (lecture step by step) wins, so the printed order reads like the lecture.
fn topological(nodes: Vec<Node>) -> Vec<Node> {
    let index: HashMap<Resource, usize> = nodes.iter().enumerate().map(|(i, n)| (n.resource, i)).collect();
    let mut waiting: Vec<usize> = nodes
        .iter()
        .map(|n| n.depends_on.iter().filter(|d| index.contains_key(d)).count())
        .collect();
    let mut ready: BTreeMap<(Step, usize), usize> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if waiting[i] == 0 {
            ready.insert((n.step, i), i);
        }
    }
    let mut order = Vec::with_capacity(nodes.len());
    while let Some((_, i)) = ready.pop_first() {
        order.push(i);
        for (j, m) in nodes.iter().enumerate() {
            if m.depends_on.contains(&nodes[i].resource) {
                waiting[j] -= 1;
                if waiting[j] == 0 {
                    ready.insert((m.step, j), j);
                }
            }
        }
    }
    assert_eq!(order.len(), nodes.len(), "the plan has a cycle (a bug in Plan::new)");
    let mut slots: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|i| slots[i].take().expect("each node once"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::RoleChoice;

    fn facts() -> Facts {
        Facts {
            account_id: "000000000000".into(),
            region: "ap-northeast-2".into(),
            vpc_id: "vpc-1".into(),
            subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
            caller_arn: String::new(),
            discovered_at: 0,
        }
    }

    #[test]
    fn every_node_comes_after_what_it_depends_on() {
        let plan = Plan::new(&LabSpec::new("ktb", "octo/app"), facts());
        let pos = |r: Resource| plan.nodes().iter().position(|n| n.resource == r).unwrap();
        for n in plan.nodes() {
            for d in &n.depends_on {
                assert!(pos(*d) < pos(n.resource), "{:?} before {:?}", d, n.resource);
            }
        }
        assert_eq!(plan.nodes().len(), 23);
        assert_eq!(plan.resources().count(), 22);
        assert_eq!(plan.nodes().last().unwrap().resource, Resource::FirstRun);
    }

    /// The pipeline (and so its first run) starts before the load balancer and the service
    /// exist; only the first run waits for the service.
    #[test]
    fn the_first_run_builds_while_the_deploy_side_comes_up() {
        let plan = Plan::new(&LabSpec::new("ktb", "octo/app"), facts());
        let deps = |r: Resource| plan.node(r).unwrap().depends_on.clone();
        let mut upstream = deps(Resource::Pipeline);
        while let Some(d) = upstream.pop() {
            assert!(
                !matches!(d, Resource::Service | Resource::LoadBalancer | Resource::Listener),
                "the pipeline waits for {d:?}"
            );
            upstream.extend(deps(d));
        }
        assert_eq!(deps(Resource::FirstRun), [Resource::Pipeline, Resource::Service]);
    }

    /// The sweep removes by kind in `removal_rank` order: every resource must go before what
    /// it depends on, whatever the spec's choices.
    #[test]
    fn removal_by_kind_respects_every_dependency() {
        let mut specs = vec![LabSpec::new("ktb", "octo/app")];
        let mut clone = LabSpec::new("ktb", "octo/app");
        clone.source.output_format = OutputArtifactFormat::CodebuildCloneRef;
        specs.push(clone);
        let mut existing = LabSpec::new("ktb", "octo/app");
        existing.build.service_role = RoleChoice::Existing {
            arn: "arn:aws:iam::000000000000:role/b".into(),
        };
        specs.push(existing);
        for spec in &specs {
            let plan = Plan::new(spec, facts());
            for n in plan.resources() {
                for d in &n.depends_on {
                    // The scheduler role's policy only names the service and the load
                    // balancer by ARN: AWS lets either go first (Teardown's walk removes the
                    // role first anyway, the sweep by kind after them).
                    if n.resource == Resource::Role(RoleFor::Scheduler) {
                        continue;
                    }
                    let (a, b) = (n.kind(), d.kind());
                    assert!(
                        a == b || a.removal_rank() < b.removal_rank(),
                        "{a} depends on {b} but would be removed after it"
                    );
                }
            }
        }
        assert!(Kind::EcsService.removal_rank() < Kind::EcsCluster.removal_rank());
        assert!(Kind::LoadBalancer.removal_rank() < Kind::SecurityGroup.removal_rank());
        assert!(Kind::IamRole.removal_rank() < Kind::Connection.removal_rank());
        assert!(Kind::Schedule.removal_rank() < Kind::ScheduleGroup.removal_rank());
        assert!(Kind::Schedule.removal_rank() < Kind::LoadBalancer.removal_rank());
    }

    #[test]
    fn a_full_clone_gives_the_build_role_the_connection() {
        let mut spec = LabSpec::new("ktb", "octo/app");
        let build_role = |spec: &LabSpec| {
            Plan::new(spec, facts())
                .node(Resource::Role(RoleFor::Build))
                .unwrap()
                .depends_on
                .clone()
        };
        assert!(build_role(&spec).is_empty());
        spec.source.output_format = OutputArtifactFormat::CodebuildCloneRef;
        assert_eq!(build_role(&spec), [Resource::Connection]);
    }

    #[test]
    fn the_lab_uses_two_zones_whatever_the_region_has() {
        let mut f = facts();
        f.subnet_ids = vec!["a".into(), "b".into(), "c".into(), "d".into()];
        assert_eq!(f.lab_subnets(), ["a", "b"]);
    }

    #[test]
    fn existing_roles_have_no_node() {
        let mut spec = LabSpec::new("ktb", "octo/app");
        spec.build.service_role = RoleChoice::Existing {
            arn: "arn:aws:iam::000000000000:role/b".into(),
        };
        let plan = Plan::new(&spec, facts());
        assert!(plan.node(Resource::Role(RoleFor::Build)).is_none());
        assert!(
            !plan
                .node(Resource::BuildProject)
                .unwrap()
                .depends_on
                .contains(&Resource::Role(RoleFor::Build))
        );
    }

    #[test]
    fn the_view_names_kinds_steps_and_edges() {
        let mut spec = LabSpec::new("ktb", "octo/app");
        let view = Plan::preview(&spec, Some("123456789012")).view(&spec);
        assert_eq!(view.nodes.len(), 23);
        let bucket = view.nodes.iter().find(|n| n.kind == Kind::S3Bucket).unwrap();
        assert_eq!(bucket.name, "pipewright-ktb-artifacts-123456789012");
        let last = view.nodes.last().unwrap();
        assert!(last.milestone && last.kind == Kind::FirstRun);
        for (i, n) in view.nodes.iter().enumerate() {
            assert!(n.depends_on.iter().all(|&d| (d as usize) < i), "{n:?}");
        }
        assert!(!view.nodes[0].reused);
        spec.source.connection = ConnectionChoice::Existing {
            arn: "arn:aws:codeconnections:ap-northeast-2:123456789012:connection/x".into(),
        };
        let view = Plan::preview(&spec, None).view(&spec);
        assert!(view.nodes[0].reused && view.nodes[0].name.ends_with("connection/x"));
        assert!(
            view.nodes
                .iter()
                .any(|n| n.name == "pipewright-ktb-artifacts-<account-id>")
        );
    }

    #[test]
    fn describe_lists_order_and_cost() {
        let spec = LabSpec::new("ktb", "octo/app");
        let text = Plan::new(&spec, facts()).describe(Some(&spec));
        assert!(text.contains("ecr_repository") && text.contains("/hour"), "{text}");
        assert!(text.contains("pipewright-ktb-artifacts-000000000000"), "{text}");
    }
}
