//! The IAM documents the lab's roles get: trust policies and least-privilege inline policies,
//! each scoped to this lab's resources by ARN (never the lecture's
//! `AmazonEC2ContainerRegistryPowerUser`). Pure functions, so the scopes are unit-tested.

use serde_json::{Value, json};

/// Who may assume the role. `Principal.Service` is a single string, not a list: some
/// services' validators (and the sandbox) refuse the list form.
pub fn trust(service: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole"
        }]
    })
}

/// [`trust`], for `service` acting on behalf of `account` only (`aws:SourceAccount`).
pub fn trust_from_account(service: &str, account: &str) -> Value {
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

impl Scope<'_> {
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
                "Resource": s.bucket_arns()
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
                "Action": ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:DescribeTasks", "ecs:ListTasks"],
                "Resource": "*"
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
            "Resource": s.bucket_arns()
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
            bucket: "b",
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
