//! Pipewright's engine: everything the desktop app and the CLI share.
//!
//! No Tauri here, direct or indirect: the shell (`src-tauri`) and the CLI (`crates/cli`) are
//! thin layers over these modules, and everything testable is tested from this crate or from
//! the `tests` crate against the sandbox.

pub mod api;
pub mod apply;
pub mod aws;
pub mod bindings;
pub mod buildspec;
pub mod class;
pub mod credentials;
pub mod doctor;
pub mod error;
pub mod expiry;
pub mod export;
#[cfg(test)]
mod fixtures;
pub mod github;
pub mod identity;
pub mod ledger;
pub mod links;
pub mod meter;
pub mod paths;
pub mod plan;
pub mod practice;
pub mod preflight;
pub mod progress;
pub mod regions;
pub mod resources;
pub mod secret;
pub mod spec;
pub mod teardown;
pub mod watch;

pub use aws::{AwsContext, AwsSettings, SandboxAccess};
pub use credentials::CredentialStore;
pub use error::{Error, ErrorPayload};
pub use secret::Secret;
