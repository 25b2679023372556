//! [`SourceSpec`]: a whole source as data — what both front ends (`#[rest_source]` and a
//! TOML/JSON config) produce, what the validator checks and what the runtime assembles.

use std::collections::BTreeMap;

use crate::{AuthSpec, MaybeSecret, PaginatorSpec, ResourceSpec, SecretRef, TransportSpec};

/// One source: its base URL, auth, headers, default paginator, parameters and resources.
///
/// ```
/// use rest_source_spec::{AuthSpec, MaybeSecret, ResourceSpec, SecretRef, SourceSpec};
///
/// let spec = SourceSpec::new("crm", "https://crm.example.com/api/v1")
///     .auth(AuthSpec::Bearer { token: SecretRef("crm_token".into()) })
///     .header("X-Tenant", MaybeSecret::Plain("eu".into()))
///     .param("region", "eu")
///     .resource(ResourceSpec::new("contacts", "{region}/contacts"))
///     .resource(ResourceSpec::new("notes", "{region}/contacts/{contacts.id}/notes"));
/// assert_eq!(spec.resources[1].parent.as_deref(), Some("contacts"));
/// assert_eq!(spec.secret_keys(), ["crm_token"]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SourceSpec {
    /// The source name: secrets are looked up under `sources.<name>`.
    pub name: String,
    /// The API's base URL.
    pub base_url: String,
    /// Headers sent with every request, plain or from the secrets.
    pub headers: Vec<(String, MaybeSecret)>,
    /// The source's auth (`None`: no auth).
    pub auth: Option<AuthSpec>,
    /// The default paginator, as written (each resource's own spec already holds the one it
    /// uses).
    pub paginator: Option<PaginatorSpec>,
    /// Source parameters, filling `{param}` placeholders in paths and query params.
    pub params: BTreeMap<String, String>,
    /// The resources, in declaration order.
    pub resources: Vec<SourceResource>,
    /// How the client connects: extra root certificates, a client certificate, a proxy.
    pub transport: TransportSpec,
}

/// One resource of a [`SourceSpec`]: its [`ResourceSpec`] plus what the source adds around
/// it (its own auth, secret headers, parent, whether it is loaded).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SourceResource {
    /// The resource itself.
    pub spec: ResourceSpec,
    /// Replaces the source's auth for this resource (`Some(AuthSpec::None)`: public).
    pub auth: Option<AuthSpec>,
    /// Headers of this resource only whose values come from the secrets (plain ones are in
    /// `spec.endpoint.headers`).
    pub secret_headers: Vec<(String, SecretRef)>,
    /// The parent resource named by `{parent.field}` placeholders, if any.
    pub parent: Option<String>,
    /// Whether the resource's records are loaded (an unselected parent still feeds its
    /// children).
    pub selected: bool,
}

impl SourceResource {
    /// `spec` with the source's auth, no secret headers, selected; the parent read from its
    /// placeholders (in its path, params, headers or JSON body).
    pub fn new(spec: ResourceSpec) -> Self {
        SourceResource {
            parent: crate::validate::placeholder::parent_of(&spec),
            spec,
            auth: None,
            secret_headers: Vec::new(),
            selected: true,
        }
    }

    /// Replaces the source's auth for this resource.
    pub fn auth(mut self, auth: AuthSpec) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Adds a header whose value is the secret `key`.
    pub fn secret_header(mut self, name: impl Into<String>, key: impl Into<String>) -> Self {
        self.secret_headers
            .push((name.into(), SecretRef(key.into())));
        self
    }

    /// Sets whether the records are loaded.
    pub fn selected(mut self, selected: bool) -> Self {
        self.selected = selected;
        self
    }

    /// The auth this resource uses within `source`.
    pub fn effective_auth<'a>(&'a self, source: &'a SourceSpec) -> &'a AuthSpec {
        self.auth
            .as_ref()
            .or(source.auth.as_ref())
            .unwrap_or(&AuthSpec::None)
    }
}

impl From<ResourceSpec> for SourceResource {
    fn from(spec: ResourceSpec) -> Self {
        SourceResource::new(spec)
    }
}

impl SourceSpec {
    /// A source `name` at `base_url`, without auth or resources.
    pub fn new(name: impl Into<String>, base_url: impl Into<String>) -> Self {
        SourceSpec {
            name: name.into(),
            base_url: base_url.into(),
            headers: Vec::new(),
            auth: None,
            paginator: None,
            params: BTreeMap::new(),
            resources: Vec::new(),
            transport: TransportSpec::default(),
        }
    }

    /// Sets the source's auth.
    pub fn auth(mut self, auth: AuthSpec) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Adds a header sent with every request.
    pub fn header(mut self, name: impl Into<String>, value: MaybeSecret) -> Self {
        self.headers.push((name.into(), value));
        self
    }

    /// Sets the default paginator (as written; resources keep their own).
    pub fn paginator(mut self, paginator: impl Into<PaginatorSpec>) -> Self {
        self.paginator = Some(paginator.into());
        self
    }

    /// Sets the source parameter `name`.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }

    /// Adds a resource.
    pub fn resource(mut self, resource: impl Into<SourceResource>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// The resource `name`.
    pub fn get(&self, name: &str) -> Option<&SourceResource> {
        self.resources.iter().find(|r| r.spec.name == name)
    }

    /// Every secret key the source references (auths, then headers, then resource headers), each once,
    /// in order of first reference.
    pub fn secret_keys(&self) -> Vec<&str> {
        secret_keys(
            self.auth.as_ref(),
            &self.headers,
            &self.resources,
            &self.transport,
        )
    }
}

/// Every secret key of a source's parts ([`SourceSpec::secret_keys`]), for a front end that
/// holds them apart (the config's `client` block and its resources).
pub fn secret_keys<'a>(
    auth: Option<&'a AuthSpec>,
    headers: &'a [(String, MaybeSecret)],
    resources: &'a [SourceResource],
    transport: &'a crate::TransportSpec,
) -> Vec<&'a str> {
    let mut keys: Vec<&str> = Vec::new();
    let auths = auth
        .into_iter()
        .chain(resources.iter().filter_map(|r| r.auth.as_ref()));
    let auth_keys = auths.flat_map(AuthSpec::secret_keys);
    let header_keys = headers.iter().filter_map(|(_, v)| v.secret_key());
    let resource_header_keys = resources
        .iter()
        .flat_map(|r| r.secret_headers.iter().map(|(_, k)| k.key()));
    let transport_keys = transport.secret_keys();
    for key in auth_keys
        .chain(header_keys)
        .chain(resource_header_keys)
        .chain(transport_keys)
    {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}
