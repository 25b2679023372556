//! Pages fetched ahead and at once return exactly what the sequential page loop returns: the
//! same records in the same order, each page requested once, one token for the whole run.
//! Against the demo API (OAuth2 client credentials) on 127.0.0.1, plus a wiremock server for
//! an API whose total overstates its data.

use futures::TryStreamExt;
use rest_source::spec::{
    Completeness, OffsetPaginator, PageNumberPaginator, PaginatorSpec, ResourceSpec,
};
use rest_source::{OAuth2ClientCredentials, Resource, RestClient};
use rest_source_demo::{DemoApi, DemoServer};
use serde::Deserialize;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize, PartialEq)]
struct Record {
    id: u64,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Note {
    id: u64,
    contact_id: u64,
}

/// A fresh client (so a fresh token cache) against the demo API.
fn client(server: &DemoServer) -> RestClient {
    let auth = OAuth2ClientCredentials::new(server.token_url(), "demo-client", "demo-secret");
    RestClient::builder(server.base_url())
        .auth(auth)
        .build()
        .unwrap()
}

fn events(concurrency: usize) -> ResourceSpec {
    ResourceSpec::new("events", "events")
        .data_selector("items")
        .paginator(OffsetPaginator::new(100).total_path("total"))
        .concurrency(concurrency)
}

fn tickets(concurrency: usize) -> ResourceSpec {
    ResourceSpec::new("tickets", "tickets")
        .param("per_page", 100)
        .data_selector("data")
        .paginator(
            PageNumberPaginator::default()
                .base_page(1)
                .total_path("total_pages"),
        )
        .concurrency(concurrency)
}

/// Collects `spec` with a fresh client; returns the ids and the server's counters for the run.
async fn run(
    server: &DemoServer,
    spec: ResourceSpec,
) -> (Vec<u64>, rest_source_demo::StatsSnapshot) {
    server.reset_stats();
    let resource: Resource<Record> = Resource::new(client(server), spec).unwrap();
    let ids = resource
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    (ids, server.stats())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_offset_pages_are_exactly_the_sequential_records_with_one_token() {
    // 1,050 records: ten full pages and a short last one.
    let server = DemoApi::new().records(1_050).start().await.unwrap();
    let (sequential, seq_stats) = run(&server, events(1)).await;
    assert_eq!(sequential, (1..=1_050).collect::<Vec<_>>());
    assert_eq!(seq_stats.endpoints.events, 11);
    for concurrency in [2, 4, 16] {
        let (concurrent, stats) = run(&server, events(concurrency)).await;
        assert_eq!(concurrent, sequential, "concurrency {concurrency}");
        assert_eq!(stats.tokens_issued, 1, "concurrency {concurrency}");
        assert_eq!(
            stats.endpoints.events, 11,
            "each page requested once (concurrency {concurrency})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_page_numbers_are_exactly_the_sequential_records_with_one_token() {
    let server = DemoApi::new().records(999).start().await.unwrap();
    let (sequential, _) = run(&server, tickets(1)).await;
    assert_eq!(sequential, (1..=999).collect::<Vec<_>>());
    for concurrency in [3, 8] {
        let (concurrent, stats) = run(&server, tickets(concurrency)).await;
        assert_eq!(concurrent, sequential, "concurrency {concurrency}");
        assert_eq!(stats.tokens_issued, 1);
        assert_eq!(stats.endpoints.tickets, 10);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_pages_bounds_pages_fetched_ahead() {
    let server = DemoApi::new().records(5_000).start().await.unwrap();
    let (ids, stats) = run(&server, events(8).max_pages(3)).await;
    assert_eq!(ids, (1..=300).collect::<Vec<_>>());
    assert_eq!(
        stats.endpoints.events, 3,
        "no page past max_pages is requested"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_of_several_parents_are_fetched_concurrently_in_parent_order() {
    let server = DemoApi::new().records(60).start().await.unwrap();
    let notes = |concurrency: usize| {
        let client = client(&server);
        let contacts: Resource<serde_json::Value> = Resource::new(
            client.clone(),
            ResourceSpec::new("contacts", "contacts")
                .param("limit", 25)
                .data_selector("results")
                .paginator(PaginatorSpec::json_link("paging.next")),
        )
        .unwrap();
        Resource::<Note>::new(
            client,
            ResourceSpec::new("notes", "contacts/{contacts.id}/notes")
                .data_selector("results")
                .paginator(PaginatorSpec::single_page())
                .concurrency(concurrency),
        )
        .unwrap()
        .with_parent(&contacts)
        .unwrap()
    };
    server.reset_stats();
    let sequential = notes(1).collect().await.unwrap();
    // Contact n has 1 + n % 3 notes, with ids n * 10 + k.
    let expected: Vec<Note> = (1..=60u64)
        .flat_map(|c| {
            (1..=1 + c % 3).map(move |k| Note {
                id: c * 10 + k,
                contact_id: c,
            })
        })
        .collect();
    assert_eq!(sequential, expected);
    server.reset_stats();
    let concurrent = notes(6).collect().await.unwrap();
    assert_eq!(concurrent, expected);
    let stats = server.stats();
    assert_eq!(stats.tokens_issued, 1);
    assert_eq!((stats.endpoints.contacts, stats.endpoints.notes), (3, 60));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_resources_at_once_share_one_token() {
    let server = DemoApi::new().records(700).start().await.unwrap();
    let client = client(&server);
    let events: Resource<Record> = Resource::new(client.clone(), events(4)).unwrap();
    let tickets: Resource<Record> = Resource::new(client.clone(), tickets(4)).unwrap();
    let contacts: Resource<Record> = Resource::new(
        client,
        ResourceSpec::new("contacts", "contacts")
            .data_selector("results")
            .paginator(PaginatorSpec::json_link("paging.next")),
    )
    .unwrap();
    let (e, t, c) =
        tokio::try_join!(events.collect(), tickets.collect(), contacts.collect()).unwrap();
    let all: Vec<u64> = (1..=700).collect();
    for got in [e, t, c] {
        assert_eq!(got.into_iter().map(|r| r.id).collect::<Vec<_>>(), all);
    }
    assert_eq!(
        server.stats().tokens_issued,
        1,
        "first requests race for one token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_pages_are_read_at_most_two_ahead_and_dropping_the_stream_stops_them() {
    let server = DemoApi::new().records(10_000).start().await.unwrap();
    let contacts: Resource<Record> = Resource::new(
        client(&server),
        ResourceSpec::new("contacts", "contacts")
            .data_selector("results")
            .paginator(PaginatorSpec::json_link("paging.next")),
    )
    .unwrap();
    let mut items = contacts.items();
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        server.stats().api_requests,
        0,
        "nothing before the first poll"
    );
    assert_eq!(items.try_next().await.unwrap().map(|r| r.id), Some(1));
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    // The page being read, one in the channel, one in the producer's hands: memory stays at
    // three pages however slowly the consumer reads.
    let after_one = server.stats().endpoints.contacts;
    assert!((1..=3).contains(&after_one), "{after_one} pages requested");
    drop(items);
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    assert!(server.stats().endpoints.contacts <= 3);
}

/// An API whose `total` says 50 but whose data ends at 25: the page loop goes on past the
/// short page (the total says more exists) to the empty page at 25, as it does sequentially,
/// and pages fetched ahead past the data are never yielded. The count below the total is an
/// error by default and a warning under `completeness = "warn"`.
#[tokio::test]
async fn an_overstated_total_is_caught_and_pages_fetched_ahead_are_never_yielded() {
    let server = MockServer::start().await;
    let page = |ids: std::ops::Range<u64>| {
        let items: Vec<_> = ids.map(|id| serde_json::json!({"id": id})).collect();
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"items": items, "total": 50}))
    };
    for (offset, ids) in [
        ("0", 0..10),
        ("10", 10..20),
        ("20", 20..25),
        ("25", 0..0),
        ("30", 1000..1010),
        ("40", 2000..2010),
    ] {
        Mock::given(method("GET"))
            .and(path("/items"))
            .and(query_param("offset", offset))
            .respond_with(page(ids))
            .mount(&server)
            .await;
    }
    let collect = |concurrency: usize, completeness: Completeness| {
        let client = RestClient::builder(server.uri()).build().unwrap();
        let spec = ResourceSpec::new("items", "items")
            .data_selector("items")
            .paginator(OffsetPaginator::new(10).total_path("total"))
            .concurrency(concurrency)
            .completeness(completeness);
        async move {
            Resource::<Record>::new(client, spec)
                .unwrap()
                .collect()
                .await
                .map(|records| records.into_iter().map(|r| r.id).collect::<Vec<_>>())
        }
    };
    for concurrency in [1, 4] {
        let err = collect(concurrency, Completeness::Error).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("stated 50 records but 25 were received"),
            "{err}"
        );
        let got = collect(concurrency, Completeness::Warn).await.unwrap();
        assert_eq!(
            got,
            (0..25).collect::<Vec<_>>(),
            "concurrency {concurrency}"
        );
    }
}
