//! dlt's own REST API source configs — every dict config in dlt 1.31's tests and REST API
//! docs that is plain data — loaded or refused as dlt loads or refuses them, and run to
//! send the requests dlt sends.
//!
//! The corpus is `runtime/tests/fixtures/dlt_corpus/corpus.json`, written by `export.py` next
//! to it, which ran each config through dlt itself (see the README there): for a config dlt
//! refuses, dlt's exception type and message; for one it accepts, the requests dlt sent for
//! each resource against a fake transport answering every request with `[record]`.
//!
//! - every config dlt accepts loads here unchanged (as JSON, and reads the same as TOML where
//!   TOML can write it), except the deliberate differences: a credential written in the
//!   config is refused as an inline credential (and its port, a `{"secret": …}` reference in
//!   its place, must load and run); a source without resources is refused; and the few
//!   configs listed in [`DIFFERENCES`], each with its reason;
//! - every config dlt refuses is refused, and our message names what dlt's names (each
//!   dlt exception is mapped to the key or reason it reports, in [`dlt_reason`]);
//! - every accepted config runs against a local server answering as dlt's fake transport
//!   did, and every request of each resource (a child's own, after its parents' requests),
//!   in order, has dlt's method, path, query params, body and headers; where dlt's run ended
//!   cleanly, ours sends as many.

use std::collections::BTreeMap;

use crate::common;

use common::{Recorded, Reply, TestServer};
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::spec::SecretValues;
use rest_source_runtime::{Resource, Secret};
use serde_json::{Map, Value, json};

const CORPUS: &str = include_str!("../fixtures/dlt_corpus/corpus.json");

/// Configs dlt accepts that rest-source refuses on purpose, by origin, with the words our
/// refusal must contain and why (also in `docs/dlt-compatibility.md`).
const DIFFERENCES: &[(&str, &[&str], &str)] = &[
    (
        "tests/sources/rest_api/configurations/test_configuration.py:120",
        &["`json` body is sent with `method = \"POST\"`"],
        "a `json` body and no `method` (dlt's merge unit test; dlt sends a GET with the body): \
         refused by the rule the macro shares, as a forgotten `method = \"POST\"` (many \
         servers drop a GET's body); `method = \"GET\"` written out sends the GET with its body",
    ),
    (
        "tests/sources/rest_api/configurations/test_configuration.py:134",
        &["`json` body is sent with `method = \"POST\"`"],
        "the same merge test's expected result",
    ),
    (
        "tests/sources/rest_api/integration/test_offline.py:1428",
        &["`X-Double-Braces-{{Escaped}}` is not a valid HTTP header name"],
        "a header *name* with braces (dlt's escaping test: it sends `X-Double-Braces-{Escaped}`); \
         `{` is not allowed in an HTTP header name (RFC 9110 token), so the HTTP client cannot \
         send it",
    ),
];

fn corpus() -> Value {
    serde_json::from_str(CORPUS).expect("corpus.json is JSON")
}

fn configs(corpus: &Value) -> &[Value] {
    corpus["configs"].as_array().expect("configs")
}

fn origin_of(entry: &Value) -> &str {
    entry["origin"].as_str().unwrap()
}

/// The file name the config is loaded as: its stem is the source name, as dlt's
/// `rest_api_source(config, name=…)` names it (`rest_api` when not named).
fn file_name(entry: &Value) -> String {
    format!(
        "{}.json",
        entry["source_name"].as_str().unwrap_or("rest_api")
    )
}

fn load(entry: &Value, config: &Value) -> Result<SourceConfig, String> {
    SourceConfig::from_json_str(&config.to_string(), &file_name(entry)).map_err(|e| e.to_string())
}

fn dlt_outcome(entry: &Value) -> &str {
    entry["dlt"]["outcome"].as_str().unwrap()
}

fn difference(
    entry: &Value,
) -> Option<&'static (&'static str, &'static [&'static str], &'static str)> {
    DIFFERENCES.iter().find(|(o, _, _)| *o == origin_of(entry))
}

/// A resource dlt accepted at `rest_api_source()` but failed before sending any request,
/// for a reason in the config itself (dlt checks some rules only when it extracts).
fn fails_before_any_request(entry: &Value) -> Option<&str> {
    let resources = entry["dlt"]["resources"].as_object()?;
    resources.values().find_map(|r| {
        let none_sent = r["requests"].as_array().is_some_and(Vec::is_empty);
        none_sent.then(|| r["error"]["message"].as_str()).flatten()
    })
}

/// What our message must contain for dlt's exception: the key or reason dlt names. An
/// exception this does not know fails the test, so a new kind in the corpus gets a mapping.
fn dlt_reason(error: &Value) -> Result<Vec<String>, String> {
    let kind = error["type"].as_str().unwrap();
    let message = error["message"].as_str().unwrap();
    let backticked = |after: &str| -> Option<String> {
        let rest = &message[message.find(after)? + after.len()..];
        let start = rest.find('`')? + 1;
        let end = start + rest[start..].find('`')?;
        Some(rest[start..end].to_owned())
    };
    // dlt writes key sets as Python sets: `{'a', 'b'}`
    let set = |s: String| -> Vec<String> {
        s.trim_matches(|c| c == '{' || c == '}')
            .split(", ")
            .map(|k| k.trim_matches('\'').to_owned())
            .collect()
    };
    let reason = match kind {
        "DictValidationException" if message.contains("expects the following types") => {
            // a value no member of a union takes; dlt lists why each member refused it: an
            // unknown `type` if one is named, else the first member's unexpected key
            // the member the value's `type` names, when dlt says why that one refused it
            if let Some(reason) = member_reason(message) {
                return dlt_reason(&json!({"type": kind, "message": reason}));
            }
            let unknown_type = message.find("field `type=").and_then(|at| {
                let rest = &message[at + "field `type=".len()..];
                Some(rest[..rest.find('`')?].to_owned())
            });
            if let Some(t) = unknown_type {
                vec![format!("type `{t}`")]
            } else if message.contains("received unexpected fields") {
                let keys = set(backticked("received unexpected fields").unwrap());
                keys.into_iter()
                    .map(|k| format!("unknown key `{k}`"))
                    .collect()
            } else {
                let field = backticked("field").unwrap();
                let value = backticked("Provided value").unwrap_or_default();
                vec![field, value.trim_matches('\'').to_owned()]
            }
        }
        "DictValidationException" if message.contains("missing required fields") => {
            // a key dlt requires in the table; a left-out auth credential is looked up
            // here (as dlt looks up the other types'), so the refusal is a missing secret
            let keys = set(backticked("missing required fields").unwrap());
            std::iter::once("missing".to_owned()).chain(keys).collect()
        }
        "DictValidationException" if message.contains("received unexpected fields") => {
            let keys = set(backticked("received unexpected fields").unwrap());
            keys.into_iter()
                .map(|k| format!("unknown key `{k}`"))
                .collect()
        }
        "ConfigFieldMissingException" => {
            // dlt lists every env var it tried; the first is the most specific
            let start = message.find("SOURCES__").unwrap();
            let end = start
                + message[start..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap();
            vec![message[start..end].to_owned()]
        }
        "ValueError" if message.contains("refers to non existing parent resource") => {
            vec![backticked("non existing parent resource").unwrap()]
        }
        "ValueError" if message.contains("requires a param named") => {
            let name = message.split("requires a param named '").nth(1).unwrap();
            vec![format!("`{{{}}}`", &name[..name.find('\'').unwrap()])]
        }
        "ValueError" if message.starts_with("Multiple parent resources") => {
            vec!["one parent".to_owned()]
        }
        "ValueError" if message.contains("that are not bound in path") => {
            let params = backticked("defines resolve params").unwrap();
            let param = params
                .trim_matches(|c| c == '[' || c == ']')
                .trim_matches('\'');
            vec![param.to_owned(), "path".to_owned()]
        }
        "ValueError" if message.starts_with("Expression `") => {
            vec![backticked("Expression").unwrap()]
        }
        "ValueError" if message.starts_with("Cannot use both 'json' and 'data'") => {
            vec!["`json`".to_owned(), "`data`".to_owned()]
        }
        "CycleError" => vec!["cycle".to_owned()],
        "KeyError" => vec![format!("missing `{}`", message.trim_matches('\''))],
        _ => return Err(format!("no mapping for dlt's {kind}: {message}")),
    };
    Ok(reason)
}

/// dlt's TypedDict for each `type` of auth and paginator.
const MEMBERS: &[(&str, &str)] = &[
    ("bearer", "BearerTokenAuthConfig"),
    ("api_key", "ApiKeyAuthConfig"),
    ("http_basic", "HttpBasicAuthConfig"),
    ("oauth2_client_credentials", "OAuth2ClientCredentialsConfig"),
    ("page_number", "PageNumberPaginatorConfig"),
    ("offset", "OffsetPaginatorConfig"),
    ("header_link", "HeaderLinkPaginatorConfig"),
    ("header_cursor", "HeaderCursorPaginatorConfig"),
    ("json_link", "JSONLinkPaginatorConfig"),
    ("cursor", "JSONResponseCursorPaginatorConfig"),
];

/// In a union error, the line of the member the provided value's `type` names.
fn member_reason(message: &str) -> Option<String> {
    let at = message.find("Provided value `{'type': '")? + "Provided value `{'type': '".len();
    let t = &message[at..at + message[at..].find('\'')?];
    let member = MEMBERS.iter().find(|(name, _)| *name == t)?.1;
    let line = message
        .lines()
        .find(|l| l.starts_with(&format!("For `{member}`:")))?;
    Some(line.split_once(": ")?.1.to_owned())
}

/// The auth fields that hold a credential: written as a value, rest-source refuses them.
const CREDENTIAL_FIELDS: &[&str] = &["token", "api_key", "password", "client_secret"];

/// `config` with each credential written in an auth (`"token": "X"`) replaced by a
/// reference, as a user porting it writes it (`"token": {"secret": "token"}`), and the
/// values those references take.
fn ported(config: &Value) -> (Value, Vec<(String, String)>) {
    fn walk(value: &mut Value, in_auth: bool, found: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if in_auth
                        && CREDENTIAL_FIELDS.contains(&key.as_str())
                        && let Value::String(literal) = v
                    {
                        let name = match found.iter().find(|(_, l)| l == literal) {
                            Some((name, _)) => name.clone(),
                            None => format!("literal_{}_{}", key, found.len()),
                        };
                        found.push((name.clone(), literal.clone()));
                        *v = json!({"secret": name});
                        continue;
                    }
                    walk(v, key == "auth", found);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, false, found)),
            _ => {}
        }
    }
    let mut config = config.clone();
    let mut found = Vec::new();
    walk(&mut config, false, &mut found);
    (config, found)
}

#[test]
fn every_config_dlt_accepts_loads_unchanged() {
    let corpus = corpus();
    let mut failures = Vec::new();
    let mut loaded = 0;
    for entry in configs(&corpus) {
        if dlt_outcome(entry) != "valid" || fails_before_any_request(entry).is_some() {
            continue;
        }
        // A source without resources (dlt's templates and outlines: `"resources": []`) is
        // refused on purpose: it would request nothing (dlt builds an empty source).
        if entry["config"]["resources"]
            .as_array()
            .is_some_and(Vec::is_empty)
        {
            match load(entry, &entry["config"]) {
                Err(e) if e.contains("no resources") => {}
                other => failures.push(format!(
                    "{}: a source without resources, not refused as one: {other:?}",
                    origin_of(entry)
                )),
            }
            continue;
        }
        // A credential written in the config is refused (on purpose: the config would be
        // committed with it, and the issue keeps it refused); its port, the same config with
        // a reference there, must load.
        let (config, literals) = ported(&entry["config"]);
        if !literals.is_empty() {
            match load(entry, &entry["config"]) {
                Err(e) if e.contains("inline credential") => {}
                Err(e) => failures.push(format!(
                    "{}: a written credential, refused, but not as one:\n{e}",
                    origin_of(entry)
                )),
                Ok(_) => failures.push(format!(
                    "{}: a credential written in the config is accepted",
                    origin_of(entry)
                )),
            }
        }
        let result = load(entry, &config).and_then(|c| {
            c.build_with_values(&secrets(entry, &c.name, &literals))
                .map(drop)
                .map_err(|e| e.to_string())
        });
        match (result, difference(entry)) {
            (Ok(_), None) => loaded += 1,
            (Err(e), None) => failures.push(format!(
                "{}: dlt accepts it, we refuse:\n{e}",
                origin_of(entry)
            )),
            (Ok(_), Some(_)) => failures.push(format!(
                "{}: listed in DIFFERENCES but loads now: remove it from the list",
                origin_of(entry)
            )),
            (Err(e), Some((_, words, why))) => {
                if let Some(w) = words.iter().find(|w| !e.contains(*w)) {
                    failures.push(format!(
                        "{}: refused on purpose ({why}), but the message lacks `{w}`:\n{e}",
                        origin_of(entry)
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the configs dlt accepts:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        loaded >= 40,
        "only {loaded} configs loaded: is the corpus complete?"
    );
}

/// The secret values a dlt user would have: `dlt.secrets["k"]` (written `{"secret": "k"}`)
/// is `secret-k`, as `export.py` gave dlt.
fn secrets(entry: &Value, name: &str, literals: &[(String, String)]) -> SecretValues {
    let mut values = SecretValues::new(name);
    for (key, value) in literals {
        values = values.with(key.as_str(), Secret::new(value.clone()));
    }
    for key in entry["secrets"].as_array().into_iter().flatten() {
        let key = key.as_str().unwrap();
        values = values.with(key, Secret::new(format!("secret-{key}")));
    }
    values
}

#[test]
fn every_config_dlt_refuses_is_refused_for_dlts_reason() {
    let corpus = corpus();
    let mut failures = Vec::new();
    let mut refused = 0;
    for entry in configs(&corpus) {
        let error = if dlt_outcome(entry) == "invalid" {
            entry["dlt"]["error"].clone()
        } else if let Some(message) = fails_before_any_request(entry) {
            // dlt finds these at extract time (before any request); we find them at load
            json!({"type": "ValueError", "message": message})
        } else {
            continue;
        };
        let want = match dlt_reason(&error) {
            Ok(want) => want,
            Err(e) => {
                failures.push(format!("{}: {e}", origin_of(entry)));
                continue;
            }
        };
        // a missing credential is found when the secrets are resolved, as in dlt
        let ours = match load(entry, &entry["config"]) {
            Err(e) => e,
            Ok(config) => {
                let resolver = rest_source_runtime::SecretResolver::rest_api(&config.name)
                    .with_env_vars(Vec::<(String, String)>::new())
                    .with_project_dir(std::env::temp_dir().join("dlt-corpus-no-project"));
                match config.build(&resolver) {
                    Err(e) => e.to_string(),
                    Ok(_) => {
                        failures.push(format!(
                            "{}: dlt refuses it ({}: {}), we accept it",
                            origin_of(entry),
                            error["type"],
                            error["message"]
                        ));
                        continue;
                    }
                }
            }
        };
        refused += 1;
        if let Some(w) = want.iter().find(|w| !ours.contains(w.as_str())) {
            failures.push(format!(
                "{}: dlt refuses it with {}: {}\nour message lacks `{w}`:\n{ours}",
                origin_of(entry),
                error["type"],
                error["message"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the configs dlt refuses:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        refused >= 10,
        "only {refused} refused configs: is the corpus complete?"
    );
}

/// One request, in the terms the corpus records dlt's.
#[derive(Debug, PartialEq)]
struct Sent {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    headers: BTreeMap<String, String>,
}

fn pairs(text: &str) -> Vec<(String, String)> {
    // In order: dlt sends params and form fields in the order written, and so does rest-source
    // (`runtime/tests/fixtures/dlt_wire/` holds the byte-exact golden requests).
    url::form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

/// A body as comparable data: JSON parsed, a form as sorted pairs, else the raw text.
fn body_of(text: Option<&str>, content_type: Option<&str>) -> Option<Value> {
    let text = text.filter(|t| !t.is_empty())?;
    Some(match content_type.unwrap_or("") {
        t if t.starts_with("application/json") => {
            serde_json::from_str(text).unwrap_or(Value::String(text.into()))
        }
        t if t.starts_with("application/x-www-form-urlencoded") => {
            json!(pairs(text))
        }
        _ => Value::String(text.into()),
    })
}

fn dlt_sent(request: &Value) -> Sent {
    let headers: BTreeMap<String, String> = request["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    Sent {
        method: request["method"].as_str().unwrap().to_owned(),
        path: request["path"].as_str().unwrap().to_owned(),
        query: pairs(request["query"].as_str().unwrap()),
        body: body_of(
            request["body"].as_str(),
            headers.get("content-type").map(String::as_str),
        ),
        headers,
    }
}

/// Our request, with only the headers dlt's request has (the others are our client's own,
/// like dlt's `User-Agent`, which the corpus leaves out).
fn our_sent(request: &Recorded, like: &Sent) -> Sent {
    let text = String::from_utf8_lossy(&request.body);
    Sent {
        method: request.method.clone(),
        path: request.path.clone(),
        query: pairs(request.query.as_deref().unwrap_or("")),
        body: body_of(Some(&text), request.header("content-type")),
        headers: like
            .headers
            .keys()
            .filter_map(|k| Some((k.clone(), request.header(k)?.to_owned())))
            .collect(),
    }
}

/// `config` with every URL on the origin of `client.base_url` moved to `server`.
fn on_server(config: &Value, server: &TestServer) -> Value {
    let base = config["client"]["base_url"].as_str().unwrap();
    let parsed = url::Url::parse(base).unwrap();
    let origin = parsed.origin().ascii_serialization();
    let text = config
        .to_string()
        .replace(&origin, server.url("").trim_end_matches('/'));
    serde_json::from_str(&text).unwrap()
}

/// Answers as `export.py`'s fake transport did: `[record]`, a token for a POST to `…token`,
/// and (where dlt's run was stopped after `max_requests`) an empty page after that many.
async fn server(corpus: &Value) -> TestServer {
    let record = corpus["record"].clone();
    let token = corpus["token_response"].clone();
    let max = corpus["max_requests"].as_u64().unwrap() as usize;
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    TestServer::start(move |r: &Recorded| {
        if r.method == "POST" && r.path.trim_end_matches('/').ends_with("token") {
            return Reply::json(200, token.clone());
        }
        let n = served.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Reply::json(200, if n < max { json!([record]) } else { json!([]) })
    })
    .await
}

/// The requests one resource's run sends (its parents' included), on a fresh server.
async fn run_resource(corpus: &Value, entry: &Value, name: &str) -> Result<Vec<Recorded>, String> {
    let server = server(corpus).await;
    let (config, literals) = ported(&entry["config"]);
    let config = on_server(&config, &server);
    let loaded = load(entry, &config)?;
    let source = loaded
        .build_with_values(&secrets(entry, &loaded.name, &literals))
        .map_err(|e| e.to_string())?;
    let resource: &Resource<Value> = source
        .resource(name)
        .ok_or(format!("no resource `{name}`"))?;
    // the run's outcome is not compared (the fake answers end paging in ways dlt and we
    // report differently); the requests are
    let _ = resource.collect().await;
    let token_path =
        |r: &Recorded| r.method == "POST" && r.path.trim_end_matches('/').ends_with("token");
    Ok(server
        .requests()
        .into_iter()
        .filter(|r| !token_path(r))
        .collect())
}

#[tokio::test]
async fn every_config_dlt_accepts_sends_dlts_requests() {
    let corpus = corpus();
    let mut failures = Vec::new();
    let mut compared = 0;
    for entry in configs(&corpus) {
        if dlt_outcome(entry) != "valid"
            || fails_before_any_request(entry).is_some()
            || difference(entry).is_some()
        {
            continue;
        }
        let resources: &Map<String, Value> = entry["dlt"]["resources"].as_object().unwrap();
        let mut ours: BTreeMap<&str, Vec<Recorded>> = BTreeMap::new();
        for name in resources.keys() {
            match run_resource(&corpus, entry, name).await {
                Ok(requests) => {
                    ours.insert(name, requests);
                }
                Err(e) => failures.push(format!("{} `{name}`: {e}", origin_of(entry))),
            }
        }
        for (name, dlt) in resources {
            let Some(requests) = ours.get(name.as_str()) else {
                continue;
            };
            // a child's own requests: those its ancestors' runs did not send
            let mut ancestors = Vec::new();
            let mut parent = dlt["parent"].as_str();
            while let Some(p) = parent.filter(|p| !ancestors.contains(p)) {
                ancestors.push(p);
                parent = resources.get(p).and_then(|r| r["parent"].as_str());
            }
            let mut theirs: Vec<String> = ancestors
                .iter()
                .flat_map(|a| ours.get(a).into_iter().flatten())
                .map(|r| format!("{} {} {:?} {:?}", r.method, r.path, r.query, r.body))
                .collect();
            let own: Vec<&Recorded> = requests
                .iter()
                .filter(|r| {
                    let key = format!("{} {} {:?} {:?}", r.method, r.path, r.query, r.body);
                    match theirs.iter().position(|t| *t == key) {
                        Some(i) => {
                            theirs.remove(i);
                            false
                        }
                        None => true,
                    }
                })
                .collect();
            let dlt_own = dlt["own_requests"].as_array().unwrap();
            // dlt's paginator raises on the fake answer (no `total`) before the parent's
            // first page is yielded, so the child never runs; ours yields the page, then
            // fails: what the child would send then is not dlt's to compare with
            let parent_failed = dlt["parent"]
                .as_str()
                .and_then(|p| resources.get(p))
                .is_some_and(|p| !p["error"].is_null());
            match (dlt_own.first(), own.first()) {
                (None, None) => {}
                (None, Some(_)) if parent_failed => {}
                (None, Some(r)) => failures.push(format!(
                    "{} `{name}`: dlt sends no request ({}), we send {} {}?{}",
                    origin_of(entry),
                    dlt["error"]["message"].as_str().unwrap_or("no error"),
                    r.method,
                    r.path,
                    r.query.as_deref().unwrap_or("")
                )),
                (Some(d), None) => failures.push(format!(
                    "{} `{name}`: dlt sends {} {}?{}, we send nothing",
                    origin_of(entry),
                    d["method"],
                    d["path"],
                    d["query"]
                )),
                (Some(_), Some(_)) => {
                    // every request both sent, in order: the first page's and every later
                    // page's (where dlt's run failed, the requests it sent before failing)
                    for (i, (d, r)) in dlt_own.iter().zip(&own).enumerate() {
                        compared += 1;
                        let want = dlt_sent(d);
                        let got = our_sent(r, &want);
                        if want != got {
                            failures.push(format!(
                                "{} `{name}`: request {} differs\n dlt: {want:?}\n ours: {got:?}",
                                origin_of(entry),
                                i + 1
                            ));
                            break;
                        }
                    }
                    // where dlt's run ended cleanly, it ended after as many requests
                    if dlt["error"].is_null() && own.len() != dlt_own.len() {
                        let sent: Vec<String> = own
                            .iter()
                            .map(|r| {
                                format!(
                                    "{} {}?{}",
                                    r.method,
                                    r.path,
                                    r.query.as_deref().unwrap_or("")
                                )
                            })
                            .collect();
                        failures.push(format!(
                            "{} `{name}`: dlt sends {} requests and stops, we send {sent:?}",
                            origin_of(entry),
                            dlt_own.len(),
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences from dlt's requests:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        compared >= 60,
        "only {compared} requests compared: is the corpus complete?"
    );
}

/// JSON `null` has no TOML form; such configs are checked as JSON only.
fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}

#[test]
fn every_config_dlt_accepts_reads_the_same_written_as_toml() {
    let corpus = corpus();
    let mut failures = Vec::new();
    let mut compared = 0;
    for entry in configs(&corpus) {
        if dlt_outcome(entry) != "valid" || has_null(&entry["config"]) {
            continue;
        }
        let Ok(from_json) = load(entry, &entry["config"]) else {
            continue; // refused as JSON: the test above holds it to dlt's reason
        };
        let toml = toml::to_string(&entry["config"]).expect("a JSON object without null is TOML");
        let origin = file_name(entry).replace(".json", ".toml");
        match SourceConfig::from_toml_str(&toml, &origin) {
            Ok(from_toml) if from_toml == from_json => compared += 1,
            Ok(from_toml) => failures.push(format!(
                "{}: TOML reads differently\n{toml}\n json: {from_json:?}\n toml: {from_toml:?}",
                origin_of(entry)
            )),
            Err(e) => failures.push(format!(
                "{}: refused as TOML\n{toml}\n{e}",
                origin_of(entry)
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(compared >= 80, "only {compared} configs compared");
}

/// The docs' GitHub example (`basic.md`: `github_source(github_token=dlt.secrets.value)`,
/// ported as `{"secret": "github_token"}`) finds its token where the docs put it,
/// `[sources.rest_api_pipeline.github] github_token`, or in that key's env var, and sends it
/// as dlt does.
#[tokio::test]
async fn the_docs_github_example_finds_its_token_in_the_docs_layout() {
    let corpus = corpus();
    let entry = configs(&corpus)
        .iter()
        .find(|e| {
            origin_of(e) == "docs/website/docs/dlt-ecosystem/verified-sources/rest_api/basic.md:139"
        })
        .expect("the GitHub example is in the corpus");
    let dlt = &entry["dlt"]["resources"]["issues"]["own_requests"][0];
    assert_eq!(
        dlt["headers"]["authorization"],
        "Bearer secret-github_token"
    );

    let dir = std::env::temp_dir().join(format!("dlt-corpus-github-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secrets.toml");
    std::fs::write(
        &file,
        "[sources.rest_api_pipeline.github]\ngithub_token = \"secret-github_token\"\n",
    )
    .unwrap();
    let env = [(
        "SOURCES__REST_API_PIPELINE__GITHUB__GITHUB_TOKEN",
        "secret-github_token",
    )];
    let no_env: [(&str, &str); 0] = [];
    let resolvers = [
        rest_source_runtime::SecretResolver::for_source("github")
            .module("rest_api_pipeline")
            .with_env_vars(no_env)
            .with_file(&file),
        rest_source_runtime::SecretResolver::for_source("github")
            .module("rest_api_pipeline")
            .with_env_vars(env),
    ];
    for secrets in resolvers {
        let server = server(&corpus).await;
        let config = on_server(&entry["config"], &server);
        let config = SourceConfig::from_json_str(&config.to_string(), "github.json").unwrap();
        let source = config.build(&secrets).unwrap_or_else(|e| panic!("{e}"));
        let _ = source.resource("issues").unwrap().collect().await;
        let first = &server.requests()[0];
        assert_eq!(first.path, dlt["path"].as_str().unwrap());
        assert_eq!(
            first.header("authorization"),
            Some("Bearer secret-github_token")
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
