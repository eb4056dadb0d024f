fn main() {
    // Declaring the app's commands makes each one a permission that a capability must grant:
    // the webview can call only what capabilities/default.json lists.
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
            "app_info",
            "whoami",
            "sandbox_status",
            "sandbox_start",
            "sandbox_pace",
            "credentials_list",
            "credentials_save",
            "credentials_delete",
            "profiles_list",
            "regions",
            "spec_default",
            "spec_validate",
            "spec_names",
            "spec_cost",
            "fargate_sizes",
            "spec_buildspec",
            "practice_push",
            "notify",
            "lab_apply",
            "lab_teardown",
            "lab_cancel",
            "lab_current",
            "lab_status",
            "lab_summaries",
            "open_url",
            "lab_watch",
            "lab_run",
            "lab_stop",
            "lab_retry",
        ])),
    )
    .expect("tauri build script");
}
