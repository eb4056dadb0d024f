//! The IAM documents the lab's roles get: trust policies and least-privilege inline policies,
//! each scoped to this lab's resources by ARN (never the lecture's
//! `AmazonEC2ContainerRegistryPowerUser`). Pure functions, so the scopes are unit-tested.

use serde_json::{Value, json};

/// Who may assume the role: the service, acting for this account only. `aws:SourceAccount`
/// is AWS's confused-deputy guard, which CodePipeline, CodeBuild and ECS tasks all set when
/// they assume a role ("Cross-service confused deputy prevention" in each service's guide).
/// `Principal.Service` is a single string, not a list: some services' validators (and the
/// sandbox) refuse the list form.
pub fn trust(service: &str, account: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": account } }
        }]
    })
}

/// EventBridge Scheduler's role for the lab's expiry: scale the one service (to zero) and
/// delete the one load balancer. The IAM prefix is `elasticloadbalancing` although the
/// universal target's SDK id is `elasticloadbalancingv2`.
pub fn scheduler(service_arn: &str, load_balancer_arn: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "StopService",
                "Effect": "Allow",
                "Action": "ecs:UpdateService",
                "Resource": service_arn
            },
            {
                "Sid": "DeleteLoadBalancer",
                "Effect": "Allow",
                "Action": "elasticloadbalancing:DeleteLoadBalancer",
                "Resource": load_balancer_arn
            }
        ]
    })
}

/// ARNs the policies name, computed from the plan's names and the account's facts.
pub struct Scope<'a> {
    pub partition_region: &'a str,
    pub account: &'a str,
    pub bucket: &'a str,
    pub build_project: &'a str,
    pub build_log_group: &'a str,
    pub app_log_group: &'a str,
    pub repository: &'a str,
    pub cluster: &'a str,
    pub service: &'a str,
    pub task_family: &'a str,
    pub connection_arn: &'a str,
    pub task_execution_role_arn: &'a str,
    /// The build clones the repository through the connection (output format "Full clone").
    pub full_clone: bool,
}

impl<'a> Scope<'a> {
    /// A lab's scope: its names, and the ARNs only the account (or its run) knows.
    pub fn of_lab(
        names: &'a crate::spec::ResourceNames,
        bucket: &'a str,
        region: &'a str,
        account: &'a str,
        connection_arn: &'a str,
        task_execution_role_arn: &'a str,
        full_clone: bool,
    ) -> Scope<'a> {
        Scope {
            partition_region: region,
            account,
            bucket,
            build_project: &names.build_project,
            build_log_group: &names.build_log_group,
            app_log_group: &names.task_log_group,
            repository: &names.repository,
            cluster: &names.cluster,
            service: &names.service,
            task_family: &names.task_family,
            connection_arn,
            task_execution_role_arn,
            full_clone,
        }
    }

    fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}:{resource}",
            self.partition_region, self.account
        )
    }
    fn bucket_arns(&self) -> Value {
        json!([
            format!("arn:aws:s3:::{}", self.bucket),
            format!("arn:aws:s3:::{}/*", self.bucket)
        ])
    }
    /// Bucket names are global: a bucket of the same name in another account (created after
    /// ours was deleted) must not receive the lab's artifacts. AWS's CodePipeline examples
    /// condition the artifact statements on `aws:ResourceAccount`.
    fn own_account(&self) -> Value {
        json!({ "StringEquals": { "aws:ResourceAccount": self.account } })
    }
    pub fn repository_arn(&self) -> String {
        self.arn("ecr", &format!("repository/{}", self.repository))
    }
    fn log_group_arns(&self, group: &str) -> Value {
        let g = self.arn("logs", &format!("log-group:{group}"));
        json!([g.clone(), format!("{g}:*")])
    }
}

/// The pipeline's role: the artifact bucket, the one build project, the one connection, and
/// what AWS's "Amazon ECS deploy action reference" lists for the standard ECS deploy of the
/// one service: the action registers a new revision of the task definition copied from the
/// running one (tags included, hence `ecs:TagResource` on the family, only while registering)
/// and passes the task's roles to ECS.
pub fn pipeline(s: &Scope) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Artifacts",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:GetBucketVersioning", "s3:GetBucketLocation"],
                "Resource": s.bucket_arns(),
                "Condition": s.own_account()
            },
            {
                "Sid": "Build",
                "Effect": "Allow",
                "Action": ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
                "Resource": s.arn("codebuild", &format!("project/{}", s.build_project))
            },
            {
                "Sid": "Source",
                "Effect": "Allow",
                "Action": ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
                "Resource": s.connection_arn
            },
            {
                "Sid": "DeployService",
                "Effect": "Allow",
                "Action": ["ecs:DescribeServices", "ecs:UpdateService"],
                "Resource": s.arn("ecs", &format!("service/{}/{}", s.cluster, s.service))
            },
            {
                // These accept no resource-level scoping in IAM: "*" is the narrowest.
                "Sid": "DeployTaskDefinition",
                "Effect": "Allow",
                "Action": ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"],
                "Resource": "*"
            },
            {
                "Sid": "DeployTasks",
                "Effect": "Allow",
                "Action": "ecs:DescribeTasks",
                "Resource": s.arn("ecs", &format!("task/{}/*", s.cluster))
            },
            {
                // ListTasks names no task (its resource is a container instance, which Fargate
                // has none of), so it is scoped by the cluster condition instead.
                "Sid": "DeployListTasks",
                "Effect": "Allow",
                "Action": "ecs:ListTasks",
                "Resource": "*",
                "Condition": { "ArnEquals": { "ecs:cluster": s.arn("ecs", &format!("cluster/{}", s.cluster)) } }
            },
            {
                "Sid": "TagNewRevision",
                "Effect": "Allow",
                "Action": "ecs:TagResource",
                "Resource": s.arn("ecs", &format!("task-definition/{}:*", s.task_family)),
                "Condition": { "StringEquals": { "ecs:CreateAction": "RegisterTaskDefinition" } }
            },
            {
                "Sid": "PassTaskRoles",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": s.task_execution_role_arn,
                "Condition": {
                    "StringEquals": { "iam:PassedToService": ["ecs.amazonaws.com", "ecs-tasks.amazonaws.com"] }
                }
            }
        ]
    })
}

/// The build's role: its own log group, the artifact bucket, pushing to the ONE repository,
/// and, for a full clone, the connection it clones through.
/// `ecr:GetAuthorizationToken` has no resource-level scoping, hence its own "*" statement.
pub fn build(s: &Scope) -> Value {
    let mut statements = vec![
        json!({
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": s.log_group_arns(s.build_log_group)
        }),
        json!({
            "Sid": "Artifacts",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:GetBucketLocation"],
            "Resource": s.bucket_arns(),
            "Condition": s.own_account()
        }),
        json!({
            "Sid": "EcrLogin",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*"
        }),
        json!({
            "Sid": "EcrPush",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage"
            ],
            "Resource": s.repository_arn()
        }),
    ];
    if s.full_clone {
        // AWS: "Add CodeBuild GitClone permissions for connections".
        statements.push(json!({
            "Sid": "GitClone",
            "Effect": "Allow",
            "Action": ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
            "Resource": s.connection_arn
        }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The task execution role: pull from the one repository, write to the app's log group.
/// Inline rather than the managed AmazonECSTaskExecutionRolePolicy, whose ECR and logs
/// rights cover every repository and log group in the account.
pub fn task_execution(s: &Scope) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EcrLogin",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*"
            },
            {
                "Sid": "EcrPull",
                "Effect": "Allow",
                "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                "Resource": s.repository_arn()
            },
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": s.log_group_arns(s.app_log_group)
            }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope<'static> {
        Scope {
            partition_region: "ap-northeast-2",
            account: "000000000000",
            bucket: "pipewright-ktb-artifacts",
            build_project: "ktb-build",
            build_log_group: "/pipewright/ktb/build",
            app_log_group: "/pipewright/ktb/app",
            repository: "ktb-repo",
            cluster: "ktb-cluster",
            service: "ktb-svc",
            task_family: "ktb-task",
            connection_arn: "arn:aws:codestar-connections:ap-northeast-2:000000000000:connection/x",
            task_execution_role_arn: "arn:aws:iam::000000000000:role/ktb-task-exec-role",
            full_clone: false,
        }
    }

    fn statements(v: &Value) -> &Vec<Value> {
        v["Statement"].as_array().unwrap()
    }

    /// Actions AWS accepts only with `"Resource": "*"`, and why (the Service Authorization
    /// Reference lists no resource type for them, or none that the call names).
    const UNSCOPED: &[(&str, &str)] = &[
        (
            "ecr:GetAuthorizationToken",
            "Amazon ECR: the token is for the whole registry; the action has no resource type",
        ),
        (
            "ecs:RegisterTaskDefinition",
            "Amazon ECS: a new task definition has no ARN before it is registered; no resource type",
        ),
        (
            "ecs:DescribeTaskDefinition",
            "Amazon ECS: no resource type (the ECS deploy action reference grants it on *)",
        ),
        (
            "ecs:ListTasks",
            "Amazon ECS: its resource is a container instance, which Fargate has none of; scoped by the ecs:cluster condition",
        ),
    ];

    fn as_list(v: &Value) -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        }
    }

    /// Every document the app writes, for every choice that changes one.
    fn every_policy() -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for full_clone in [false, true] {
            let s = Scope { full_clone, ..scope() };
            out.push((format!("pipeline (full clone {full_clone})"), pipeline(&s)));
            out.push((format!("build (full clone {full_clone})"), build(&s)));
            out.push((format!("task execution (full clone {full_clone})"), task_execution(&s)));
        }
        out
    }

    #[test]
    fn no_wildcard_action_and_every_unscoped_resource_is_a_listed_exception() {
        for (name, doc) in every_policy() {
            for st in statements(&doc) {
                assert_eq!(st["Effect"], "Allow", "{name}: {st}");
                assert!(
                    st.get("NotAction").is_none() && st.get("NotResource").is_none(),
                    "{name}: {st}"
                );
                let actions = as_list(&st["Action"]);
                assert!(!actions.is_empty(), "{name}: {st}");
                for a in &actions {
                    assert!(!a.contains('*'), "{name}: wildcard action {a}");
                }
                for r in as_list(&st["Resource"]) {
                    if r == "*" {
                        for a in &actions {
                            assert!(
                                UNSCOPED.iter().any(|(x, _)| x == a),
                                "{name}: {a} on * is not a listed exception"
                            );
                        }
                        continue;
                    }
                    assert!(r.starts_with("arn:aws:"), "{name}: {r}");
                    // A wildcard may only end a path inside the lab's own resource.
                    let head = r.split('*').next().unwrap_or_default();
                    assert!(
                        ["ktb", "connection/x"].iter().any(|n| head.contains(n)),
                        "{name}: {r} is not scoped to the lab"
                    );
                }
            }
        }
    }

    #[test]
    fn trust_policies_carry_the_source_account() {
        for service in [
            "codepipeline.amazonaws.com",
            "codebuild.amazonaws.com",
            "ecs-tasks.amazonaws.com",
        ] {
            let t = trust(service, "000000000000");
            let st = &statements(&t)[0];
            assert_eq!(st["Principal"]["Service"], service);
            assert_eq!(st["Action"], "sts:AssumeRole");
            assert_eq!(st["Condition"]["StringEquals"]["aws:SourceAccount"], "000000000000");
        }
    }

    #[test]
    fn bucket_statements_carry_the_resource_account() {
        for (name, doc) in every_policy() {
            for st in statements(&doc) {
                if as_list(&st["Resource"]).iter().any(|r| r.starts_with("arn:aws:s3:::")) {
                    assert_eq!(
                        st["Condition"]["StringEquals"]["aws:ResourceAccount"], "000000000000",
                        "{name}: {st}"
                    );
                }
            }
        }
    }

    #[test]
    fn only_get_authorization_token_is_unscoped_in_the_build_role() {
        let p = build(&scope());
        for st in statements(&p) {
            if st["Resource"] == "*" {
                assert_eq!(st["Action"], "ecr:GetAuthorizationToken", "{st}");
            }
            let actions = st["Action"].to_string();
            if actions.contains("ecr:PutImage") {
                assert_eq!(
                    st["Resource"],
                    "arn:aws:ecr:ap-northeast-2:000000000000:repository/ktb-repo"
                );
            }
        }
        assert!(!p.to_string().contains("PowerUser"));
    }

    #[test]
    fn pipeline_role_names_the_one_project_connection_and_service() {
        let p = pipeline(&scope()).to_string();
        assert!(p.contains("project/ktb-build"));
        assert!(p.contains("connection/x"));
        assert!(p.contains("service/ktb-cluster/ktb-svc"));
        assert!(p.contains("role/ktb-task-exec-role"));
    }

    /// AWS's ECS deploy action copies the running revision's tags onto the one it registers.
    #[test]
    fn pipeline_role_may_tag_only_new_revisions_of_its_family() {
        let p = pipeline(&scope());
        let tag = statements(&p)
            .iter()
            .find(|st| st["Action"] == "ecs:TagResource")
            .expect("a TagResource statement");
        assert_eq!(
            tag["Resource"],
            "arn:aws:ecs:ap-northeast-2:000000000000:task-definition/ktb-task:*"
        );
        assert_eq!(
            tag["Condition"]["StringEquals"]["ecs:CreateAction"],
            "RegisterTaskDefinition"
        );
        let pass = statements(&p).iter().find(|st| st["Action"] == "iam:PassRole").unwrap();
        assert_eq!(
            pass["Condition"]["StringEquals"]["iam:PassedToService"],
            json!(["ecs.amazonaws.com", "ecs-tasks.amazonaws.com"])
        );
    }

    #[test]
    fn only_a_full_clone_lets_the_build_use_the_connection() {
        assert!(!build(&scope()).to_string().contains("UseConnection"));
        let clone = build(&Scope {
            full_clone: true,
            ..scope()
        });
        let st = statements(&clone).iter().find(|st| st["Sid"] == "GitClone").unwrap();
        assert_eq!(
            st["Resource"],
            "arn:aws:codestar-connections:ap-northeast-2:000000000000:connection/x"
        );
    }
}
