//! `/api/v1/*`: the resources, one pagination shape each.

use std::cell::Cell;
use std::ops::Range;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, LINK};
use hyper::{Method, Request, StatusCode};
use serde::Serialize;
use serde::ser::Serializer;

use super::auth;
use super::query::{Query, encode};
use crate::builder::Collection;
use crate::faults::Fault;
use crate::records::{self, Contact, Event, Note, Order, Report, Ticket, User};
use crate::respond::{self, Resp};
use crate::server::State;
use crate::stats::Endpoint;
use crate::timestamp::Timestamp;

/// Records `ids`, each rendered by `F` while the response is written (nothing is collected).
struct Records<F>(Range<u64>, F);

impl<F: Fn(u64) -> R, R: Serialize> Serialize for Records<F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone().map(&self.1))
    }
}

/// The ids `[start, start + size)` clipped to a collection of `total` (ids start at 1).
fn window(start: u64, size: u64, total: u64) -> Range<u64> {
    let start = start.max(1);
    let end = start.saturating_add(size).min(total + 1);
    start..end.max(start)
}

fn route(path: &str) -> Option<(Endpoint, Option<u64>)> {
    Some(match path {
        "contacts" => (Endpoint::Contacts, None),
        "reports" => (Endpoint::Reports, None),
        "events" => (Endpoint::Events, None),
        "tickets" => (Endpoint::Tickets, None),
        "orders" => (Endpoint::Orders, None),
        "users" => (Endpoint::Users, None),
        "me" => (Endpoint::Me, None),
        "status" => (Endpoint::Status, None),
        _ => {
            let id = path.strip_prefix("contacts/")?.strip_suffix("/notes")?;
            (Endpoint::Notes, Some(id.parse().ok()?))
        }
    })
}

pub(super) async fn handle(state: &State, path: &str, req: Request<Incoming>) -> Resp {
    let Some((endpoint, id)) = route(path) else {
        state.stats.not_found();
        return respond::not_found(&format!(
            "no endpoint `/api/v1/{path}`; expected one of `contacts`, `contacts/{{id}}/notes`, \
             `reports`, `events`, `tickets`, `orders`, `users`, `me`, `status`"
        ));
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return respond::method_not_allowed("GET");
    }
    state.stats.api_request(endpoint);

    let (fault, latency) = state.faults.next();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Fault::None => {}
        Fault::RateLimited { retry_after_secs } => {
            state.stats.rate_limited();
            return respond::rate_limited(retry_after_secs);
        }
        Fault::Unavailable { retry_after_secs } => {
            state.stats.unavailable();
            return respond::unavailable(retry_after_secs);
        }
    }

    let query = Query::new(req.uri().query());
    let headers = req.headers();
    let granted = match endpoint {
        Endpoint::Status => None,
        Endpoint::Reports => match auth::api_key(state, headers, &query) {
            Ok(()) => None,
            Err(resp) => return resp,
        },
        _ => match auth::bearer(state, headers) {
            Ok(granted) => Some(granted),
            Err(resp) => return resp,
        },
    };

    // A collection's page, from memory when it was rendered before.
    let memo = match endpoint {
        Endpoint::Contacts
        | Endpoint::Notes
        | Endpoint::Events
        | Endpoint::Tickets
        | Endpoint::Orders
        | Endpoint::Users => state.pages.as_ref(),
        _ => None,
    }
    .map(|pages| (pages, req.uri().to_string()));
    if let Some((pages, key)) = &memo
        && let Some(page) = pages.get(key)
    {
        state.stats.records(page.records());
        state.stats.page_from_memory();
        return page.response();
    }

    let api = Api {
        state,
        query,
        served: Cell::new(0),
    };
    let result = match endpoint {
        Endpoint::Contacts => api.contacts(),
        Endpoint::Notes => api.notes(id.unwrap_or(0)),
        Endpoint::Reports => Ok(api.reports()),
        Endpoint::Events => api.events(),
        Endpoint::Tickets => api.tickets(),
        Endpoint::Orders => api.orders(),
        Endpoint::Users => api.users(),
        Endpoint::Me => Ok(respond::json(
            StatusCode::OK,
            &serde_json::json!({
                "client_id": state.client_id,
                "scope": granted.as_ref().and_then(|g| g.scope.as_deref()),
                "token_expires_in": granted.as_ref().map(|g| g.expires_in.as_secs()),
            }),
        )),
        Endpoint::Status => Ok(respond::json(
            StatusCode::OK,
            &serde_json::json!({
                "status": "ok",
                "service": "rest-source demo API",
                "version": env!("CARGO_PKG_VERSION"),
            }),
        )),
    };
    let resp = result.unwrap_or_else(|error| error);
    match memo {
        Some((pages, key)) => pages.keep(key, resp, api.served.get()).await,
        None => resp,
    }
}

// The page shapes, as structs rather than `json!` so records stream straight into the
// response buffer (a `json!` value would build every record as a tree first).

#[derive(Serialize)]
struct Paging {
    next: Option<String>,
}

#[derive(Serialize)]
struct JsonLinkPage<R> {
    results: R,
    paging: Paging,
}

/// The same page with the link before the records (`?paging=first`): a client can find it
/// from the first bytes of the body.
#[derive(Serialize)]
struct JsonLinkFirstPage<R> {
    paging: Paging,
    results: R,
}

#[derive(Serialize)]
struct DataPage<R> {
    data: R,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_pages: Option<u64>,
}

#[derive(Serialize)]
struct OffsetPage<R> {
    items: R,
    total: u64,
    offset: u64,
    limit: u64,
}

#[derive(Serialize)]
struct CursorPage<R> {
    orders: R,
    next_cursor: Option<String>,
    has_more: bool,
}

struct Api<'a> {
    state: &'a State,
    query: Query<'a>,
    /// Records this response served (kept with a page served from memory).
    served: Cell<u64>,
}

fn encode_cursor(kind: &str, next_id: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{next_id}"))
}

/// The id an opaque cursor points at, or a 400 naming the problem.
fn decode_cursor(kind: &str, cursor: &str) -> Result<u64, Resp> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.strip_prefix(kind)?.strip_prefix(':')?.parse().ok())
        .filter(|&id| id >= 1)
        .ok_or_else(|| {
            respond::error(
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                &format!(
                    "`cursor` `{cursor}` is not one this endpoint returned; pass the cursor \
                     from the previous page unchanged"
                ),
            )
        })
}

impl Api<'_> {
    fn total(&self, c: Collection) -> u64 {
        self.state.sizes.get(c)
    }

    fn served(&self, ids: &Range<u64>) {
        self.served.set(self.served.get() + (ids.end - ids.start));
        self.state.stats.records(ids.end - ids.start);
    }

    /// `{"results":[…],"paging":{"next":<absolute url>|null}}` with an opaque cursor.
    fn contacts(&self) -> Result<Resp, Resp> {
        let limit = self.query.page_size("limit")?;
        let since = match self.query.get("updated_since") {
            None => None,
            Some(raw) => Some(Timestamp::parse(&raw).ok_or_else(|| {
                respond::bad_parameter(&format!(
                    "`updated_since` must be an ISO 8601 date-time such as \
                     `2024-01-01T00:00:00Z`, got `{raw}`"
                ))
            })?),
        };
        let start = match self.query.get("cursor") {
            Some(cursor) => decode_cursor("contacts", &cursor)?,
            None => since.map_or(1, records::first_contact_updated_since),
        };
        let link_first = match self.query.get("paging").as_deref() {
            None | Some("last") => false,
            Some("first") => true,
            Some(other) => {
                return Err(respond::bad_parameter(&format!(
                    "`paging` must be `first` (the link before the records) or `last` (the \
                     default), got `{other}`"
                )));
            }
        };
        let ids = window(start, limit, self.total(Collection::Contacts));
        let next = (ids.end <= self.total(Collection::Contacts)).then(|| {
            let mut url = format!(
                "{}/api/v1/contacts?limit={limit}&cursor={}",
                self.state.origin,
                encode_cursor("contacts", ids.end)
            );
            if let Some(since) = self.query.get("updated_since") {
                url.push_str("&updated_since=");
                url.push_str(&encode(&since));
            }
            if link_first {
                url.push_str("&paging=first");
            }
            url
        });
        self.served(&ids);
        let results = Records(ids, Contact);
        let paging = Paging { next };
        Ok(if link_first {
            respond::json(StatusCode::OK, &JsonLinkFirstPage { paging, results })
        } else {
            respond::json(StatusCode::OK, &JsonLinkPage { results, paging })
        })
    }

    /// A contact's notes, in the same shape as contacts (one page, `next` null).
    fn notes(&self, contact_id: u64) -> Result<Resp, Resp> {
        if !(1..=self.total(Collection::Contacts)).contains(&contact_id) {
            self.state.stats.not_found();
            return Err(respond::not_found(&format!(
                "no contact with id `{contact_id}`"
            )));
        }
        let ks = 1..records::note_count(contact_id) + 1;
        self.served(&ks);
        Ok(respond::json(
            StatusCode::OK,
            &JsonLinkPage {
                results: Records(ks, |k| Note { contact_id, k }),
                paging: Paging { next: None },
            },
        ))
    }

    /// `{"data":[…]}`, one page.
    fn reports(&self) -> Resp {
        let ids = window(1, u64::MAX, self.total(Collection::Reports));
        self.served(&ids);
        respond::json(
            StatusCode::OK,
            &DataPage {
                data: Records(ids, Report),
                page: None,
                total_pages: None,
            },
        )
    }

    /// `?offset=&limit=` → `{"items":[…],"total":N,"offset":o,"limit":l}` (offset 0-based).
    fn events(&self) -> Result<Resp, Resp> {
        let limit = self.query.page_size("limit")?;
        let offset = self.query.number("offset", 0, 0)?;
        let total = self.total(Collection::Events);
        let ids = window(offset.saturating_add(1), limit, total);
        self.served(&ids);
        Ok(respond::json(
            StatusCode::OK,
            &OffsetPage {
                items: Records(ids, Event),
                total,
                offset,
                limit,
            },
        ))
    }

    /// `?page=&per_page=` (1-based) → `{"data":[…],"page":p,"total_pages":N}`.
    fn tickets(&self) -> Result<Resp, Resp> {
        let per_page = self.query.page_size("per_page")?;
        let page = self.query.number("page", 1, 1)?;
        let total = self.total(Collection::Tickets);
        let ids = window(
            (page - 1).saturating_mul(per_page).saturating_add(1),
            per_page,
            total,
        );
        self.served(&ids);
        Ok(respond::json(
            StatusCode::OK,
            &DataPage {
                data: Records(ids, Ticket),
                page: Some(page),
                total_pages: Some(total.div_ceil(per_page)),
            },
        ))
    }

    /// `?cursor=&limit=` → `{"orders":[…],"next_cursor":"…"|null,"has_more":bool}`.
    fn orders(&self) -> Result<Resp, Resp> {
        let limit = self.query.page_size("limit")?;
        let start = match self.query.get("cursor") {
            Some(cursor) if !cursor.is_empty() => decode_cursor("orders", &cursor)?,
            _ => 1,
        };
        let total = self.total(Collection::Orders);
        let ids = window(start, limit, total);
        let has_more = ids.end <= total;
        let next_cursor = has_more.then(|| encode_cursor("orders", ids.end));
        self.served(&ids);
        Ok(respond::json(
            StatusCode::OK,
            &CursorPage {
                orders: Records(ids, Order),
                next_cursor,
                has_more,
            },
        ))
    }

    /// `?page=&per_page=` → a top-level array, with RFC 8288 `Link` `next`/`prev`/`first`/`last`.
    fn users(&self) -> Result<Resp, Resp> {
        let per_page = self.query.page_size("per_page")?;
        let page = self.query.number("page", 1, 1)?;
        let total = self.total(Collection::Users);
        let ids = window(
            (page - 1).saturating_mul(per_page).saturating_add(1),
            per_page,
            total,
        );
        let last = total.div_ceil(per_page).max(1);
        let link = |p: u64, rel: &str| {
            format!(
                "<{}/api/v1/users?page={p}&per_page={per_page}>; rel=\"{rel}\"",
                self.state.origin
            )
        };
        let mut links = Vec::with_capacity(4);
        if page < last {
            links.push(link(page + 1, "next"));
        }
        if page > 1 {
            links.push(link((page - 1).min(last), "prev"));
        }
        links.push(link(1, "first"));
        links.push(link(last, "last"));
        self.served(&ids);
        let mut resp = respond::json(StatusCode::OK, &Records(ids, User));
        if let Ok(value) = HeaderValue::from_str(&links.join(", ")) {
            resp.headers_mut().insert(LINK, value);
        }
        Ok(resp)
    }
}
