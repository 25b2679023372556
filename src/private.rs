//! What `#[rest_source]` expansions call. Not a public API: it may change in any release.

pub use rest_source_runtime as rt;
pub use serde_json;

use rest_source_runtime::spec::{
    AssemblyOptions, CustomAuthSpec, SecretValues, SourceSpec, assemble as assemble_spec,
};
use rest_source_runtime::{Error, Resource, RestClient, RestClientBuilder, Result, SharedAuth};
use serde_json::Value;

/// Type-state marker of the generated builders: this parameter (or the secrets) is not set
/// yet, so `build` does not exist.
#[derive(Clone, Copy, Debug)]
pub struct Unset;

/// A client adjustment given to the generated builder's `configure_client`.
pub type Configure = Box<dyn FnOnce(RestClientBuilder) -> RestClientBuilder>;

/// Assembles the source the expansion built as a `SourceSpec`, with the same function the
/// config loader uses: its resources in spec order, and the state `check()` runs on.
pub fn assemble(
    spec: &SourceSpec,
    values: &SecretValues,
    configure: Vec<Configure>,
    custom: impl Fn(&CustomAuthSpec, &SecretValues) -> Result<SharedAuth>,
) -> Result<(Vec<Resource<Value>>, SourceState)> {
    let options = AssemblyOptions::new()
        .configure(move |builder| configure.into_iter().fold(builder, |b, f| f(b)))
        .custom(custom);
    let assembled = assemble_spec(spec, values, options)?;
    let probes = assembled
        .probes
        .iter()
        .map(|probe| match probe.resource {
            Some(i) => Probe::Resource(assembled.resources[i].clone()),
            None => Probe::BaseUrl(Box::new(assembled.client.clone())),
        })
        .collect();
    let spec = spec.clone();
    Ok((assembled.resources, SourceState { spec, probes }))
}

/// One request `check()` makes, per distinct auth.
#[derive(Clone, Debug)]
enum Probe {
    /// The first page of a resource that uses the auth.
    Resource(Resource<Value>),
    /// The base URL, for a source without resources.
    BaseUrl(Box<RestClient>),
}

/// The hidden state of a generated source (`Clone`/`Debug` so users can derive those on
/// their source struct).
#[derive(Clone, Debug)]
pub struct SourceState {
    spec: SourceSpec,
    probes: Vec<Probe>,
}

impl SourceState {
    /// The source as data, as it was assembled.
    pub fn spec(&self) -> &SourceSpec {
        &self.spec
    }

    /// One authenticated request per distinct auth; the first failure, as an auth error
    /// naming the resource, with the underlying error as its source.
    pub async fn check(&self) -> Result<()> {
        for probe in &self.probes {
            let (result, client, what) = match probe {
                Probe::Resource(resource) => (
                    resource.first_page().await.map(drop),
                    resource.client(),
                    format!("resource `{}`", resource.name()),
                ),
                Probe::BaseUrl(client) => (
                    client.get("").send().await.map(drop),
                    &**client,
                    "the base URL".to_owned(),
                ),
            };
            if let Err(err) = result {
                return Err(Error::Auth {
                    scheme: client.auth().scheme_dyn(),
                    message: format!("checking {what} failed"),
                    source: Some(Box::new(err)),
                });
            }
        }
        Ok(())
    }
}

/// What `custom(Type, …)` builds its strategy with: [`FromSecrets`](rest_source_runtime::spec::FromSecrets),
/// behind a second impl that no type can take, so that a `Type` without `FromSecrets`
/// fails here with one error and leaves the built type unknown: the `Auth` (or `OAuth2Flow`)
/// bound of the next call is then not reported a second time. One mistake, one error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be built from secrets: it does not implement `FromSecrets`",
    label = "named in `custom(...)` here",
    note = "`custom(…)` builds `{Self}` from its arguments: implement `rest_source::spec::FromSecrets` for `{Self}` to receive them (`secret(\"…\")` ones as secrets); `{Self}` must also implement `rest_source::Auth` for `custom({Self}, …)`, or `rest_source::OAuth2Flow` for `custom(flow = {Self}, …)`"
)]
pub trait FromCustomArgs<M> {
    /// The strategy or flow built: `Self`.
    type Built;
    /// Builds it from the `custom(…)` arguments' values.
    fn from_custom_args(args: &SecretValues) -> Result<Self::Built>;
}

/// [`FromCustomArgs`]'s impl for every type with `FromSecrets`.
pub struct ByFromSecrets;

/// [`FromCustomArgs`]'s second impl, which no type takes (see there).
pub struct Unbuildable;

mod unbuildable {
    /// Implemented by no type: the bound of [`super::Unbuildable`]'s impl.
    pub trait Never: Sized {
        fn never(args: &super::SecretValues) -> super::Result<Self>;
    }
}

impl<T: rest_source_runtime::spec::FromSecrets> FromCustomArgs<ByFromSecrets> for T {
    type Built = T;
    fn from_custom_args(args: &SecretValues) -> Result<T> {
        T::from_secrets(args)
    }
}

impl<T: unbuildable::Never> FromCustomArgs<Unbuildable> for T {
    type Built = T;
    fn from_custom_args(args: &SecretValues) -> Result<T> {
        T::never(args)
    }
}
