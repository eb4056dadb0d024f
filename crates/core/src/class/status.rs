//! `pipewright class status` and the Class screen: one row per lab of the class, per place
//! (credentials × region), with totals.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::aws::{AwsContext, SandboxAccess};
use crate::error::{Result, is_code};
use crate::plan::ExpiryAction;
use crate::resources::{Ctx, Found, schedule, schedule_group, task_definition};
use crate::spec::{CpuArchitecture, LabSpec};

use super::{FoundLab, Place, find_labs, iso, reading_context};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ClassLabState {
    /// Its expiry schedules are waiting: the lab bills until then.
    Running,
    /// Its expiry schedules ran: the service is at zero and the load balancer gone.
    Expired,
    /// No expiry schedule group: created only in part, or half torn down.
    Partial,
}

/// One lab of the class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClassLab {
    pub lab: String,
    /// STS's caller ARN when the lab was created (its `pipewright:created-by` tag).
    pub owner: Option<String>,
    /// The profile or saved keys it was found with.
    pub place: String,
    pub account: String,
    pub region: String,
    /// ISO 8601 in UTC, AWS's clock.
    pub created_at: Option<String>,
    pub age_hours: Option<f64>,
    pub state: ClassLabState,
    /// When AWS stops (or stopped) its billing, ISO 8601 in UTC on AWS's clock.
    pub expires_at: Option<String>,
    /// Hours left until then (AWS's clock; negative once past).
    pub hours_left: Option<f64>,
    /// The estimate's rate for a lab of this name in this region.
    pub usd_per_hour: f64,
    /// `age_hours × usd_per_hour`, or up to its expiry once that has run (0 when the age is
    /// unknown).
    pub usd: f64,
    /// How many of its resources carry the class tag.
    pub resources: u32,
}

/// One place asked: its account, or why it could not be asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClassPlace {
    pub place: String,
    pub region: Option<String>,
    pub account: Option<String>,
    pub labs: u32,
    /// The error, when its credentials or AWS failed (the other places are still shown).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClassTotals {
    pub labs: u32,
    pub running: u32,
    /// What the running labs cost per hour together.
    pub usd_per_hour: f64,
    /// What all labs have cost so far.
    pub usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClassStatus {
    pub class: String,
    pub places: Vec<ClassPlace>,
    pub labs: Vec<ClassLab>,
    pub totals: ClassTotals,
}

/// The class's labs in every place; a place that fails is reported on its row.
pub async fn status(class: &str, places: &[Place], sandbox: Option<&SandboxAccess>) -> ClassStatus {
    let mut out = ClassStatus {
        class: class.to_owned(),
        places: Vec::new(),
        labs: Vec::new(),
        totals: ClassTotals::default(),
    };
    for place in places {
        let mut row = ClassPlace {
            place: place.label(),
            region: place.region.clone(),
            account: None,
            labs: 0,
            error: None,
        };
        match place_status(class, place, sandbox).await {
            Ok((account, region, labs)) => {
                row.account = Some(account);
                row.region = Some(region);
                row.labs = labs.len() as u32;
                out.labs.extend(labs);
            }
            Err(e) => row.error = Some(e.to_string()),
        }
        out.places.push(row);
    }
    out.totals = totals(&out.labs);
    out
}

fn totals(labs: &[ClassLab]) -> ClassTotals {
    let running: Vec<&ClassLab> = labs.iter().filter(|l| l.state == ClassLabState::Running).collect();
    ClassTotals {
        labs: labs.len() as u32,
        running: running.len() as u32,
        usd_per_hour: running.iter().map(|l| l.usd_per_hour).sum(),
        usd: labs.iter().map(|l| l.usd).sum(),
    }
}

async fn place_status(
    class: &str,
    place: &Place,
    sandbox: Option<&SandboxAccess>,
) -> Result<(String, String, Vec<ClassLab>)> {
    let aws = place.context(sandbox).await?;
    let account = crate::identity::whoami(&aws).await?.account;
    let found = find_labs(&aws, class).await?;
    let now = aws.aws_now().await;
    let mut labs = Vec::new();
    for (lab, tags) in found {
        labs.push(lab_status(&aws, &lab, tags, &place.label(), &account, now).await?);
    }
    Ok((account, aws.region().to_owned(), labs))
}

async fn lab_status(
    aws: &AwsContext,
    lab: &str,
    found: FoundLab,
    place: &str,
    account: &str,
    now: f64,
) -> Result<ClassLab> {
    let cx = reading_context(aws, lab)?;
    let names = &cx.plan.names;
    let mut at = None;
    for which in ExpiryAction::ALL {
        if let Some(s) = schedule::get(&cx, &names.schedule(which.schedule_name())).await? {
            at = at.or(s.at);
        }
    }
    let state = match at {
        Some(_) => ClassLabState::Running,
        None => match schedule_group::describe(&cx, &names.schedule_group).await? {
            Found::Present { id, .. } => {
                // The schedules deleted themselves when they ran; the group's tag says when.
                at = schedule_group::expiry_of(&schedule_group::tags_of(&cx, &id).await?);
                ClassLabState::Expired
            }
            _ => ClassLabState::Partial,
        },
    };
    let mut spec = LabSpec::new(lab, "pipewright/class");
    spec.region = aws.region().to_owned();
    deployed_size(&cx, &mut spec).await?;
    let usd_per_hour = spec.cost_estimate().usd_per_hour;
    let age_hours = found.created.map(|c| ((now - c as f64) / 3600.0).max(0.0));
    // An expired lab billed from its creation to its expiry, however long ago that was.
    let billed_hours = match (state, found.created, at) {
        (ClassLabState::Expired, Some(created), Some(ended)) => Some((ended - created).max(0) as f64 / 3600.0),
        _ => age_hours,
    };
    Ok(ClassLab {
        lab: lab.to_owned(),
        owner: found.owner,
        place: place.to_owned(),
        account: account.to_owned(),
        region: aws.region().to_owned(),
        created_at: found.created.map(iso),
        age_hours,
        state,
        expires_at: at.map(iso),
        hours_left: at.map(|at| (at as f64 - now) / 3600.0),
        usd_per_hour,
        usd: billed_hours.unwrap_or(0.0) * usd_per_hour,
        resources: found.resources,
    })
}

/// The lab's task size, architecture and count as AWS has them, into `spec`: a student may
/// have picked another size than the default, and the rate should be that lab's.
async fn deployed_size(cx: &Ctx, spec: &mut LabSpec) -> Result<()> {
    let names = &cx.plan.names;
    let ecs = cx.aws.ecs();
    let family = &names.task_family;
    match cx
        .call("ecs", "DescribeTaskDefinition", family, || {
            ecs.describe_task_definition().task_definition(family).send()
        })
        .await
    {
        Ok(out) => {
            if let Some(td) = out.task_definition() {
                if let Some(cpu) = td.cpu().and_then(|c| c.parse().ok()) {
                    spec.deploy.cpu = cpu;
                }
                if let Some(memory) = td.memory().and_then(|m| m.parse().ok()) {
                    spec.deploy.memory = memory;
                }
                let arm = aws_sdk_ecs::types::CpuArchitecture::Arm64;
                if td.runtime_platform().and_then(|p| p.cpu_architecture()) == Some(&arm) {
                    spec.deploy.cpu_architecture = CpuArchitecture::Arm64;
                }
            }
        }
        Err(e) if is_code(&e, task_definition::GONE) => {}
        Err(e) => return Err(e),
    }
    let (cluster, service) = (&names.cluster, &names.service);
    match cx
        .call("ecs", "DescribeServices", service, || {
            ecs.describe_services().cluster(cluster).services(service).send()
        })
        .await
    {
        Ok(out) => {
            if let Some(s) = out.services().iter().find(|s| s.status() == Some("ACTIVE")) {
                spec.deploy.desired_count = u32::try_from(s.desired_count()).unwrap_or(0);
            }
        }
        Err(e) if is_code(&e, &["ClusterNotFoundException"]) => {}
        Err(e) => return Err(e),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(state: ClassLabState, usd: f64) -> ClassLab {
        ClassLab {
            lab: "a".into(),
            owner: None,
            place: "p".into(),
            account: "123456789012".into(),
            region: "ap-northeast-2".into(),
            created_at: None,
            age_hours: Some(1.0),
            state,
            expires_at: None,
            hours_left: None,
            usd_per_hour: 0.1,
            usd,
            resources: 1,
        }
    }

    #[test]
    fn totals_count_every_lab_but_only_running_ones_bill_per_hour() {
        let t = totals(&[lab(ClassLabState::Running, 0.5), lab(ClassLabState::Expired, 0.25)]);
        assert_eq!((t.labs, t.running), (2, 1));
        assert!(
            (t.usd_per_hour - 0.1).abs() < 1e-9 && (t.usd - 0.75).abs() < 1e-9,
            "{t:?}"
        );
    }
}
