//! Auth rules: token and login endpoints are absolute URLs, a session login says where
//! its response holds the token (one place) and under what name a token that is not a
//! header is sent, and distinct refresh-token auths keep their tokens in distinct stores. Whether a credential is a secret reference is the front ends' (it is
//! syntax: `secret("…")`, `{ secret = "…" }`).

use super::{Fix, Problem, absolute_url_problem};
use crate::{ApiKeyLocation, AuthSpec, SourceSpec};

/// The source's auth (at `auth`) and each resource's own (at `resources.<name>.auth`).
pub(super) fn check(spec: &SourceSpec, out: &mut Vec<Problem>) {
    let mut auths = Vec::new();
    if let Some(auth) = &spec.auth {
        out.extend(problems(auth, "auth"));
        auths.push(("auth".to_owned(), auth));
    }
    for r in &spec.resources {
        if let Some(auth) = &r.auth {
            let at = format!("resources.{}.auth", r.spec.name);
            out.extend(problems(auth, &at));
            auths.push((at, auth));
        }
    }
    out.extend(token_stores_are_distinct(auths));
}

/// Distinct `oauth2_refresh_token` auths keep their rotating refresh tokens in distinct
/// `token_store`s: in one store, each refresh would overwrite the other auth's token, and
/// the next refresh would send a token of the wrong grant (a lock-out with a single-use
/// token). Equal auths are one strategy and share their store. `auths` are the auths with
/// their paths (`auth`, `resources.<name>.auth`), in source order; a clash is reported at
/// the later one's `<at>.token_store`.
pub fn token_stores_are_distinct<'a>(
    auths: impl IntoIterator<Item = (String, &'a AuthSpec)>,
) -> Vec<Problem> {
    let mut seen: Vec<(String, &AuthSpec, &str)> = Vec::new();
    let mut out = Vec::new();
    for (at, auth) in auths {
        let AuthSpec::OAuth2RefreshToken {
            token_store: Some(store),
            ..
        } = auth
        else {
            continue;
        };
        if seen.iter().any(|(_, other, _)| *other == auth) {
            continue;
        }
        if let Some((other_at, _, _)) = seen.iter().find(|(_, _, s)| *s == store.as_str()) {
            out.push(Problem {
                path: format!("{at}.token_store"),
                message: format!(
                    "`token_store` `{store}` is also where {} keeps its refresh token; two \
                     refresh tokens rotating in one store overwrite each other",
                    whose(other_at)
                ),
                fix: Some(Fix::Text(
                    "give each `oauth2_refresh_token` auth its own `token_store`".into(),
                )),
            });
        }
        seen.push((at, auth, store));
    }
    out
}

/// An auth's path as words: `the source's auth`, `the auth of resource `contacts``.
fn whose(at: &str) -> String {
    match at
        .strip_prefix("resources.")
        .and_then(|r| r.strip_suffix(".auth"))
    {
        Some(name) => format!("the auth of resource `{name}`"),
        None => "the source's auth".to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClientAuth, ResourceSpec, SecretRef, SourceResource};

    fn refresh(key: &str, store: Option<&str>) -> AuthSpec {
        AuthSpec::OAuth2RefreshToken {
            access_token_url: "https://crm.example.com/oauth/token".into(),
            client_id: crate::MaybeSecret::Plain("app".into()),
            client_secret: None,
            refresh_token: SecretRef(key.into()),
            scope: None,
            client_auth: ClientAuth::Body,
            default_token_expiration: None,
            token_store: store.map(str::to_owned),
            token_body: None,
            access_token_path: None,
            expires_in_path: None,
            expires_at_path: None,
            refresh_token_path: None,
        }
    }

    fn with_auths(source: AuthSpec, resources: &[(&str, AuthSpec)]) -> SourceSpec {
        resources.iter().fold(
            SourceSpec::new("crm", "https://crm.example.com/api").auth(source),
            |spec, (name, auth)| {
                spec.resource(
                    SourceResource::new(ResourceSpec::new(*name, *name)).auth(auth.clone()),
                )
            },
        )
    }

    #[test]
    fn two_refresh_token_auths_in_one_store_are_refused_at_the_later() {
        let spec = with_auths(
            refresh("rt_a", Some("tokens.json")),
            &[
                // The same auth again: one strategy, one store.
                ("same", refresh("rt_a", Some("tokens.json"))),
                ("other", refresh("rt_b", Some("tokens.json"))),
                ("own", refresh("rt_c", Some("own.json"))),
                ("memory", refresh("rt_d", None)),
            ],
        );
        let problems = crate::validate(&spec);
        let found: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.path.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [(
                "resources.other.auth.token_store",
                "`token_store` `tokens.json` is also where the source's auth keeps its refresh \
                 token; two refresh tokens rotating in one store overwrite each other"
            )]
        );
    }

    #[test]
    fn a_clash_between_resources_names_the_first_resource() {
        let spec = with_auths(
            AuthSpec::None,
            &[
                ("a", refresh("rt_a", Some("t.json"))),
                ("b", refresh("rt_b", Some("t.json"))),
            ],
        );
        let problems = crate::validate(&spec);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].message.contains("the auth of resource `a`"),
            "{}",
            problems[0].message
        );
    }
}
