//! What the lab has in the account, found through the SDK without Pipewright's code: the
//! duplicate check after `up` and the leftover check after `down`.

use std::collections::HashMap;

use pipewright_core::AwsContext;
use pipewright_core::spec::LabSpec;

use crate::{Sandbox, runtime};

const ACCOUNT: &str = "123456789012";

/// How many of each kind of the lab's resources exist (the duplicate check).
pub async fn counts(aws: &AwsContext, spec: &LabSpec) -> HashMap<&'static str, usize> {
    let n = spec.names();
    let mut c = HashMap::new();
    let roles = aws.iam().list_roles().send().await.unwrap();
    c.insert(
        "roles",
        roles
            .roles()
            .iter()
            .filter(|r| r.role_name().starts_with(&format!("{}-", spec.name)))
            .count(),
    );
    let conns = aws.connections().list_connections().send().await.unwrap();
    c.insert(
        "connections",
        conns
            .connections()
            .iter()
            .filter(|x| x.connection_name() == n.connection.as_deref())
            .count(),
    );
    let sgs = aws.ec2().describe_security_groups().send().await.unwrap();
    c.insert(
        "security_groups",
        sgs.security_groups()
            .iter()
            .filter(|g| {
                [&n.alb_security_group, &n.task_security_group]
                    .map(|s| Some(s.as_str()))
                    .contains(&g.group_name())
            })
            .count(),
    );
    let lbs = aws.elbv2().describe_load_balancers().send().await.unwrap();
    let lb: Vec<_> = lbs
        .load_balancers()
        .iter()
        .filter(|l| l.load_balancer_name() == Some(n.load_balancer.as_str()))
        .collect();
    c.insert("load_balancers", lb.len());
    if let Some(lb) = lb.first() {
        let ls = aws
            .elbv2()
            .describe_listeners()
            .load_balancer_arn(lb.load_balancer_arn().unwrap())
            .send()
            .await
            .unwrap();
        c.insert("listeners", ls.listeners().len());
    }
    let tgs = aws.elbv2().describe_target_groups().send().await.unwrap();
    c.insert(
        "target_groups",
        tgs.target_groups()
            .iter()
            .filter(|t| t.target_group_name() == Some(n.target_group.as_str()))
            .count(),
    );
    let tds = aws
        .ecs()
        .list_task_definitions()
        .family_prefix(&n.task_family)
        .send()
        .await
        .unwrap();
    c.insert("task_definitions", tds.task_definition_arns().len());
    let svcs = aws.ecs().list_services().cluster(&n.cluster).send().await.unwrap();
    c.insert("services", svcs.service_arns().len());
    let repos = aws.ecr().describe_repositories().send().await.unwrap();
    c.insert(
        "repositories",
        repos
            .repositories()
            .iter()
            .filter(|r| r.repository_name() == Some(n.repository.as_str()))
            .count(),
    );
    let projects = aws.codebuild().list_projects().send().await.unwrap();
    c.insert(
        "projects",
        projects.projects().iter().filter(|p| **p == n.build_project).count(),
    );
    let schedules = aws
        .scheduler()
        .list_schedules()
        .group_name(&n.schedule_group)
        .send()
        .await
        .unwrap();
    c.insert("schedules", schedules.schedules().len());
    let pipelines = aws.codepipeline().list_pipelines().send().await;
    if let Ok(p) = pipelines {
        c.insert(
            "pipelines",
            p.pipelines()
                .iter()
                .filter(|p| p.name() == Some(n.pipeline.as_str()))
                .count(),
        );
    }
    c
}

pub fn assert_exactly_one_each(c: &HashMap<&'static str, usize>, context: &str) {
    let want: HashMap<&str, usize> = [
        // The pipeline's, the build's, the task execution role and the expiry's scheduler role.
        ("roles", 4),
        ("schedules", 2),
        ("connections", 1),
        ("security_groups", 2),
        ("load_balancers", 1),
        ("listeners", 1),
        ("target_groups", 1),
        // Apply's revision and the one the first run's Deploy action registered.
        ("task_definitions", 2),
        ("services", 1),
        ("repositories", 1),
        ("projects", 1),
    ]
    .into();
    for (k, v) in want {
        assert_eq!(c.get(k).copied(), Some(v), "{context}: {k} in {c:?}");
    }
    if let Some(p) = c.get("pipelines") {
        assert_eq!(*p, 1, "{context}: pipelines");
    }
}

/// Everything of the lab still in the account, found through the SDK without Pipewright's
/// code: listings filtered by the lab's names. Empty = torn down.
pub fn sdk_inventory(sb: &Sandbox, spec: &LabSpec) -> Vec<String> {
    runtime().block_on(async { sdk_inventory_in(&sb.aws().await, ACCOUNT, spec).await })
}

/// [`sdk_inventory`] in any account (the class tests' second one).
pub async fn sdk_inventory_in(aws: &AwsContext, account: &str, spec: &LabSpec) -> Vec<String> {
    let n = spec.names();
    let mut left = Vec::new();
    let roles = aws.iam().list_roles().send().await.unwrap();
    for r in roles.roles() {
        if [&n.pipeline_role, &n.build_role, &n.task_execution_role]
            .iter()
            .any(|x| x.as_deref() == Some(r.role_name()))
            || r.role_name() == n.scheduler_role
        {
            left.push(format!("iam_role {}", r.role_name()));
        }
    }
    let buckets = aws.s3().list_buckets().send().await.unwrap();
    for b in buckets.buckets() {
        if b.name() == Some(n.artifact_bucket(account).as_str()) {
            left.push(format!("s3_bucket {}", n.artifact_bucket(account)));
        }
    }
    let repos = aws.ecr().describe_repositories().send().await.unwrap();
    for r in repos.repositories() {
        if r.repository_name() == Some(n.repository.as_str()) {
            left.push(format!("ecr_repository {}", n.repository));
        }
    }
    let groups = aws
        .logs()
        .describe_log_groups()
        .log_group_name_prefix(format!("/pipewright/{}/", spec.name))
        .send()
        .await
        .unwrap();
    for g in groups.log_groups() {
        left.push(format!("log_group {}", g.log_group_name().unwrap_or_default()));
    }
    let projects = aws.codebuild().list_projects().send().await.unwrap();
    if projects.projects().contains(&n.build_project) {
        left.push(format!("codebuild_project {}", n.build_project));
    }
    let pipeline_arn = format!("arn:aws:codepipeline:{}:{account}:{}", crate::REGION, n.pipeline);
    // Gone only on AWS's not-found answer: any other error fails the test.
    match aws.codepipeline().get_pipeline().name(&n.pipeline).send().await {
        Ok(p) => {
            assert_eq!(p.metadata().and_then(|m| m.pipeline_arn()), Some(pipeline_arn.as_str()));
            left.push(format!("pipeline {}", n.pipeline));
        }
        Err(e) => {
            let e = e.into_service_error();
            assert!(e.is_pipeline_not_found_exception(), "{e:?}");
        }
    }
    let scheduler = aws.scheduler();
    match scheduler.get_schedule_group().name(&n.schedule_group).send().await {
        Ok(_) => left.push(format!("schedule_group {}", n.schedule_group)),
        Err(e) => {
            let e = e.into_service_error();
            assert!(e.is_resource_not_found_exception(), "{e:?}");
        }
    }
    if let Ok(list) = scheduler.list_schedules().group_name(&n.schedule_group).send().await {
        for sc in list.schedules() {
            left.push(format!("schedule {}", sc.name().unwrap_or_default()));
        }
    }
    let conns = aws.connections().list_connections().send().await.unwrap();
    for c in conns.connections() {
        if c.connection_name() == n.connection.as_deref() {
            left.push(format!("connection {}", c.connection_name().unwrap_or_default()));
        }
    }
    let sgs = aws.ec2().describe_security_groups().send().await.unwrap();
    for g in sgs.security_groups() {
        if [&n.alb_security_group, &n.task_security_group]
            .iter()
            .any(|x| Some(x.as_str()) == g.group_name())
        {
            left.push(format!("security_group {}", g.group_name().unwrap_or_default()));
        }
    }
    let elb = aws.elbv2();
    for lb in elb.describe_load_balancers().send().await.unwrap().load_balancers() {
        if lb.load_balancer_name() == Some(n.load_balancer.as_str()) {
            left.push(format!("load_balancer {}", n.load_balancer));
        }
    }
    for tg in elb.describe_target_groups().send().await.unwrap().target_groups() {
        if tg.target_group_name() == Some(n.target_group.as_str()) {
            left.push(format!("target_group {}", n.target_group));
        }
    }
    let ecs = aws.ecs();
    let clusters = ecs.describe_clusters().clusters(&n.cluster).send().await.unwrap();
    if clusters.clusters().iter().any(|c| c.status() == Some("ACTIVE")) {
        left.push(format!("ecs_cluster {}", n.cluster));
        let svcs = ecs
            .describe_services()
            .cluster(&n.cluster)
            .services(&n.service)
            .send()
            .await
            .unwrap();
        if svcs
            .services()
            .iter()
            .any(|s| matches!(s.status(), Some("ACTIVE" | "DRAINING")))
        {
            left.push(format!("ecs_service {}", n.service));
        }
    }
    let tds = ecs
        .list_task_definitions()
        .family_prefix(&n.task_family)
        .send()
        .await
        .unwrap();
    for arn in tds.task_definition_arns() {
        if arn.rsplit('/').next().and_then(|r| r.split(':').next()) == Some(n.task_family.as_str()) {
            left.push(format!("task_definition {arn}"));
        }
    }
    left
}
