//! One set of rules over a [`SourceSpec`], shared by both front ends: every problem at once,
//! each with a path into the source (`resources.notes.endpoint.json`), a message and a fix.
//! The macro maps a path to a span, the config to `file:line:col`; each front end keeps only
//! the checks that need what only it sees (Rust types and `secret("…")` syntax; unknown keys
//! and TOML/JSON types).
//!
//! ```
//! use rest_source_spec::{ResourceSpec, SourceSpec, validate};
//!
//! let spec = SourceSpec::new("crm", "crm.example.com/api")
//!     .resource(ResourceSpec::new("search", "search").json(serde_json::json!({"q": "x"})));
//! let problems = validate(&spec);
//! let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
//! assert_eq!(paths, ["base_url", "resources.search.endpoint.json"]);
//! ```

pub mod auth;
pub mod paginator;
pub mod placeholder;
mod resource;

use crate::{MaybeSecret, SourceSpec};

/// One problem of a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where, as a dotted path into the source: `base_url`, `headers.Authorization`,
    /// `resources.<name>.endpoint.json`, `resources.<name>.endpoint.headers.<header>`.
    pub path: String,
    /// What is wrong (lower-case start, keys in backticks; never a credential's value).
    pub message: String,
    /// How to fix it, when the message does not say.
    pub fix: Option<Fix>,
}

/// How to fix a [`Problem`]; a front end writes [`Fix::SecretReference`] in its own syntax
/// (`secret("key")` in the macro, `{ secret = "key" }` in a TOML config).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fix {
    /// A sentence.
    Text(String),
    /// Reference the secret `key` instead of writing the value.
    SecretReference {
        /// The suggested key.
        key: String,
    },
    /// Define the source parameter `name` (a struct field in the macro, a `params` entry in
    /// a config).
    DefineParameter {
        /// The parameter a placeholder names.
        name: String,
    },
}

impl Fix {
    /// The fix as a sentence, with `secret` and `parameter` saying how this front end
    /// references a secret and defines a parameter.
    pub fn render(
        &self,
        secret: impl Fn(&str) -> String,
        parameter: impl Fn(&str) -> String,
    ) -> String {
        match self {
            Fix::Text(text) => text.clone(),
            Fix::SecretReference { key } => secret(key),
            Fix::DefineParameter { name } => parameter(name),
        }
    }
}

/// The candidate closest to `got`, if it is close enough to be what the user meant
/// (darling's rule: Jaro-Winkler > 0.8).
pub(crate) fn did_you_mean<'a>(got: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(got, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Every problem of `spec`, in rule order (an empty list: the source is valid).
pub fn validate(spec: &SourceSpec) -> Vec<Problem> {
    let mut problems = Vec::new();
    base_url_is_absolute(spec, &mut problems);
    credential_headers_reference_secrets(spec, &mut problems);
    json_body_needs_post(spec, &mut problems);
    one_body(spec, &mut problems);
    auth::check(spec, &mut problems);
    resource::names_are_unique(spec, &mut problems);
    if let Some(p) = &spec.paginator {
        problems.extend(paginator::problems(p, "paginator"));
    }
    for r in &spec.resources {
        resource::limits_are_positive(r, &mut problems);
        resource::incremental_names_a_cursor(r, &mut problems);
        // A resource that uses the source's paginator holds a copy: reported once, there.
        if let Some(p) = &r.spec.endpoint.paginator
            && spec.paginator.as_ref() != Some(p)
        {
            let at = format!("resources.{}.endpoint.paginator", r.spec.name);
            problems.extend(paginator::problems(p, &at));
        }
    }
    placeholder::check(spec, &mut problems);
    problems
}

/// `base_url` is an absolute `http(s)` URL (with a host, which `url` requires for them).
fn base_url_is_absolute(spec: &SourceSpec, out: &mut Vec<Problem>) {
    if let Some(message) = absolute_url_problem(&spec.base_url, "base_url") {
        out.push(Problem {
            path: "base_url".into(),
            message,
            fix: None,
        });
    }
}

/// Why `url` is not an absolute `http(s)` URL with a host, naming it as `key`.
pub fn absolute_url_problem(url: &str, key: &str) -> Option<String> {
    match url::Url::parse(url) {
        Ok(u) if !matches!(u.scheme(), "http" | "https") => Some(format!(
            "`{key}` must be an absolute http(s) URL, found scheme `{}`",
            u.scheme()
        )),
        // `url` refuses an http(s) URL without a host (`https://`, `http:///x` → empty host).
        Ok(_) => None,
        Err(e) => Some(format!(
            "`{key}` must be an absolute URL such as `https://api.example.com/v1` ({e})"
        )),
    }
}

/// A header that carries a credential (`Authorization`, `X-Api-Key`, …) references a
/// secret: a plain value would put the credential in the code or the config file.
fn credential_headers_reference_secrets(spec: &SourceSpec, out: &mut Vec<Problem>) {
    let source = spec
        .headers
        .iter()
        .filter(|(_, v)| matches!(v, MaybeSecret::Plain(_)))
        .map(|(name, _)| (format!("headers.{name}"), name));
    let resources = spec.resources.iter().flat_map(|r| {
        r.spec.endpoint.headers.keys().map(move |name| {
            (
                format!("resources.{}.endpoint.headers.{name}", r.spec.name),
                name,
            )
        })
    });
    for (path, name) in source.chain(resources) {
        if is_credential_header(name) {
            let key = name.to_lowercase().replace('-', "_");
            out.push(Problem {
                path,
                message: format!(
                    "inline credential: `{key}` must reference a secret, not hold its value"
                ),
                fix: Some(Fix::SecretReference { key }),
            });
        }
    }
}

/// Headers whose value is a credential; a plain value for them is an inline credential.
pub fn is_credential_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('_', "-");
    name == "authorization"
        || name == "proxy-authorization"
        || name == "cookie"
        || ["token", "secret", "api-key", "apikey", "password"]
            .iter()
            .any(|word| name.contains(word))
}

/// A `json` body goes with `POST` (a `GET` with a body is dropped by many servers): a body
/// with no `method` is most likely a forgotten `method = "POST"`. A method written out is
/// taken as meant: `method = "GET"` with a body sends a GET with that body, as dlt does
/// (its tests send `{}` with a GET).
fn json_body_needs_post(spec: &SourceSpec, out: &mut Vec<Problem>) {
    for r in &spec.resources {
        let chosen = r
            .spec
            .endpoint
            .method
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("GET") || m.eq_ignore_ascii_case("POST"));
        if r.spec.endpoint.json.is_some() && !chosen {
            out.push(Problem {
                path: format!("resources.{}.endpoint.json", r.spec.name),
                message: "a `json` body is sent with `method = \"POST\"`".into(),
                fix: Some(Fix::Text(
                    "add it (search endpoints read their query from the body)".into(),
                )),
            });
        }
    }
}

/// A request has one body: `json` or `data` (a form or raw body), not both (dlt refuses both).
fn one_body(spec: &SourceSpec, out: &mut Vec<Problem>) {
    for r in &spec.resources {
        if let Some((message, fix)) = two_bodies(&r.spec.endpoint) {
            out.push(Problem {
                path: format!("resources.{}.endpoint.data", r.spec.name),
                message: message.into(),
                fix: Some(Fix::Text(fix.into())),
            });
        }
    }
}

/// The one-body rule for one endpoint (the runtime's check of a resource built by hand
/// calls it): its message and fix when `json` and `data` are both set.
pub fn two_bodies(endpoint: &crate::EndpointSpec) -> Option<(&'static str, &'static str)> {
    (endpoint.json.is_some() && endpoint.data.is_some()).then_some((
        "`json` and `data` are both set; a request has one body",
        "keep `json` for a JSON body or `data` for a form or raw body",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResourceSpec;

    fn paths(spec: &SourceSpec) -> Vec<String> {
        validate(spec).into_iter().map(|p| p.path).collect()
    }

    #[test]
    fn a_valid_source_has_no_problems() {
        let spec = SourceSpec::new("crm", "https://crm.example.com/api")
            .header("X-Org", MaybeSecret::Plain("acme".into()))
            .resource(
                ResourceSpec::new("search", "search")
                    .method("POST")
                    .json(serde_json::json!({})),
            );
        assert_eq!(validate(&spec), []);
    }

    #[test]
    fn base_urls_need_http_and_a_host() {
        let problem = |url: &str| {
            validate(&SourceSpec::new("crm", url))
                .pop()
                .map(|p| p.message)
                .unwrap_or_default()
        };
        assert!(problem("ftp://files.example.com").contains("found scheme `ftp`"));
        assert!(
            problem("https://").contains("empty host"),
            "{}",
            problem("https://")
        );
        assert!(problem("crm.example.com/api").contains("relative URL without a base"));
        assert_eq!(problem("http://127.0.0.1:8080/api"), "");
    }

    #[test]
    fn plain_credential_headers_are_refused_on_the_source_and_on_resources() {
        let spec = SourceSpec::new("crm", "https://crm.example.com")
            .header("Authorization", MaybeSecret::Plain("Bearer abc123".into()))
            .header(
                "X-Api-Key",
                MaybeSecret::Secret {
                    secret: "key".into(),
                },
            )
            .resource(ResourceSpec::new("r", "r").header("X-Api-Key", "abc123"));
        let problems = validate(&spec);
        assert_eq!(
            paths(&spec),
            [
                "headers.Authorization",
                "resources.r.endpoint.headers.X-Api-Key"
            ]
        );
        assert!(
            problems.iter().all(|p| !p.message.contains("abc123")),
            "{problems:?}"
        );
        assert_eq!(
            problems[1].fix,
            Some(Fix::SecretReference {
                key: "x_api_key".into()
            })
        );
    }

    #[test]
    fn a_json_body_without_post_is_named_by_resource() {
        let spec = SourceSpec::new("crm", "https://crm.example.com")
            .resource(ResourceSpec::new("search", "search").json(serde_json::json!({"q": 1})))
            .resource(
                ResourceSpec::new("ok", "ok")
                    .method("post")
                    .json(serde_json::json!({})),
            );
        assert_eq!(paths(&spec), ["resources.search.endpoint.json"]);
    }

    #[test]
    fn a_json_body_with_get_written_out_is_meant() {
        let spec = SourceSpec::new("crm", "https://crm.example.com")
            .resource(
                ResourceSpec::new("find", "find")
                    .method("GET")
                    .json(serde_json::json!({})),
            )
            .resource(
                ResourceSpec::new("odd", "odd")
                    .method("DELETE")
                    .json(serde_json::json!({})),
            );
        assert_eq!(paths(&spec), ["resources.odd.endpoint.json"]);
    }
}
