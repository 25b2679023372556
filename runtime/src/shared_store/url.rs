//! Stores from a location: a path, or a URL (`file://`, `s3://`, `gs://`, `az://`,
//! `memory://`).

use std::path::PathBuf;
use std::sync::Arc;

use super::{MemoryStore, SharedTokenStore, VersionedStore};
use crate::auth::token::store::{FileTokenStore, TokenStore};
use crate::{Error, Result};

pub(crate) enum Location {
    File(PathBuf),
    Shared {
        backend: Arc<dyn VersionedStore>,
        key: String,
    },
}

/// The versioned store and the object key that `url` names (`s3://bucket/key`,
/// `gs://bucket/key`, `az://container/key`, `memory://name/key`). Credentials come from the
/// environment as `object_store` reads it (`AmazonS3Builder::from_env`, …): never from the
/// URL.
pub fn versioned_store_at(url: &str) -> Result<(Arc<dyn VersionedStore>, String)> {
    match parse(url, "store")? {
        Location::Shared { backend, key } => Ok((backend, key)),
        Location::File(_) => Err(Error::Config(format!(
            "`{url}` is a file location, not a versioned store; use `s3://…`, `gs://…`, \
             `az://…` or `memory://…`"
        ))),
    }
}

/// The token store at `location`, as the macro's and the config's `token_store = "…"` name
/// it: a path or `file:///path` ([`FileTokenStore`]), or `s3://bucket/key`, `gs://…`,
/// `az://…`, `memory://name/key` ([`SharedTokenStore`], with its lease protocol).
///
/// ```
/// use rest_source_runtime::shared_store::token_store_at;
/// let file = token_store_at("tokens/crm.json").unwrap();
/// assert_eq!(file.describe(), "the token store file `tokens/crm.json`");
/// let shared = token_store_at("memory://tests/crm.json").unwrap();
/// assert_eq!(shared.describe(), "the token store `memory://tests/crm.json`");
/// ```
pub fn token_store_at(location: &str) -> Result<Arc<dyn TokenStore>> {
    Ok(match parse(location, "token")? {
        Location::File(path) => Arc::new(FileTokenStore::new(path)),
        Location::Shared { backend, key } => Arc::new(SharedTokenStore::build(
            backend,
            key,
            format!("the token store `{location}`"),
        )),
    })
}

/// Splits a location into a file path or a shared backend and key. `what` names the kind
/// of store in errors.
pub(crate) fn parse(location: &str, what: &str) -> Result<Location> {
    let Some((scheme, _)) = location.split_once("://") else {
        if location.trim().is_empty() {
            return Err(Error::Config(format!(
                "the {what} store location is empty; give a file path or a URL such as \
                 `s3://bucket/prefix/{what}.json`"
            )));
        }
        return Ok(Location::File(PathBuf::from(location)));
    };
    let url = url::Url::parse(location).map_err(|e| {
        Error::Config(format!(
            "the {what} store `{location}` is not a valid URL ({e}); use a file path, \
             `file:///path`, `s3://bucket/key`, `gs://bucket/key`, `az://container/key` or \
             `memory://name/key`"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the location: it carries a credential.
        return Err(Error::Config(format!(
            "the {what} store URL (scheme `{scheme}`) carries credentials; remove them and \
             set them in the environment instead (`AWS_ACCESS_KEY_ID`, \
             `GOOGLE_SERVICE_ACCOUNT`, `AZURE_STORAGE_ACCOUNT_KEY`, …)"
        )));
    }
    let key = url.path().trim_start_matches('/').to_owned();
    let need_key = |key: &str| {
        if key.is_empty() || key.ends_with('/') {
            Err(Error::Config(format!(
                "the {what} store `{location}` names no object; add its key, e.g. \
                 `{scheme}://{}/prefix/{what}.json`",
                url.host_str().unwrap_or("bucket")
            )))
        } else {
            Ok(())
        }
    };
    match scheme.to_ascii_lowercase().as_str() {
        "file" => {
            let path = url.to_file_path().map_err(|()| {
                Error::Config(format!(
                    "the {what} store `{location}` is not an absolute file URL; use \
                     `file:///absolute/path` or a plain path"
                ))
            })?;
            Ok(Location::File(path))
        }
        "memory" => {
            need_key(&key)?;
            let name = url.host_str().unwrap_or_default();
            Ok(Location::Shared {
                backend: Arc::new(MemoryStore::named(name)),
                key,
            })
        }
        "s3" | "s3a" | "gs" | "az" | "azure" | "abfs" | "abfss" => {
            need_key(&key)?;
            Ok(Location::Shared {
                backend: cloud(scheme, &url, location)?,
                key,
            })
        }
        _ => Err(Error::Config(format!(
            "the {what} store `{location}` has the unknown scheme `{scheme}`; use a file path, \
             `file://`, `s3://`, `gs://`, `az://` or `memory://`"
        ))),
    }
}

/// The object store behind a cloud URL, configured from the environment.
#[allow(unused_variables)]
fn cloud(scheme: &str, url: &url::Url, location: &str) -> Result<Arc<dyn VersionedStore>> {
    let (feature, provider) = match scheme {
        "s3" | "s3a" => ("object-store", "S3"),
        "gs" => ("object-store-gcp", "Google Cloud Storage"),
        _ => ("object-store-azure", "Azure Blob Storage"),
    };
    let missing = || {
        Error::Config(format!(
            "`{location}` is in {provider}, which this build does not include; rebuild with \
             the cargo feature `{feature}` (of `rest-source` or `rest-source-runtime`)"
        ))
    };
    #[cfg(feature = "object-store")]
    {
        // Objects are reached over HTTPS through reqwest + rustls.
        crate::tls::install_crypto_provider();
        let bucket = format!("{scheme}://{}", url.host_str().unwrap_or_default());
        let built = |e: object_store::Error| {
            Error::Config(format!(
                "could not set up the object store `{bucket}` for `{location}`: {e}; check \
                 its settings in the environment"
            ))
        };
        let store: Arc<dyn object_store::ObjectStore> = match scheme {
            "s3" | "s3a" => Arc::new(
                object_store::aws::AmazonS3Builder::from_env()
                    .with_url(url.as_str())
                    .build()
                    .map_err(built)?,
            ),
            #[cfg(feature = "object-store-gcp")]
            "gs" => Arc::new(
                object_store::gcp::GoogleCloudStorageBuilder::from_env()
                    .with_url(url.as_str())
                    .build()
                    .map_err(built)?,
            ),
            #[cfg(feature = "object-store-azure")]
            "az" | "azure" | "abfs" | "abfss" => Arc::new(
                object_store::azure::MicrosoftAzureBuilder::from_env()
                    .with_url(url.as_str())
                    .build()
                    .map_err(built)?,
            ),
            _ => return Err(missing()),
        };
        Ok(Arc::new(super::ObjectStoreBackend::new(store, bucket)))
    }
    #[cfg(not(feature = "object-store"))]
    Err(missing())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(location: &str) -> String {
        match token_store_at(location) {
            Ok(_) => panic!("`{location}` was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn locations_open_the_right_store() {
        assert_eq!(
            token_store_at("dir/t.json").unwrap().describe(),
            "the token store file `dir/t.json`"
        );
        assert_eq!(
            token_store_at("file:///var/lib/t.json").unwrap().describe(),
            "the token store file `/var/lib/t.json`"
        );
        assert_eq!(
            token_store_at("memory://a/b.json").unwrap().describe(),
            "the token store `memory://a/b.json`"
        );
    }

    #[test]
    fn bad_locations_say_what_to_fix() {
        assert!(err("ftp://host/x").contains("unknown scheme `ftp`"));
        assert!(err("memory://a").contains("names no object; add its key"));
        assert!(err("s3://bucket/").contains("names no object"));
        assert!(err("").contains("location is empty"));
        let creds = err("s3://AKIA:hunter2@bucket/t.json");
        assert!(creds.contains("carries credentials"), "{creds}");
        assert!(
            !creds.contains("hunter2") && !creds.contains("AKIA"),
            "{creds}"
        );
    }

    #[cfg(not(feature = "object-store"))]
    #[test]
    fn an_s3_url_without_the_feature_says_which_feature_to_build_with() {
        assert!(err("s3://bucket/t.json").contains("cargo feature `object-store`"));
    }

    #[cfg(all(feature = "object-store", not(feature = "object-store-gcp")))]
    #[test]
    fn a_gcs_url_without_its_feature_says_which_feature_to_build_with() {
        assert!(err("gs://bucket/t.json").contains("cargo feature `object-store-gcp`"));
    }
}
