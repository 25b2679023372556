//! `check`'s per-resource lines: which paginator and data selector each resource will use.

use rest_source::Resource;
use rest_source::spec::PaginatorSpec;
use serde_json::Value;

/// `` resource `contacts`: paginator `json_link` (next_url_path = "paging.next"), data selector `results` ``.
pub fn describe(resource: &Resource<Value>) -> String {
    let endpoint = &resource.spec().endpoint;
    let paginator = match &endpoint.paginator {
        None | Some(PaginatorSpec::Auto) => "`auto` (detected on the first page)".to_owned(),
        Some(given) => paginator(given),
    };
    let selector = match &endpoint.data_selector {
        Some(path) => format!("data selector `{path}`"),
        None => "data selector detected on the first page".to_owned(),
    };
    format!(
        "resource `{}`: paginator {paginator}, {selector}",
        resource.name()
    )
}

/// `` `offset` (limit = 100, total_path = "total") ``: the type and the options given.
fn paginator(spec: &PaginatorSpec) -> String {
    let name = format!("`{}`", spec.type_name());
    let Ok(Value::Object(fields)) = serde_json::to_value(spec) else {
        return name;
    };
    let options: Vec<String> = fields
        .iter()
        .filter(|(k, v)| k.as_str() != "type" && !v.is_null())
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    if options.is_empty() {
        name
    } else {
        format!("{name} ({})", options.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rest_source::RestClient;
    use rest_source::spec::{OffsetPaginator, ResourceSpec};

    fn resource(spec: ResourceSpec) -> Resource<Value> {
        let client = RestClient::builder("http://127.0.0.1:9/api")
            .build()
            .unwrap();
        Resource::new(client, spec).unwrap()
    }

    #[test]
    fn says_what_is_given_and_what_is_detected() {
        let given = resource(
            ResourceSpec::new("events", "events")
                .data_selector("items")
                .paginator(OffsetPaginator::new(100).total_path("total")),
        );
        let line = describe(&given);
        assert!(
            line.starts_with("resource `events`: paginator `offset` (limit = 100, "),
            "{line}"
        );
        assert!(line.contains("total_path = \"total\""), "{line}");
        assert!(line.ends_with(", data selector `items`"), "{line}");
        assert_eq!(
            describe(&resource(ResourceSpec::new("users", "users"))),
            "resource `users`: paginator `auto` (detected on the first page), data selector detected on the first page"
        );
    }
}
