//! Partitioned runs (`Resource::partition`): the N shares of a child resource (against the
//! demo API) and of page-addressable resources (the demo's offset and page-number
//! collections, and scripted local servers) together yield exactly the unpartitioned run,
//! record for record and none twice; what cannot be split runs whole in share 0; and a
//! page that breaks the plan fails the share instead of leaving a gap.

use std::collections::BTreeMap;

use rest_source::Split;
use rest_source::config::{Source, SourceConfig};
use rest_source::{Error, Partition, RunReport, SecretResolver, StopReason};
use rest_source_demo::{DemoApi, DemoServer, Endpoint};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CONTACTS: u64 = 95;

const CONFIG: &str = r#"
name = "crm"

[client]
base_url = "BASE/api/v1"
paginator = { type = "json_link", next_url_path = "paging.next" }

[client.auth]
type = "oauth2_client_credentials"
access_token_url = "BASE/oauth/token"
client_id = "demo-client"
client_secret = { secret = "client_secret" }

[[resources]]
name = "contacts"
endpoint = { path = "contacts", data_selector = "results", params = { limit = 7 } }

[[resources]]
name = "notes"
include_from_parent = ["id"]
endpoint = { path = "contacts/{resources.contacts.id}/notes", data_selector = "results" }

[[resources]]
name = "events"
endpoint = { path = "events", data_selector = "items", paginator = { type = "offset", limit = 10, total_path = "total" } }

[[resources]]
name = "tickets"
endpoint = { path = "tickets", data_selector = "data", params = { per_page = 10 }, paginator = { type = "page_number", base_page = 1, total_path = "total_pages" } }
"#;

async fn demo() -> DemoServer {
    DemoApi::new()
        .records(CONTACTS)
        .start()
        .await
        .expect("demo API starts")
}

fn source(base: &str, config: &str) -> Source {
    let config = SourceConfig::from_toml_str(&config.replace("BASE", base), "partition.toml")
        .unwrap_or_else(|e| panic!("{e}"));
    let nowhere = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-secrets.toml");
    let secrets = SecretResolver::for_source(&config.name)
        .without_env()
        .with_file(nowhere)
        .with_value("client_secret", "demo-secret");
    config.build(&secrets).unwrap_or_else(|e| panic!("{e}"))
}

/// One run of `name` (of share `share`, or whole) and its report.
async fn run(source: &Source, name: &str, share: Option<Partition>) -> (Vec<Value>, RunReport) {
    let resource = source.resource(name).expect("in the config").clone();
    let resource = match share {
        Some(p) => resource.partition(p),
        None => resource,
    };
    resource
        .collect_with_report()
        .await
        .unwrap_or_else(|e| panic!("`{name}` share {share:?}: {e}"))
}

/// Records as sorted JSON texts: a multiset to compare runs by.
fn sorted(records: &[Value]) -> Vec<String> {
    let mut texts: Vec<String> = records.iter().map(Value::to_string).collect();
    texts.sort();
    texts
}

/// Asserts the shares of `name` among `n` yield exactly the unpartitioned run's records,
/// none twice; returns each share's report.
async fn shares_add_up(source: &Source, name: &str, n: u32) -> Vec<RunReport> {
    let (whole, _) = run(source, name, None).await;
    assert!(!whole.is_empty(), "`{name}` has records to split");
    let mut union = Vec::new();
    let mut reports = Vec::new();
    for i in 0..n {
        let (records, report) = run(source, name, Some(Partition::new(i, n).unwrap())).await;
        let split = report
            .partition
            .as_ref()
            .expect("the report names the share");
        assert_eq!(split.share, format!("{i}/{n}"));
        assert_eq!(report.records, records.len() as u64);
        union.extend(records);
        reports.push(report);
    }
    let union = sorted(&union);
    let mut distinct = union.clone();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        union.len(),
        "`{name}` over {n}: a record twice"
    );
    assert_eq!(
        union,
        sorted(&whole),
        "`{name}` over {n} shares is not the whole"
    );
    reports
}

#[tokio::test]
async fn child_shares_of_1_2_and_4_are_the_whole_child_run() {
    let server = demo().await;
    let source = source(server.url(), CONFIG);
    for n in [1, 2, 4] {
        let before = server.stats().endpoint(Endpoint::Notes);
        let reports = shares_add_up(&source, "notes", n).await;
        // The unpartitioned run, then each parent's notes requested by exactly one share.
        let requests = server.stats().endpoint(Endpoint::Notes) - before;
        assert_eq!(requests, 2 * CONTACTS, "over {n} shares");
        let mut kept = 0;
        for report in &reports {
            let Split::Parents {
                parents_kept,
                parents_seen,
            } = report.partition.as_ref().unwrap().split
            else {
                panic!("a child is split by parents: {report:?}");
            };
            assert_eq!(parents_seen, CONTACTS, "every share reads every parent");
            assert!(
                parents_kept > 0,
                "95 parents leave no share empty: {report:?}"
            );
            kept += parents_kept;
        }
        assert_eq!(kept, CONTACTS);
    }
}

#[tokio::test]
async fn offset_pages_with_a_total_split_by_ranges() {
    let server = demo().await;
    let source = source(server.url(), CONFIG);
    // 95 events in pages of 10: pages 0..10. 16 shares leave some with no page.
    for n in [1, 2, 4, 16] {
        let before = server.stats().endpoint(Endpoint::Events);
        let reports = shares_add_up(&source, "events", n).await;
        let mut next = 0;
        for report in &reports {
            let Split::Pages {
                first_page,
                end_page,
                pages,
                page_size,
                total,
            } = report.partition.as_ref().unwrap().split
            else {
                panic!("offset with a total is split by pages: {report:?}");
            };
            assert_eq!((pages, page_size, total), (10, 10, Some(CONTACTS)));
            assert_eq!(first_page, next, "the ranges are consecutive");
            next = end_page;
            assert!(report.warnings.is_empty(), "{report:?}");
        }
        assert_eq!(next, 10);
        // The whole run's 10 pages, then each page once more, and the first page once
        // more by each share that does not own it.
        let requests = server.stats().endpoint(Endpoint::Events) - before;
        let owners_of_first = 1;
        assert_eq!(
            requests,
            10 + 10 + u64::from(n) - owners_of_first,
            "over {n}"
        );
        let last = reports.last().unwrap();
        assert_eq!(last.stop_reason(), Some(StopReason::TotalReached));
        if n > 1 {
            assert_eq!(reports[0].stop_reason(), Some(StopReason::ShareEnd));
        }
    }
}

#[tokio::test]
async fn page_number_pages_with_a_total_split_by_ranges() {
    let server = demo().await;
    let source = source(server.url(), CONFIG);
    for n in [1, 2, 4] {
        let reports = shares_add_up(&source, "tickets", n).await;
        let pages: Vec<(u64, u64)> = reports
            .iter()
            .map(|r| match r.partition.as_ref().unwrap().split {
                Split::Pages {
                    first_page,
                    end_page,
                    ..
                } => (first_page, end_page),
                ref other => panic!("page_number is split by pages: {other:?}"),
            })
            .collect();
        let expected: Vec<(u64, u64)> = (0..n)
            .map(|i| {
                let r = Partition::new(i, n).unwrap().page_range(10);
                (r.start, r.end)
            })
            .collect();
        assert_eq!(pages, expected);
    }
}

#[tokio::test]
async fn link_pages_run_whole_in_share_0_and_nowhere_else() {
    let server = demo().await;
    let source = source(server.url(), CONFIG);
    let (whole, _) = run(&source, "contacts", None).await;
    let before = server.stats().endpoint(Endpoint::Contacts);
    let (first, report) = run(&source, "contacts", Some(Partition::new(0, 3).unwrap())).await;
    assert_eq!(sorted(&first), sorted(&whole));
    assert!(
        matches!(&report.partition.as_ref().unwrap().split, Split::Whole { reason } if reason.contains("json_link")),
        "{report:?}"
    );
    let after_share_0 = server.stats().endpoint(Endpoint::Contacts);
    for i in [1, 2] {
        let (records, report) = run(&source, "contacts", Some(Partition::new(i, 3).unwrap())).await;
        assert!(records.is_empty());
        let split = &report.partition.as_ref().unwrap().split;
        assert!(split.is_skipped(), "{report:?}");
        assert_eq!(report.requests, 0);
    }
    assert_eq!(server.stats().endpoint(Endpoint::Contacts), after_share_0);
    assert!(after_share_0 > before);
}

/// `/items?offset=&limit=`: `total` records, optionally stating the total, with the page at
/// offset `short_at` one record short (a record deleted while the shares run).
fn items(
    total: u64,
    state_total: bool,
    short_at: Option<u64>,
) -> impl Fn(&Request) -> ResponseTemplate {
    move |request: &Request| {
        let query: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
        let offset: u64 = query["offset"].parse().unwrap();
        let limit: u64 = query["limit"].parse().unwrap();
        let mut end = (offset + limit).min(total);
        if short_at == Some(offset) {
            end -= 1;
        }
        let records: Vec<Value> = (offset..end).map(|id| json!({"id": id})).collect();
        let mut body = json!({"items": records});
        if state_total {
            body["total"] = json!(total);
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

const ITEMS: &str = r#"
name = "items"
[client]
base_url = "BASE"
[[resources]]
name = "items"
endpoint = { path = "items", data_selector = "items", paginator = { type = "offset", limit = 10, total_path = "total" } }
"#;

#[tokio::test]
async fn offset_without_a_total_runs_whole_in_share_0_after_one_page_elsewhere() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(items(23, false, None))
        .mount(&server)
        .await;
    let source = source(&server.uri(), ITEMS);
    let (whole, _) = run(&source, "items", None).await;
    assert_eq!(whole.len(), 23);
    let (first, report) = run(&source, "items", Some(Partition::new(0, 2).unwrap())).await;
    assert_eq!(first, whole);
    assert!(
        matches!(&report.partition.as_ref().unwrap().split, Split::Whole { reason } if reason.contains("no total")),
        "{report:?}"
    );
    let (second, report) = run(&source, "items", Some(Partition::new(1, 2).unwrap())).await;
    assert!(second.is_empty(), "{second:?}");
    assert!(report.partition.as_ref().unwrap().split.is_skipped());
    assert_eq!(report.stop_reason(), Some(StopReason::OtherShare));
    assert_eq!(
        report.requests, 1,
        "the first page only, to learn there is no total"
    );
}

#[tokio::test]
async fn a_page_that_shifts_fails_the_share_instead_of_leaving_a_gap() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(items(40, true, Some(10)))
        .mount(&server)
        .await;
    let source = source(&server.uri(), ITEMS);
    // Share 1 of 4 owns page 1 (offset 10), which holds 9 records: the plan of pages of 10
    // no longer holds, and offset 19 would be no share's.
    let resource = source
        .resource("items")
        .unwrap()
        .clone()
        .partition(Partition::new(1, 4).unwrap());
    let err = resource.collect().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::SharesMisaligned {
                page: 1,
                expected: 10,
                received: 9,
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("share 1/4") && text.contains("run every share again"),
        "{text}"
    );
}
