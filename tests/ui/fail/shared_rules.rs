//! One invalid source per rule the macro shares with the config (`rest_source_spec::validate`),
//! in the order of the table in `tests/shared_rules.rs`, which loads the same sources as
//! configs and checks that each config message below is the macro's too.

use rest_source::{Resource, rest_source};

#[rest_source(base_url = "ftp://files.example.com")]
struct BaseUrlScheme {}

#[rest_source(base_url = "https://", name = "empty_host")]
struct BaseUrlHost {}

#[rest_source(
    base_url = "https://crm.example.com/api",
    headers("Authorization" = "Bearer abc123")
)]
struct CredentialHeader {}

#[rest_source(base_url = "https://crm.example.com/api")]
struct ResourceCredentialHeader {
    #[resource(path = "reports", headers("X-Api-Key" = "abc123"))]
    reports: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct JsonWithoutPost {
    #[resource(path = "search", json = r#"{"query": "rust"}"#)]
    search: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct OffsetLimitZero {
    #[resource(path = "contacts", paginator = offset(limit = 0))]
    contacts: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct PageNumberNeverStops {
    #[resource(path = "contacts", paginator = page_number(stop_after_empty_page = false))]
    contacts: Resource<serde_json::Value>,
}

#[rest_source(
    base_url = "https://crm.example.com/api",
    paginator = cursor(cursor_param = "")
)]
struct EmptyCursorParam {}

#[rest_source(base_url = "https://crm.example.com/api")]
struct ZeroLimits {
    #[resource(path = "contacts", max_pages = 0, max_items = 0, concurrency = 0)]
    contacts: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct EmptyCursorPath {
    #[resource(path = "events", incremental(cursor_path = ""))]
    events: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct UnknownParameter {
    region: String,
    #[resource(path = "{regoin}/contacts")]
    contacts: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct ResourceAsParameter {
    #[resource(path = "contacts")]
    contacts: Resource<serde_json::Value>,
    #[resource(path = "notes", params("contact" = "{contacts}"))]
    notes: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct ParameterAsParent {
    region: String,
    #[resource(path = "{region.id}/contacts")]
    contacts: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct UnknownParent {
    #[resource(path = "contacts")]
    contacts: Resource<serde_json::Value>,
    #[resource(path = "notes", params("contact" = "{resources.contact.id}"))]
    notes: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct OwnParent {
    #[resource(path = "notes/{notes.id}")]
    notes: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct TwoParents {
    #[resource(path = "a")]
    a: Resource<serde_json::Value>,
    #[resource(path = "b")]
    b: Resource<serde_json::Value>,
    #[resource(path = "a/{a.id}/b/{b.id}")]
    c: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct IncludeWithoutParent {
    #[resource(path = "notes", include_from_parent("id"))]
    notes: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct ParentCycle {
    #[resource(path = "a/{b.id}")]
    a: Resource<serde_json::Value>,
    #[resource(path = "b/{a.id}")]
    b: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct StartValueWithoutCursor {
    #[resource(path = "events", params("since" = "{incremental.start_value}"))]
    events: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct EndValueNotSet {
    #[resource(
        path = "events",
        incremental(cursor_path = "updated_at", initial_value = "2024-01-01"),
        params("until" = "{incremental.end_value}")
    )]
    events: Resource<serde_json::Value>,
}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = oauth2_client_credentials(
        access_token_url = "oauth/token",
        client_id = "id",
        client_secret = secret("cs"),
    )
)]
struct RelativeTokenUrl {}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = session_token(login_url = "ftp://crm.example.com/login", token_path = "token")
)]
struct LoginUrlScheme {}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = session_token(login_url = "https://crm.example.com/login")
)]
struct NoTokenSource {}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = session_token(
        login_url = "https://crm.example.com/login",
        token_path = "token",
        token_header = "X-Session",
    )
)]
struct TwoTokenSources {}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = session_token(
        login_url = "https://crm.example.com/login",
        token_path = "token",
        location = cookie,
    )
)]
struct CookieWithoutName {}

#[rest_source(base_url = "https://crm.example.com/api")]
struct StrayBrace {
    #[resource(path = "contacts/{id")]
    contacts: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct TwoBodies {
    #[resource(
        path = "search",
        method = "POST",
        json = r#"{"query": "rust"}"#,
        data("q" = "rust")
    )]
    search: Resource<serde_json::Value>,
}

#[rest_source(base_url = "crm.example.com/api", name = "relative")]
struct RelativeBaseUrl {}

#[rest_source(base_url = "https://crm.example.com/api")]
struct EmptyStartParam {
    #[resource(path = "events", incremental(cursor_path = "updated_at", start_param = ""))]
    events: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct InitialValueNotSet {
    #[resource(
        path = "events",
        params("since" = "{incremental.initial_value}"),
        incremental(cursor_path = "updated_at")
    )]
    events: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct UnknownIncrementalValue {
    #[resource(
        path = "events",
        params("since" = "{incremental.start}"),
        incremental(cursor_path = "updated_at", initial_value = "2024-01-01")
    )]
    events: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct ParentWithoutField {
    #[resource(path = "contacts")]
    contacts: Resource<serde_json::Value>,
    #[resource(path = "contacts/{contacts.}/notes")]
    notes: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct NotAPlaceholder {
    #[resource(path = "contacts/{a b}")]
    contacts: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct UnmatchedBrace {
    #[resource(path = "contacts/id}")]
    contacts: Resource<serde_json::Value>,
}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = oauth2_refresh_token(
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = "app",
        refresh_token = secret("crm_token"),
        token_store = "tokens.json",
    )
)]
struct SharedTokenStore {
    #[resource(path = "contacts")]
    contacts: Resource<serde_json::Value>,
    #[resource(path = "deals")]
    #[auth(oauth2_refresh_token(
        token_store = "tokens.json",
        refresh_token = secret("deals_token"),
        client_id = "app",
        access_token_url = "https://crm.example.com/oauth/token",
    ))]
    deals: Resource<serde_json::Value>,
}

fn main() {
    // The stand-ins keep the rest of the crate compiling: no cascade of errors here.
    let _ = ZeroLimits::builder();
}
