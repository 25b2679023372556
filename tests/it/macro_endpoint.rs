//! `#[resource(…)]` request options against a local server: query params (literals and a
//! source parameter), per-resource headers (plain and secret) that other resources do not
//! get, incremental loading resumed from saved state, and parent fields copied into child
//! records.

use rest_source::{FileStateStore, Resource, Secret, rest_source};
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize, PartialEq)]
struct Order {
    id: u32,
    updated_at: String,
}

#[rest_source(
    base_url = "https://shop.example.com/api",
    auth = bearer(token = secret("token")),
    paginator = single_page,
)]
#[derive(Debug)]
struct Shop {
    since: String,

    #[resource(
        path = "orders",
        params("status" = "open", "per_page" = 50, "archived" = false, "created_after" = "{since}"),
        headers("X-Plain" = "p", "X-Shop-Key" = secret("shop_key")),
        incremental(cursor_path = "updated_at", start_param = "updated_since", initial_value = "2024-01-01"),
        primary_key = "id",
    )]
    orders: Resource<Order>,

    #[resource(path = "orders/{orders.id}/lines", include_from_parent = ["id"])]
    lines: Resource<Value>,

    #[resource(path = "customers")]
    customers: Resource<Value>,
}

fn shop(server: &MockServer) -> Shop {
    Shop::builder()
        .since("2023-12-24")
        .secrets(ShopSecrets {
            token: Secret::new("tok-1"),
            shop_key: Secret::new("shop-key-1"),
        })
        .base_url(server.uri())
        .build()
        .expect("the source builds")
}

fn orders_page(start: &str, records: Value) -> Mock {
    Mock::given(method("GET"))
        .and(path("/orders"))
        .and(query_param("status", "open"))
        .and(query_param("per_page", "50"))
        .and(query_param("archived", "false"))
        .and(query_param("created_after", "2023-12-24"))
        .and(query_param("updated_since", start))
        .and(header("authorization", "Bearer tok-1"))
        .and(header("x-plain", "p"))
        .and(header("x-shop-key", "shop-key-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(records))
}

#[tokio::test]
async fn params_and_resource_headers_reach_the_wire_and_the_probe_and_stay_on_their_resource() {
    let server = MockServer::start().await;
    // Without the incremental start value: the probe sends the declared params only.
    Mock::given(method("GET"))
        .and(path("/orders"))
        .and(query_param("status", "open"))
        .and(query_param("per_page", "50"))
        .and(query_param("archived", "false"))
        .and(query_param("created_after", "2023-12-24"))
        .and(header("x-shop-key", "shop-key-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    orders_page("2024-01-01", json!([{"id": 1, "updated_at": "2024-02-01"}]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/customers"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 9}])))
        .expect(1)
        .mount(&server)
        .await;
    let shop = shop(&server);
    assert_eq!(shop.since, "2023-12-24");
    // The probe is `orders` as declared: its params and its secret header included.
    shop.check()
        .await
        .expect("check probes `orders` as declared");

    let orders = shop.orders.collect().await.expect("orders");
    assert_eq!(orders.len(), 1);
    assert_eq!(shop.customers.collect().await.expect("customers").len(), 1);

    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 3, "probe, orders, customers");
    let customers = requests
        .iter()
        .find(|r| r.url.path() == "/customers")
        .expect("customers requested");
    assert!(customers.headers.get("x-shop-key").is_none());
    assert!(customers.headers.get("x-plain").is_none());
    assert_eq!(
        customers.url.query(),
        None,
        "params belong to `orders` only"
    );
}

#[tokio::test]
async fn incremental_start_param_comes_from_saved_state_on_the_second_run() {
    let server = MockServer::start().await;
    orders_page(
        "2024-01-01",
        json!([
            {"id": 1, "updated_at": "2024-02-01"},
            {"id": 2, "updated_at": "2024-03-01"}
        ]),
    )
    .expect(1)
    .mount(&server)
    .await;
    orders_page(
        "2024-03-01",
        json!([
            {"id": 2, "updated_at": "2024-03-01"},
            {"id": 3, "updated_at": "2024-04-01"}
        ]),
    )
    .expect(1)
    .mount(&server)
    .await;

    let dir = tempfile::tempdir().unwrap();
    let store = FileStateStore::new(dir.path().join("state.json"));

    // First run: no saved state, so `initial_value` is sent.
    let first = shop(&server);
    assert_eq!(first.orders.collect().await.unwrap().len(), 2);
    let state = first.orders.incremental_state().expect("incremental");
    assert_eq!(state.last_value, Some(json!("2024-03-01")));
    store.save("orders", &state).unwrap();

    // Second run, a new source: the saved cursor is sent, and the boundary record (id 2,
    // loaded last time) is not loaded again.
    let second = shop(&server);
    let orders = second
        .orders
        .clone()
        .with_incremental_state(store.load("orders").unwrap());
    let ids: Vec<u32> = orders
        .collect()
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(ids, [3]);
    assert_eq!(
        second.orders.incremental_state().unwrap().last_value,
        Some(json!("2024-04-01")),
        "the generated field shares the state with its clones"
    );
}

#[tokio::test]
async fn child_records_carry_the_included_parent_fields() {
    let server = MockServer::start().await;
    orders_page("2024-01-01", json!([{"id": 7, "updated_at": "2024-02-01"}]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/orders/7/lines"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"sku": "a"}])))
        .expect(1)
        .mount(&server)
        .await;
    let lines = shop(&server).lines.collect().await.expect("lines");
    assert_eq!(lines, [json!({"sku": "a", "_orders_id": 7})]);
}
