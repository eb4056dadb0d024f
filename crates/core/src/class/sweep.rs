//! `pipewright class sweep` and the Class screen's Sweep: every lab of the class in one
//! place, each removed as `down` removes a lab whose ledger is lost
//! (`teardown::teardown_by_names`): by the names its plan gives, once a describe shows the lab
//! tag, plus what carries the lab tag under one of those names; anything else is left alone
//! and reported.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::aws::AwsContext;
use crate::error::Result;
use crate::progress::{Cancel, Progress};
use crate::spec::LabSpec;
use crate::teardown::{self, TeardownOptions, TeardownReport};

use super::find_labs;

/// What a sweep did (or, in a dry run, would do) in one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClassSweep {
    pub place: String,
    pub account: String,
    pub region: String,
    pub dry_run: bool,
    /// One teardown report per lab, by lab name.
    pub labs: Vec<TeardownReport>,
}

impl ClassSweep {
    /// Nothing failed and nothing is left (a dry run: nothing failed).
    pub fn is_clean(&self) -> bool {
        self.labs
            .iter()
            .all(|r| r.failed.is_empty() && (self.dry_run || r.leftovers.is_empty()))
    }

    pub fn removed(&self) -> usize {
        self.labs.iter().map(|r| r.deleted.len()).sum()
    }
}

/// Removes (or lists) every lab of `class` in the context's account and region.
pub async fn sweep(
    aws: &AwsContext,
    place: &str,
    class: &str,
    options: TeardownOptions,
    progress: Progress,
    cancel: Cancel,
) -> Result<ClassSweep> {
    let account = crate::identity::whoami(aws).await?.account;
    let labs = find_labs(aws, class).await?;
    let mut out = ClassSweep {
        place: place.to_owned(),
        account,
        region: aws.region().to_owned(),
        dry_run: options.dry_run,
        labs: Vec::new(),
    };
    for lab in labs.keys() {
        cancel.check()?;
        let mut spec = LabSpec::new(lab, "pipewright/class");
        spec.region = aws.region().to_owned();
        let report = teardown::teardown_by_names(aws, &spec, options.clone(), progress.clone(), cancel.clone()).await?;
        out.labs.push(report);
    }
    Ok(out)
}
