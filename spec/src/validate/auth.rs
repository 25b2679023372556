//! Auth rules: token and login endpoints are absolute URLs, and a session login says where
//! its response holds the token (one place) and under what name a token that is not a
//! header is sent. Whether a credential is a secret reference is the front ends' (it is
//! syntax: `secret("…")`, `{ secret = "…" }`).

use super::{Fix, Problem, absolute_url_problem};
use crate::{ApiKeyLocation, AuthSpec, SourceSpec};

/// The source's auth (at `auth`) and each resource's own (at `resources.<name>.auth`).
pub(super) fn check(spec: &SourceSpec, out: &mut Vec<Problem>) {
    if let Some(auth) = &spec.auth {
        out.extend(problems(auth, "auth"));
    }
    for r in &spec.resources {
        if let Some(auth) = &r.auth {
            out.extend(problems(auth, &format!("resources.{}.auth", r.spec.name)));
        }
    }
}

/// Every problem of `auth`, written at `at`.
pub fn problems(auth: &AuthSpec, at: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    match auth {
        AuthSpec::OAuth2ClientCredentials {
            access_token_url, ..
        }
        | AuthSpec::OAuth2RefreshToken {
            access_token_url, ..
        }
        | AuthSpec::OAuth2JwtBearer {
            access_token_url, ..
        } => absolute(access_token_url, "access_token_url", at, &mut out),
        AuthSpec::SessionToken {
            login_url,
            token_path,
            token_header,
            token_cookie,
            location,
            name,
            ..
        } => {
            absolute(login_url, "login_url", at, &mut out);
            let sources = [token_path, token_header, token_cookie];
            let given: Vec<&str> = TOKEN_SOURCES
                .iter()
                .zip(sources)
                .filter(|(_, v)| v.is_some())
                .map(|(k, _)| *k)
                .collect();
            out.extend(token_sources(&given, at));
            out.extend(location_needs_a_name(*location, name.is_some(), at));
        }
        _ => {}
    }
    out
}

fn absolute(url: &str, key: &str, at: &str, out: &mut Vec<Problem>) {
    if let Some(message) = absolute_url_problem(url, key) {
        out.push(Problem {
            path: format!("{at}.{key}"),
            message,
            fix: None,
        });
    }
}

/// Where a session login's response may hold the token; exactly one is given.
pub const TOKEN_SOURCES: &[&str] = &["token_path", "token_header", "token_cookie"];

/// The login response holds the token in exactly one place: `given` are the
/// [`TOKEN_SOURCES`] written, in that order. A conflict is at `<at>.<key>`, a missing one at
/// `at`.
pub fn token_sources(given: &[&str], at: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    match given {
        [] => out.push(Problem {
            path: at.to_owned(),
            message: "`session_token` needs to know where the login response holds the token"
                .into(),
            fix: Some(Fix::Text(
                "add `token_path` (a JSON path in the body, e.g. `token`), `token_header` \
                 (e.g. `X-Session`) or `token_cookie` (e.g. `sessionid`)"
                    .into(),
            )),
        }),
        [first, rest @ ..] => {
            for other in rest {
                out.push(Problem {
                    path: format!("{at}.{other}"),
                    message: format!(
                        "`{other}` conflicts with `{first}`: the login response holds the token \
                         in one place"
                    ),
                    fix: Some(Fix::Text(
                        "keep one of `token_path`, `token_header`, `token_cookie`".into(),
                    )),
                });
            }
        }
    }
    out
}

/// A session token goes under a name; only a header has a default one (`Authorization`).
/// The problem is at `<at>.location`.
pub fn location_needs_a_name(
    location: Option<ApiKeyLocation>,
    named: bool,
    at: &str,
) -> Option<Problem> {
    let place = match location {
        None | Some(ApiKeyLocation::Header) => return None,
        Some(ApiKeyLocation::Query) => "query",
        Some(ApiKeyLocation::Cookie) => "cookie",
        Some(ApiKeyLocation::Body) => "body",
    };
    (!named).then(|| Problem {
        path: format!("{at}.location"),
        message: format!("a session token sent in the {place} needs a `name`"),
        fix: Some(Fix::Text(format!(
            "add the {place} name the session token is sent under, e.g. `name = \"session_id\"`"
        ))),
    })
}
