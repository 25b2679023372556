//! A resource's request side in the macro: query params (literals and placeholders),
//! per-resource headers (plain and secret), incremental loading, a child with
//! `include_from_parent`, a POST search with a JSON body, limits, and every paginator with
//! its dlt arguments.
use rest_source::{Resource, Secret, rest_source};

#[rest_source(
    base_url = "https://api.example.com/v1",
    auth = bearer(token = secret("token")),
    paginator = offset(limit = 100, offset_param = "skip", limit_param = "take", total_path = "meta.total", maximum_offset = 10000, stop_after_empty_page = true),
)]
pub struct Shop {
    pub region: String,
    pub since: String,

    #[resource(
        path = "{region}/orders",
        params("status" = "open", "per_page" = 50, "archived" = false, "min_total" = -1.5, "created_after" = "{since}", expand = "items"),
        headers("Accept" = "application/json", "X-Shop-Key" = secret("shop_key")),
        incremental(cursor_path = "updated_at", start_param = "updated_since", initial_value = "2024-01-01T00:00:00Z"),
        primary_key = "id",
        data_selector = "data",
    )]
    pub orders: Resource<serde_json::Value>,

    #[resource(
        path = "orders/{orders.id}/lines",
        include_from_parent = ["id", "customer.name"],
        paginator = page_number(base_page = 1, page_param = "p", total_path = "pages", maximum_page = 20),
        max_items = 1000,
    )]
    pub lines: Resource<serde_json::Value>,

    #[resource(path = "lines", params("order" = "{orders.id}"), include_from_parent("id"), paginator = single_page)]
    pub by_param: Resource<serde_json::Value>,

    #[resource(
        path = "search",
        method = "POST",
        json = r#"{"query": {"match_all": {}}}"#,
        paginator = cursor(cursor_path = "next_cursor", cursor_param = "after", has_more_path = "has_more"),
        max_pages = 5,
    )]
    pub search: Resource<serde_json::Value>,

    #[resource(path = "events", incremental(cursor_path = "seq", param = "from", initial_value = 0, end_value = 1000, end_param = "to"), paginator = json_link(next_url_path = "links.next", has_more_path = "more", stop_after_empty_page = true))]
    pub events: Resource<serde_json::Value>,

    #[resource(path = "logs", paginator = header_link(links_next_key = "next"))]
    pub logs: Resource<serde_json::Value>,

    #[resource(path = "misc", paginator = auto)]
    pub misc: Resource<serde_json::Value>,
}

fn main() {
    let shop = Shop::builder()
        .region("eu")
        .since("2024-05-01")
        .secrets(ShopSecrets { token: Secret::new("t"), shop_key: Secret::new("k") })
        .build()
        .unwrap();
    let spec = shop.orders.spec();
    assert_eq!(spec.endpoint.params["per_page"], 50);
    assert_eq!(spec.endpoint.headers["Accept"], "application/json");
    assert!(!spec.endpoint.headers.contains_key("X-Shop-Key"), "secret headers stay out of the spec");
    assert_eq!(spec.endpoint.incremental.as_ref().unwrap().start_param.as_deref(), Some("updated_since"));
    assert_eq!(shop.lines.spec().include_from_parent, ["id", "customer.name"]);
    assert_eq!(shop.search.spec().endpoint.method.as_deref(), Some("POST"));
    assert!(shop.search.spec().endpoint.json.is_some());
    assert_eq!(shop.events.spec().endpoint.incremental.as_ref().unwrap().end_value, Some(serde_json::json!(1000)));
    assert_eq!(shop.orders.incremental_state(), Some(Default::default()));
    assert_eq!(shop.logs.incremental_state(), None);
    let _ = (&shop.by_param, &shop.misc, &shop.region, &shop.since);
}
