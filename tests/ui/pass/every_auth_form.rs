//! Every auth form compiles, on the source and as a per-resource override.
use rest_source::spec::{FromSecrets, SecretValues};
use rest_source::{Auth, AuthContext, Resource, Secret, rest_source};

#[rest_source(
    base_url = "https://api.example.com/v1",
    auth = oauth2_client_credentials(
        access_token_url = "https://api.example.com/oauth/token",
        client_id = "public-client-id",
        client_secret = secret("client_secret"),
        scope = "read",
        audience = "https://api.example.com",
        client_auth = basic,
        default_token_expiration = 600,
    ),
    headers("X-Org" = "acme", "X-Tenant-Key" = secret("tenant_key")),
    paginator = json_link(next_url_path = "paging.next"),
)]
struct Everything {
    #[resource(path = "a")]
    a: Resource<serde_json::Value>,
    #[resource(path = "b")]
    #[auth(bearer(token = secret("token")))]
    b: Resource<serde_json::Value>,
    #[resource(path = "c")]
    #[auth(api_key(api_key = secret("key"), location = query, name = "api_key"))]
    c: Resource<serde_json::Value>,
    #[resource(path = "d")]
    #[auth(api_key(api_key = secret("key"), location = cookie, name = "session"))]
    d: Resource<serde_json::Value>,
    #[resource(path = "e")]
    #[auth(api_key(api_key = secret("key")))]
    e: Resource<serde_json::Value>,
    #[resource(path = "f")]
    #[auth(http_basic(username = secret("user"), password = secret("password")))]
    f: Resource<serde_json::Value>,
    #[resource(path = "g")]
    #[auth(custom(Tenant, tenant = secret("tenant_key")))]
    g: Resource<serde_json::Value>,
    #[resource(path = "h", paginator = single_page)]
    #[auth(none)]
    h: Resource<serde_json::Value>,
}

struct Tenant(Secret);

impl FromSecrets for Tenant {
    fn from_secrets(secrets: &SecretValues) -> rest_source::Result<Self> {
        Ok(Tenant(secrets.get("tenant")?.clone()))
    }
}

impl Auth for Tenant {
    async fn sign(
        &self,
        _request: &mut rest_source::reqwest::Request,
        _cx: &AuthContext,
    ) -> rest_source::Result<()> {
        let _ = self.0.expose();
        Ok(())
    }
    fn scheme(&self) -> &'static str {
        "tenant"
    }
}

fn main() {
    let secrets = EverythingSecrets {
        client_secret: Secret::new("s"),
        tenant_key: Secret::new("t"),
        token: Secret::new("tok"),
        key: Secret::new("k"),
        user: Secret::new("u"),
        password: Secret::new("p"),
    };
    let source = Everything::builder().secrets(secrets).build().unwrap();
    let _ = (&source.a, &source.b, &source.c, &source.d, &source.e, &source.f, &source.g, &source.h);
    assert_eq!(Everything::SOURCE_NAME, "everything");
    assert_eq!(
        Everything::SECRET_KEYS,
        ["client_secret", "tenant_key", "token", "key", "user", "password"]
    );
}
