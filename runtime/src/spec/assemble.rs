//! [`assemble`]: the one step from a [`SourceSpec`] and its secret values to runnable
//! resources — one HTTP client, one strategy per distinct auth (equal auths, compared by
//! value, share one token cache), resources linked to their parents, and the probes
//! `check()` runs. The config loader and the `#[rest_source]` expansion both call it.

use std::fmt;

use serde_json::Value;

use super::auth::{BuildAuth, SecretValues, maybe_secret_value};
use super::{AuthSpec, CustomAuthSpec, MaybeSecret, SourceSpec};
use crate::auth::{SharedAuth, shared};
use crate::{Error, NoAuth, Resource, RestClient, RestClientBuilder, Result};

type Configure<'a> = Box<dyn FnOnce(RestClientBuilder) -> RestClientBuilder + 'a>;
type BuildCustom<'a> = Box<dyn Fn(&CustomAuthSpec, &SecretValues) -> Result<SharedAuth> + 'a>;

/// What [`assemble`] needs besides the spec: client adjustments and, for `custom(…)` auths
/// (code, not data), how to build them.
#[derive(Default)]
pub struct AssemblyOptions<'a> {
    configure: Option<Configure<'a>>,
    custom: Option<BuildCustom<'a>>,
}

impl fmt::Debug for AssemblyOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssemblyOptions")
            .field("configure", &self.configure.is_some())
            .field("custom", &self.custom.is_some())
            .finish()
    }
}

impl<'a> AssemblyOptions<'a> {
    /// No adjustments, no custom auths.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adjusts the HTTP client (timeouts, retries, user agent) before it is built.
    pub fn configure(
        mut self,
        f: impl FnOnce(RestClientBuilder) -> RestClientBuilder + 'a,
    ) -> Self {
        self.configure = Some(Box::new(f));
        self
    }

    /// Builds [`AuthSpec::Custom`] strategies; called once per distinct custom auth with its
    /// arguments' values under the arguments' names.
    pub fn custom(
        mut self,
        f: impl Fn(&CustomAuthSpec, &SecretValues) -> Result<SharedAuth> + 'a,
    ) -> Self {
        self.custom = Some(Box::new(f));
        self
    }
}

/// One request `check()` makes: one per distinct auth, through a resource that uses it (a
/// resource without a parent where there is one, so the request carries that auth alone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// The auth's `type` (`bearer`, `oauth2_client_credentials`, …; `none` without auth).
    pub auth: &'static str,
    /// The index of the resource requested; `None` for a source without resources, whose
    /// base URL is requested.
    pub resource: Option<usize>,
}

/// A [`SourceSpec`] made runnable by [`assemble`].
#[derive(Clone, Debug)]
pub struct Assembled {
    /// The client with the source's own auth (what a source without resources probes).
    pub client: RestClient,
    /// Every resource, in spec order.
    pub resources: Vec<Resource<Value>>,
    /// One probe per distinct auth, in order of first use.
    pub probes: Vec<Probe>,
}

/// Distinct auths, compared as specs: equal specs share one strategy (one token cache).
struct Auths<'s, 'o> {
    secrets: &'s SecretValues,
    custom: Option<&'o BuildCustom<'o>>,
    built: Vec<(AuthSpec, SharedAuth)>,
}

impl Auths<'_, '_> {
    fn index(&mut self, spec: &AuthSpec) -> Result<usize> {
        if let Some(i) = self.built.iter().position(|(s, _)| s == spec) {
            return Ok(i);
        }
        let auth = match spec {
            AuthSpec::None => shared(NoAuth),
            AuthSpec::Custom(custom) => self.custom_auth(custom)?,
            other => other.build(self.secrets)?,
        };
        self.built.push((spec.clone(), auth));
        Ok(self.built.len() - 1)
    }

    fn custom_auth(&self, custom: &CustomAuthSpec) -> Result<SharedAuth> {
        let Some(build) = self.custom else {
            return Err(Error::Config(format!(
                "custom auth `{}` is code: build the source through its `#[rest_source]` struct",
                custom.type_name
            )));
        };
        let mut values = SecretValues::new(self.secrets.source().unwrap_or_default());
        for (name, value) in &custom.args {
            values.insert(name.clone(), maybe_secret_value(value, self.secrets)?);
        }
        build(custom, &values)
    }
}

/// The rules both front ends check (`rest_source_spec::validate`), for a source built by
/// hand: each front end has reported them already, at a span or a `file:line:col`, so for
/// their sources this finds nothing. Every problem is listed, each with its path into the
/// source, its message and its fix, in the front ends' words.
fn shared_rules(spec: &SourceSpec) -> Result<()> {
    let problems = rest_source_spec::validate(spec);
    if problems.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = problems
        .iter()
        .map(|p| {
            let fix = p.fix.as_ref().map(|f| {
                f.render(
                    |key| format!("reference the secret `{key}` (`MaybeSecret::Secret`) instead of writing the value"),
                    |name| format!("define `{name}` in the source's `params`"),
                )
            });
            match fix {
                Some(fix) => format!("{}: {}; {fix}", p.path, p.message),
                None => format!("{}: {}", p.path, p.message),
            }
        })
        .collect();
    Err(Error::Config(format!(
        "source `{}` breaks {} rule{}:\n  {}",
        spec.name,
        lines.len(),
        if lines.len() == 1 { "" } else { "s" },
        lines.join("\n  ")
    )))
}

/// Builds `spec` with `secrets`: every resource of the spec, clients sharing one strategy
/// per distinct auth, children linked to their parents, and the probes of `check()`.
///
/// ```
/// use rest_source_runtime::spec::{
///     AssemblyOptions, AuthSpec, ResourceSpec, SecretRef, SecretValues, SourceResource,
///     SourceSpec, assemble,
/// };
/// use rest_source_runtime::Secret;
///
/// let bearer = AuthSpec::Bearer { token: SecretRef("token".into()) };
/// let spec = SourceSpec::new("crm", "https://crm.example.com/api/v1")
///     .auth(bearer.clone())
///     .resource(ResourceSpec::new("contacts", "contacts"))
///     .resource(SourceResource::new(ResourceSpec::new("reports", "reports")).auth(bearer));
/// let secrets = SecretValues::new("crm").with("token", Secret::new("t"));
/// let source = assemble(&spec, &secrets, AssemblyOptions::new())?;
/// assert_eq!(source.resources.len(), 2);
/// assert_eq!(source.probes.len(), 1, "equal auths are one strategy, probed once");
/// # Ok::<(), rest_source_runtime::Error>(())
/// ```
pub fn assemble(
    spec: &SourceSpec,
    secrets: &SecretValues,
    options: AssemblyOptions<'_>,
) -> Result<Assembled> {
    let AssemblyOptions { configure, custom } = options;
    shared_rules(spec)?;
    let mut builder = RestClient::builder(&spec.base_url);
    for (name, value) in &spec.headers {
        builder = match value {
            MaybeSecret::Plain(v) => builder.header(name, v),
            MaybeSecret::Secret { secret } => {
                builder.secret_header(name, secrets.get(secret)?.clone())
            }
        };
    }
    builder = transport(builder, &spec.transport, secrets)?;
    if let Some(configure) = configure {
        builder = configure(builder);
    }
    let base = builder.build()?;

    let mut auths = Auths {
        secrets,
        custom: custom.as_ref(),
        built: Vec::new(),
    };
    let source_auth = auths.index(spec.auth.as_ref().unwrap_or(&AuthSpec::None))?;
    let resource_auth = spec
        .resources
        .iter()
        .map(|r| auths.index(r.effective_auth(spec)))
        .collect::<Result<Vec<usize>>>()?;
    let clients: Vec<RestClient> = auths
        .built
        .iter()
        .map(|(_, auth)| base.with_auth(auth.clone()))
        .collect();
    let resources = (0..spec.resources.len())
        .map(|i| build_resource(spec, i, &resource_auth, &clients, secrets, 0))
        .collect::<Result<Vec<_>>>()?;
    let probes = probes(spec, &auths.built, &resource_auth);
    Ok(Assembled {
        client: clients[source_auth].clone(),
        resources,
        probes,
    })
}

/// The source's [`super::TransportSpec`] as the builder options code would call: root
/// certificates, a client certificate, a proxy (its URL from the secrets when it holds a
/// password) and its exceptions.
fn transport(
    mut builder: RestClientBuilder,
    transport: &super::TransportSpec,
    secrets: &SecretValues,
) -> Result<RestClientBuilder> {
    for path in &transport.root_certificates {
        builder = builder.root_certificates_pem(path);
    }
    if let Some(cert) = &transport.client_certificate {
        builder = builder.client_certificate_pem(&cert.certificate, &cert.key);
    }
    if let Some(proxy) = &transport.proxy {
        builder = builder.proxy(maybe_secret_value(proxy, secrets)?.expose());
    }
    if !transport.no_proxy.is_empty() {
        builder = builder.no_proxy(transport.no_proxy.join(","));
    }
    Ok(builder)
}

/// One probe per distinct auth that a resource uses (a root resource where there is one);
/// a source without resources probes its base URL with its own auth.
fn probes(
    spec: &SourceSpec,
    auths: &[(AuthSpec, SharedAuth)],
    resource_auth: &[usize],
) -> Vec<Probe> {
    if spec.resources.is_empty() {
        return vec![Probe {
            auth: auths[0].0.type_name(),
            resource: None,
        }];
    }
    let mut probes = Vec::new();
    for (a, (auth, _)) in auths.iter().enumerate() {
        let users: Vec<usize> = (0..spec.resources.len())
            .filter(|i| resource_auth[*i] == a)
            .collect();
        let probe = users
            .iter()
            .copied()
            .find(|i| spec.resources[*i].parent.is_none())
            .or(users.first().copied());
        if let Some(i) = probe {
            probes.push(Probe {
                auth: auth.type_name(),
                resource: Some(i),
            });
        }
    }
    probes
}

/// Builds resource `i` with a parent chain of its own. `Resource::with_parent` shares the
/// parent's incremental state, so a child linked to the source's own parent resource would
/// move that resource's cursor past records it never yielded; fresh parent instances keep
/// the two runs independent (each parent is then requested once for itself and once per
/// child chain).
fn build_resource(
    spec: &SourceSpec,
    i: usize,
    resource_auth: &[usize],
    clients: &[RestClient],
    secrets: &SecretValues,
    depth: usize,
) -> Result<Resource<Value>> {
    let entry = &spec.resources[i];
    if depth > spec.resources.len() {
        return Err(Error::Config(format!(
            "resource `{}`: its parents form a cycle",
            entry.spec.name
        )));
    }
    let mut client = clients[resource_auth[i]].clone();
    for (name, key) in &entry.secret_headers {
        client = client.with_secret_header(name, secrets.get(key.key())?)?;
    }
    let mut resource = Resource::new(client, entry.spec.clone())?;
    for (name, value) in &spec.params {
        resource = resource.path_param(name, value);
    }
    if let Some(parent) = &entry.parent {
        let Some(p) = spec.resources.iter().position(|r| &r.spec.name == parent) else {
            return Err(Error::Config(format!(
                "resource `{}` names an unknown parent `{parent}`",
                entry.spec.name
            )));
        };
        let parent = build_resource(spec, p, resource_auth, clients, secrets, depth + 1)?;
        resource = resource.with_parent(&parent)?;
    }
    Ok(resource)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::Secret;
    use crate::spec::{ResourceSpec, SecretRef, SourceResource};

    fn bearer(key: &str) -> AuthSpec {
        AuthSpec::Bearer {
            token: SecretRef(key.into()),
        }
    }

    fn values() -> SecretValues {
        SecretValues::new("crm")
            .with("a", Secret::new("ta"))
            .with("b", Secret::new("tb"))
            .with("pw", Secret::new("p"))
    }

    #[test]
    fn an_auth_used_only_by_a_child_is_probed_through_that_child() {
        let spec = SourceSpec::new("crm", "https://crm.example.com/api")
            .auth(bearer("a"))
            .resource(ResourceSpec::new("contacts", "contacts"))
            .resource(
                SourceResource::new(ResourceSpec::new("notes", "contacts/{contacts.id}/notes"))
                    .auth(bearer("b")),
            );
        let source = assemble(&spec, &values(), AssemblyOptions::new()).unwrap();
        assert_eq!(
            source.probes,
            [
                Probe {
                    auth: "bearer",
                    resource: Some(0)
                },
                Probe {
                    auth: "bearer",
                    resource: Some(1)
                }
            ]
        );
    }

    #[test]
    fn session_auths_equal_by_value_share_one_strategy_whatever_the_order() {
        let session = |fields: &[(&str, MaybeSecret)]| AuthSpec::SessionToken {
            login_url: "https://crm.example.com/login".into(),
            credentials: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
            body: None,
            token_path: Some("token".into()),
            token_header: None,
            token_cookie: None,
            location: None,
            name: None,
            prefix: None,
            ttl: None,
            expires_in_path: None,
            expires_at_path: None,
        };
        let user = ("username", MaybeSecret::Plain("bot".into()));
        let pw = (
            "password",
            MaybeSecret::Secret {
                secret: "pw".into(),
            },
        );
        let spec = SourceSpec::new("crm", "https://crm.example.com/api")
            .resource(
                SourceResource::new(ResourceSpec::new("a", "a"))
                    .auth(session(&[user.clone(), pw.clone()])),
            )
            .resource(SourceResource::new(ResourceSpec::new("b", "b")).auth(session(&[pw, user])));
        let source = assemble(&spec, &values(), AssemblyOptions::new()).unwrap();
        let (a, b) = (source.resources[0].client(), source.resources[1].client());
        assert!(
            std::sync::Arc::ptr_eq(a.auth(), b.auth()),
            "one strategy, so one token cache"
        );
        // The source's own `none` auth is distinct but unused by any resource: one probe.
        assert_eq!(source.probes.len(), 1);
    }

    #[test]
    fn a_missing_resource_secret_header_is_an_error_naming_its_key() {
        let spec = SourceSpec::new("crm", "https://crm.example.com/api").resource(
            SourceResource::new(ResourceSpec::new("reports", "reports"))
                .secret_header("X-Report-Key", "reports_key"),
        );
        let err = assemble(&spec, &values(), AssemblyOptions::new()).unwrap_err();
        assert!(err.to_string().contains("`reports_key`"), "{err}");
    }

    #[test]
    fn a_custom_auth_without_a_builder_is_an_error_not_a_panic() {
        let custom = AuthSpec::Custom(CustomAuthSpec {
            type_name: "MyAuth".into(),
            flow: false,
            args: BTreeMap::new(),
        });
        let spec = SourceSpec::new("crm", "https://crm.example.com/api").auth(custom);
        let err = assemble(&spec, &values(), AssemblyOptions::new()).unwrap_err();
        assert!(err.to_string().contains("custom auth `MyAuth`"), "{err}");
    }
}
