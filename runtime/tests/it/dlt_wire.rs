//! The requests dlt sends, in dlt's order: each dlt config of
//! `runtime/tests/fixtures/dlt_wire/cases.json` runs through the config loader against a
//! local server answering from the case's routes, and every request must be the one dlt 1.31
//! sent for that config (`golden.json`, recorded by `record.py` from real dlt): method, path,
//! the raw query string byte for byte (so the order of the params), the form or raw body byte
//! for byte, the JSON body's keys in dlt's order, the Content-Type and custom headers.
//!
//! Requests are compared per resource (the route that answered names it): across resources,
//! dlt's extract interleaves requests in its own schedule, which nothing on the wire depends
//! on. Each resource runs with `concurrency = 1` (dlt pages and walks parents one at a time),
//! and a resource that is another's parent is read through its child (a child reads its own
//! copy of its parent; no case gives a parent two children). JSON bodies are compared as JSON
//! with their key order, not as text: Python's `json.dumps` writes `", "` and `": "` and
//! escapes non-ASCII, serde_json writes neither; no server reads JSON whitespace.

use std::collections::BTreeMap;

use crate::page_server::{Recorded, Reply, TestServer};
use rest_source_runtime::Secret;
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::spec::SecretValues;
use serde_json::{Map, Value};

const CASES: &str = include_str!("../fixtures/dlt_wire/cases.json");
const GOLDEN: &str = include_str!("../fixtures/dlt_wire/golden.json");

/// The scalars of a JSON value by dotted path, as text (`cases.json`'s `when` rule).
fn leaves(value: &Value, prefix: &str, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(v, &format!("{prefix}{k}."), out);
            }
        }
        Value::Array(_) => {}
        Value::String(s) => {
            out.insert(prefix.trim_end_matches('.').to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.trim_end_matches('.').to_owned(), other.to_string());
        }
    }
}

fn fields_of(req: &Recorded) -> BTreeMap<String, String> {
    let pairs = |s: &str| {
        url::form_urlencoded::parse(s.as_bytes())
            .into_owned()
            .collect::<Vec<_>>()
    };
    let mut fields: BTreeMap<String, String> = req
        .raw_query
        .as_deref()
        .map(pairs)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let content_type = req.header("content-type").unwrap_or("");
    if content_type.starts_with("application/x-www-form-urlencoded") {
        fields.extend(pairs(&req.body));
    } else if content_type.starts_with("application/json")
        && let Ok(body) = serde_json::from_str::<Value>(&req.body)
    {
        leaves(&body, "", &mut fields);
    }
    fields
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let (a, b): (Vec<_>, Vec<_>) = (pattern.split('/').collect(), path.split('/').collect());
    a.len() == b.len() && a.iter().zip(&b).all(|(p, q)| *p == "*" || p == q)
}

fn route_for<'a>(routes: &'a [Value], req: &Recorded) -> Option<&'a Value> {
    let fields = fields_of(req);
    routes.iter().find(|route| {
        route["method"] == req.method.as_str()
            && path_matches(route["path"].as_str().unwrap_or(""), &req.path)
            && route
                .get("when")
                .and_then(Value::as_object)
                .is_none_or(|when| {
                    when.iter()
                        .all(|(k, v)| fields.get(k).map(String::as_str) == v.as_str())
                })
    })
}

fn reply(routes: &[Value], base: &str, req: &Recorded) -> Reply {
    let Some(route) = route_for(routes, req) else {
        return Reply {
            status: 404,
            ..Reply::json(serde_json::json!({"error": "no route"}))
        };
    };
    let body = route
        .get("body")
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    let mut reply = Reply::json(body);
    reply.body = reply.body.replace("{base_url}", base);
    reply.status = route.get("status").and_then(Value::as_u64).unwrap_or(200) as u16;
    for (k, v) in route
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        reply = reply.header(k, &v.as_str().unwrap_or("").replace("{base_url}", base));
    }
    reply
}

/// One request as one comparable line: method, path and raw query, recorded headers, body.
fn line(method: &str, path: &str, query: Option<&str>, headers: &Value, body: &str) -> String {
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    format!("{method} {path}{query} headers={headers} body={body}")
}

fn golden_line(entry: &Value) -> String {
    let body = match (entry.get("json"), entry.get("body")) {
        (Some(json), _) => format!("json:{json}"),
        (None, Some(Value::String(raw))) => raw.clone(),
        _ => String::new(),
    };
    line(
        entry["method"].as_str().unwrap(),
        entry["path"].as_str().unwrap(),
        entry["query"].as_str(),
        &entry["headers"],
        &body,
    )
}

fn our_line(req: &Recorded) -> String {
    let mut headers: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, value) in &req.headers {
        if name == "content-type" || name == "authorization" || name.starts_with("x-") {
            headers.insert(name, value);
        }
    }
    let headers = serde_json::to_value(headers).unwrap();
    let is_json = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json"));
    let body = match serde_json::from_str::<Value>(&req.body) {
        Ok(json) if is_json && !req.body.is_empty() => format!("json:{json}"),
        _ => req.body.clone(),
    };
    line(
        &req.method,
        &req.path,
        req.raw_query.as_deref(),
        &headers,
        &body,
    )
}

/// Whether resource `name` is a parent of another resource of `config`.
fn is_parent(config: &Value, name: &str) -> bool {
    config["resources"].as_array().unwrap().iter().any(|r| {
        let text = r.to_string();
        r["name"] != name
            && (text.contains(&format!("resources.{name}."))
                || text.contains(&format!("\"resource\":\"{name}\"")))
    })
}

/// dlt takes credentials written in the config; rest-source refuses them (they must be
/// referenced): each `auth` credential becomes `{"secret": <field>}`, its value a secret.
fn reference_credentials(value: &mut Value, secrets: &mut SecretValues) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "auth"
                    && let Value::Object(auth) = v
                {
                    for field in ["token", "api_key", "password", "client_secret"] {
                        if let Some(Value::String(literal)) = auth.get(field) {
                            secrets.insert(field, Secret::new(literal.clone()));
                            auth.insert(field.into(), serde_json::json!({"secret": field}));
                        }
                    }
                } else {
                    reference_credentials(v, secrets);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| reference_credentials(v, secrets)),
        _ => {}
    }
}

/// Runs one case through the loader; the requests each resource sent, in order.
async fn run_case(case: &Value) -> Result<BTreeMap<String, Vec<String>>, String> {
    let routes = case["routes"].as_array().unwrap().clone();
    let server = {
        let routes = routes.clone();
        let base = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
        let server_base = base.clone();
        let server = TestServer::start(move |req| {
            reply(&routes, server_base.get().map_or("", String::as_str), req)
        })
        .await;
        base.set(server.base.clone()).unwrap();
        server
    };
    let mut config = case["config"].clone();
    config["client"]["base_url"] = Value::String(server.base.clone());
    let defaults = config
        .as_object_mut()
        .unwrap()
        .entry("resource_defaults")
        .or_insert_with(|| Value::Object(Map::new()));
    defaults["concurrency"] = Value::from(1);
    let name = case["name"].as_str().unwrap();
    let mut secrets = SecretValues::new(name);
    reference_credentials(&mut config, &mut secrets);
    let source = SourceConfig::from_json_str(&config.to_string(), "cases.json")
        .map_err(|e| format!("the config does not load: {e}"))?
        .build_with_values(&secrets)
        .map_err(|e| format!("the source does not build: {e}"))?;
    for resource in config["resources"].as_array().unwrap() {
        let resource_name = resource["name"].as_str().or(resource.as_str()).unwrap();
        if is_parent(&config, resource_name) {
            continue;
        }
        source
            .resource(resource_name)
            .ok_or_else(|| format!("no resource `{resource_name}`"))?
            .collect()
            .await
            .map_err(|e| format!("resource `{resource_name}` failed: {e}"))?;
    }
    let mut by_resource: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for req in server.requests() {
        let label = route_for(&routes, &req)
            .and_then(|r| r["resource"].as_str())
            .unwrap_or("(no route)");
        by_resource
            .entry(label.to_owned())
            .or_default()
            .push(our_line(&req));
    }
    Ok(by_resource)
}

fn golden_by_resource(entries: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in entries.as_array().unwrap() {
        out.entry(entry["resource"].as_str().unwrap().to_owned())
            .or_default()
            .push(golden_line(entry));
    }
    out
}

#[tokio::test]
async fn every_case_sends_the_requests_dlt_sent() {
    let cases: Value = serde_json::from_str(CASES).unwrap();
    let golden: Value = serde_json::from_str(GOLDEN).unwrap();
    assert_eq!(golden["dlt_version"], "1.31.0", "regenerate with record.py");
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(
        cases.len(),
        golden["cases"].as_object().unwrap().len(),
        "golden.json is stale: regenerate it with record.py"
    );
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let expected = golden_by_resource(&golden["cases"][name]);
        match run_case(case).await {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(ours) if ours != expected => {
                failures.push(format!("{name}:\n  dlt:  {expected:#?}\n  ours: {ours:#?}"))
            }
            Ok(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_golden_file_covers_what_the_cases_claim() {
    // The comparison above can only fail if the golden file holds the shapes it is about:
    // params out of alphabetical order, and paginator params after the config's.
    let golden: Value = serde_json::from_str(GOLDEN).unwrap();
    let queries: Vec<&str> = golden["cases"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|v| v.as_array().unwrap())
        .filter_map(|e| e["query"].as_str())
        .collect();
    assert!(queries.contains(&"zeta=z&alpha=1&mid=True&beta=1.5&q=a+b%2Fc%3Ad~e%2Af%2Cg&empty="));
    assert!(queries.contains(&"per_page=10&sort=desc&filter=all&state=open"));
    assert!(queries.contains(&"q=x&active=True&offset=2&limit=2"));
}

/// The golden query strings of `case`, in order.
fn golden_queries(case: &str) -> Vec<String> {
    let golden: Value = serde_json::from_str(GOLDEN).unwrap();
    golden["cases"][case]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["query"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn a_toml_config_sends_params_in_the_order_written_too() {
    // The cases are JSON; TOML goes through its own parser (tables, inline tables and
    // `resource_defaults` as separate tables), which must keep the order as well.
    let server = TestServer::start(|_| Reply::json(serde_json::json!([{"id": 1}]))).await;
    let text = format!(
        r#"
[client]
base_url = "{}"

[resource_defaults]
concurrency = 1

[resource_defaults.endpoint]
paginator = {{ type = "single_page" }}
data_selector = "$"

[resource_defaults.endpoint.params]
per_page = 10
sort = "asc"
filter = "all"

[[resources]]
name = "issues"
endpoint = {{ path = "issues", params = {{ state = "open", sort = "desc" }} }}

[[resources]]
name = "labels"
"#,
        server.base
    );
    let source = SourceConfig::from_toml_str(&text, "wire.toml")
        .unwrap()
        .build_with_values(&SecretValues::new("wire"))
        .unwrap();
    for name in ["issues", "labels"] {
        source.resource(name).unwrap().collect().await.unwrap();
    }
    let sent: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.raw_query.clone().unwrap_or_default())
        .collect();
    assert_eq!(sent, golden_queries("resource_defaults_params_merged"));
}
