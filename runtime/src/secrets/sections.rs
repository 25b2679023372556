//! The dlt section layout: which section paths a key is looked up under, most specific first,
//! and how one path is spelled as an environment variable and as a TOML location.

/// The top-level section dlt puts every source's configuration under.
const SOURCES: &str = "sources";

/// The section levels for a source, most specific first, ending with the top level.
///
/// Source `crm` gives `sources.crm`, `sources`, top level; with module `rest_api` it gives
/// `sources.rest_api.crm`, `sources.rest_api`, `sources.crm`, `sources`, top level — dlt's
/// rule (`_build_section_lookup_paths` in `dlt/common/configuration/resolve.py`): start at the
/// full path and drop the right-most section until none is left, and insert the "compact"
/// path `sources.<name>` after `sources.<module>` when module and name differ. A dotted name is
/// a path, so source `rest_api.crm` is the same as module `rest_api` with source `crm`.
pub(crate) fn levels(module: Option<&str>, source: &str) -> Vec<Vec<String>> {
    let mut full = vec![SOURCES.to_owned()];
    for name in module.into_iter().chain([source]) {
        full.extend(
            name.split('.')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(str::to_owned),
        );
    }
    let mut levels: Vec<Vec<String>> = (0..=full.len()).rev().map(|n| full[..n].to_vec()).collect();
    // dlt's compact layout: `sources.<name>` as a shortcut for `sources.<module>.<name>`.
    if full.len() >= 3 && full[1] != full[2] {
        let compact = vec![full[0].clone(), full[2].clone()];
        if !levels.contains(&compact) {
            levels.insert(2, compact);
        }
    }
    levels
}

/// Splits a key into its dotted parts (`credentials.client_id` → `credentials`, `client_id`).
/// `None` when the key or one of its parts is empty.
pub(crate) fn key_parts(key: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = key.split('.').map(str::trim).collect();
    if parts.iter().any(|p| p.is_empty()) {
        None
    } else {
        Some(parts)
    }
}

/// The environment variable for `key` under `level`: everything joined with `__`, upper-case
/// (`SOURCES__CRM__CLIENT_ID`), as dlt's environment provider spells it.
pub(crate) fn env_name(level: &[String], key: &[&str]) -> String {
    level
        .iter()
        .map(String::as_str)
        .chain(key.iter().copied())
        .collect::<Vec<_>>()
        .join("__")
        .to_uppercase()
}

/// The full TOML path of `key` under `level` (`sources`, `crm`, `client_id`).
pub(crate) fn toml_path<'a>(level: &'a [String], key: &[&'a str]) -> Vec<&'a str> {
    level
        .iter()
        .map(String::as_str)
        .chain(key.iter().copied())
        .collect()
}

/// Where `key` under `level` sits in a TOML file, split the way a user edits it: the table
/// header (`sources.crm`, empty for the top level) and the leaf key (`client_id`).
pub(crate) fn toml_table_and_leaf(level: &[String], key: &[&str]) -> (String, String) {
    let path = toml_path(level, key);
    let (leaf, table) = path.split_last().expect("a key has at least one part");
    let table = table
        .iter()
        .map(|p| toml_key(p))
        .collect::<Vec<_>>()
        .join(".");
    (table, toml_key(leaf))
}

/// `[sources.crm] client_id`, or `client_id (top level)`: one place in a TOML file, for traces.
pub(crate) fn toml_location(level: &[String], key: &[&str]) -> String {
    match toml_table_and_leaf(level, key) {
        (table, leaf) if table.is_empty() => format!("{leaf} (top level)"),
        (table, leaf) => format!("[{table}] {leaf}"),
    }
}

/// A key as written in TOML: bare when it can be, quoted otherwise.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_owned()
    } else {
        format!("{key:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(levels: &[&[&str]]) -> Vec<Vec<String>> {
        levels
            .iter()
            .map(|l| l.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn source_levels_go_from_most_to_least_specific() {
        assert_eq!(
            levels(None, "crm"),
            owned(&[&["sources", "crm"], &["sources"], &[]])
        );
    }

    #[test]
    fn module_adds_a_middle_level() {
        assert_eq!(
            levels(Some("rest_api"), "crm"),
            owned(&[
                &["sources", "rest_api", "crm"],
                &["sources", "rest_api"],
                &["sources", "crm"],
                &["sources"],
                &[]
            ])
        );
    }

    #[test]
    fn the_compact_level_is_left_out_when_module_and_name_agree() {
        // dlt's unnamed REST API source: section `rest_api`, name `rest_api`.
        assert_eq!(
            levels(Some("rest_api"), "rest_api"),
            owned(&[
                &["sources", "rest_api", "rest_api"],
                &["sources", "rest_api"],
                &["sources"],
                &[]
            ])
        );
    }

    #[test]
    fn a_dotted_source_name_is_a_module_path() {
        assert_eq!(
            levels(None, "rest_api.crm"),
            levels(Some("rest_api"), "crm")
        );
        assert_eq!(levels(None, ""), owned(&[&["sources"], &[]]));
    }

    #[test]
    fn env_names_join_sections_with_double_underscores_in_upper_case() {
        let level = owned(&[&["sources", "crm"]]).remove(0);
        assert_eq!(
            env_name(&level, &["credentials", "client_id"]),
            "SOURCES__CRM__CREDENTIALS__CLIENT_ID"
        );
        assert_eq!(env_name(&[], &["client_id"]), "CLIENT_ID");
    }

    #[test]
    fn toml_locations_name_the_table_and_the_leaf() {
        let level = owned(&[&["sources", "crm"]]).remove(0);
        assert_eq!(
            toml_location(&level, &["credentials", "client_id"]),
            "[sources.crm.credentials] client_id"
        );
        assert_eq!(toml_location(&[], &["client_id"]), "client_id (top level)");
        assert_eq!(toml_location(&[], &["my key"]), "\"my key\" (top level)");
    }

    #[test]
    fn empty_key_parts_are_rejected() {
        assert_eq!(key_parts("a.b"), Some(vec!["a", "b"]));
        assert_eq!(key_parts(""), None);
        assert_eq!(key_parts("a..b"), None);
    }
}
