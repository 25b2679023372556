//! The README's quickstart (`examples/quickstart.rs`), run in-process: every resource yields
//! records, one token serves the whole run, the injected 429s and 503 are retried, no secret
//! value is printed, and the temporary secrets file is gone afterwards.

use std::time::Duration;

#[path = "../../examples/quickstart.rs"]
#[allow(dead_code)] // the example's `main` and what only it uses
#[allow(clippy::module_inception)] // `quickstart::quickstart`: the example, as a module
mod quickstart;

use quickstart::{CONTACTS, ResourceCount, Summary};

/// The paused clock skips the `Retry-After` waits; the demo runs on this runtime, and the
/// client has no timeout or pool-idle timer for the clock to jump to.
#[tokio::test(start_paused = true)]
async fn quickstart_extracts_every_resource_with_one_token_and_survives_faults() {
    let mut out = Vec::new();
    let summary = quickstart::run(&mut out, |client| {
        client.no_timeout().pool_idle_timeout(None)
    })
    .await
    .unwrap();
    let out = String::from_utf8(out).unwrap();

    let by_name = |name: &str| {
        summary
            .resources
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no `{name}` in {summary:?}"))
            .clone()
    };
    let contacts = by_name("contacts");
    assert_eq!((contacts.records, contacts.pages), (CONTACTS, 2), "{out}");
    let notes = by_name("notes");
    // One page per contact; the demo gives every contact one to three notes.
    assert_eq!(notes.pages, CONTACTS, "{out}");
    assert!(
        (CONTACTS..=3 * CONTACTS).contains(&notes.records),
        "{notes:?}"
    );
    let reports = by_name("reports");
    assert_eq!((reports.records, reports.pages), (24, 1), "{out}");
    assert!(summary.empty_resources().is_empty());

    // The run report of each resource, as printed: records and pages as the typed streams
    // counted them; requests with their retries; why paging stopped.
    let table: Vec<Vec<&str>> = out
        .lines()
        .skip_while(|l| !l.starts_with("resource "))
        .take(4)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        table[0],
        [
            "resource", "records", "pages", "requests", "retries", "stopped"
        ],
        "{out}"
    );
    let row = |r: &ResourceCount, requests: u64, retries: u64| {
        let mut row = vec![
            r.name.to_owned(),
            r.records.to_string(),
            r.pages.to_string(),
            requests.to_string(),
            retries.to_string(),
        ];
        row.extend(["no", "next", "page"].map(str::to_owned));
        row
    };
    // 2 + 1 requests were `check`'s; the 100th, 150th and 200th API requests (all notes)
    // failed and were retried: 200 + 3 requests for the notes, 208 in all.
    assert_eq!(table[1], row(&contacts, 2, 0), "{out}");
    assert_eq!(table[2], row(&notes, CONTACTS + 3, 3), "{out}");
    assert_eq!(table[3], row(&reports, 1, 0), "{out}");
    let notes_report = &summary.reports[1];
    assert_eq!(
        notes_report.retries.get("429"),
        Some(&2),
        "{notes_report:?}"
    );
    assert_eq!(
        notes_report.retries.get("503"),
        Some(&1),
        "{notes_report:?}"
    );

    // `check` fetched the token; every contacts and notes request reused it.
    assert_eq!(summary.token_requests, 1, "{out}");
    // 208 API requests in order: the 100th and 200th got a 429, the 150th a 503; each was
    // retried, or the counts above would be short.
    assert_eq!((summary.rate_limited, summary.unavailable), (2, 1), "{out}");
    assert_eq!(summary.unauthorized, 0, "{out}");

    for value in ["demo-client", "demo-secret", "demo-report-key"] {
        assert!(!out.contains(value), "printed a secret value:\n{out}");
    }
    let secrets_path = out
        .lines()
        .find_map(|line| line.split(" from ").nth(1))
        .expect("the output says where the secrets came from");
    assert!(secrets_path.ends_with(".dlt/secrets.toml"), "{out}");
    assert!(
        !std::path::Path::new(secrets_path).exists(),
        "{secrets_path} was not cleaned up"
    );
}

#[test]
fn a_resource_without_records_is_named_so_the_run_exits_non_zero() {
    let count = |name, records| ResourceCount {
        name,
        records,
        pages: 1,
    };
    let summary = Summary {
        resources: vec![count("contacts", 5), count("notes", 0), count("reports", 0)],
        reports: Vec::new(),
        token_requests: 1,
        rate_limited: 0,
        unavailable: 0,
        unauthorized: 0,
        elapsed: Duration::ZERO,
    };
    assert_eq!(summary.empty_resources(), ["notes", "reports"]);
}
