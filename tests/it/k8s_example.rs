//! `docs/examples/k8s-indexed-job.yaml`, the partition guide's Kubernetes example, parsed as
//! YAML (no `kubectl` on CI): it is an indexed Job of N completions whose container runs
//! `rest-source run … --partition $(JOB_COMPLETION_INDEX)/N`, with one state file per
//! share, and its arguments are ones the CLI accepts.

use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

fn manifest() -> Yaml {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/k8s-indexed-job.yaml");
    let text = std::fs::read_to_string(&path).expect("the example manifest exists");
    let mut docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(docs.len(), 1, "one document");
    docs.remove(0)
}

fn strings(list: &Yaml) -> Vec<&str> {
    list.as_vec()
        .expect("a list")
        .iter()
        .map(|item| item.as_str().expect("a string"))
        .collect()
}

#[test]
fn the_example_is_an_indexed_job_running_one_share_per_index() {
    let job = manifest();
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_i64().expect("completions: N");
    let parallelism = spec["parallelism"].as_i64().expect("parallelism");
    assert!((1..=completions).contains(&parallelism), "{parallelism}");
    assert_eq!(
        spec["template"]["spec"]["restartPolicy"].as_str(),
        Some("Never"),
        "a failed share is retried as a new pod with the same index"
    );

    let containers = spec["template"]["spec"]["containers"].as_vec().unwrap();
    assert_eq!(containers.len(), 1);
    let container = &containers[0];
    assert_eq!(strings(&container["command"]), ["rest-source"]);
    let args = strings(&container["args"]);
    assert_eq!(args[0], "run");
    let value_of = |flag: &str| {
        let at = args
            .iter()
            .position(|a| *a == flag)
            .unwrap_or_else(|| panic!("{flag} in {args:?}"));
        args[at + 1]
    };
    // The share is the pod's index of N = completions.
    assert_eq!(
        value_of("--partition"),
        format!("$(JOB_COMPLETION_INDEX)/{completions}")
    );
    // Each share its own state file (the file store has one writer at a time).
    assert!(
        value_of("--state").contains("$(JOB_COMPLETION_INDEX)"),
        "{args:?}"
    );
    assert!(
        value_of("--report").contains("$(JOB_COMPLETION_INDEX)"),
        "{args:?}"
    );
    // A credential comes from a Secret, never from the manifest.
    for env in container["env"].as_vec().unwrap() {
        assert!(env["value"].is_badvalue(), "a literal env value: {env:?}");
        assert!(!env["valueFrom"]["secretKeyRef"].is_badvalue(), "{env:?}");
    }
}

#[test]
fn the_examples_arguments_are_accepted_by_the_cli_for_each_index() {
    let job = manifest();
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    let completions = job["spec"]["completions"].as_i64().unwrap();
    // As Kubernetes expands them for each pod: the CLI parses them (`--help` after the
    // arguments stops before any file is read).
    for index in 0..completions {
        let args: Vec<String> = strings(&container["args"])
            .iter()
            .map(|a| a.replace("$(JOB_COMPLETION_INDEX)", &index.to_string()))
            .collect();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rest-source"))
            .args(&args)
            .arg("--help")
            .env_clear()
            .output()
            .expect("the binary runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And the index one past the last is refused: N is the number of completions.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rest-source"))
        .args([
            "run",
            "crm.toml",
            "--partition",
            &format!("{completions}/{completions}"),
        ])
        .env_clear()
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
}
