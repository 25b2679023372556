//! Every non-standard auth form compiles: refresh-token grant (confidential and public,
//! file token store, token-endpoint shaping), session login (each token source and
//! placement), JWT bearer, and API keys in the body.
use rest_source::{Resource, Secret, rest_source};

#[rest_source(
    base_url = "https://api.example.com/v1",
    auth = oauth2_refresh_token(
        access_token_url = "https://api.example.com/oauth/token",
        client_id = secret("client_id"),
        client_secret = secret("client_secret"),
        refresh_token = secret("refresh_token"),
        scope = "read",
        client_auth = basic,
        default_token_expiration = 600,
        token_store = "target/rotated-tokens.json",
        token_body = json,
        access_token_path = "data.access_token",
        expires_in_path = "data.ttl",
        refresh_token_path = "data.refresh_token",
    ),
)]
struct Flows {
    #[resource(path = "a")]
    a: Resource<serde_json::Value>,
    #[resource(path = "b")]
    #[auth(oauth2_refresh_token(
        access_token_url = "https://api.example.com/oauth/token",
        client_id = "public-app",
        refresh_token = secret("public_refresh_token"),
    ))]
    b: Resource<serde_json::Value>,
    #[resource(path = "c")]
    #[auth(session_token(
        login_url = "https://api.example.com/login",
        credentials(username = "etl-bot", password = secret("password")),
        token_path = "data.token",
        prefix = "Token ",
        ttl = 1800,
    ))]
    c: Resource<serde_json::Value>,
    #[resource(path = "d")]
    #[auth(session_token(
        login_url = "https://api.example.com/session",
        body = form,
        credentials(user = secret("user"), api_key = secret("login_key")),
        token_header = "X-Session-Id",
        location = cookie,
        name = "sid",
        expires_in_path = "expires_in",
    ))]
    d: Resource<serde_json::Value>,
    #[resource(path = "e")]
    #[auth(session_token(
        login_url = "https://api.example.com/session",
        credentials(password = secret("password")),
        token_cookie = "sessionid",
        location = body,
        name = "session",
        expires_at_path = "expires_at",
    ))]
    e: Resource<serde_json::Value>,
    #[resource(path = "f")]
    #[auth(oauth2_jwt_bearer(
        access_token_url = "https://oauth2.example.com/token",
        issuer = "etl@project.iam.example.com",
        private_key = secret("private_key"),
        subject = "admin@example.com",
        audience = "https://oauth2.example.com/token",
        scope = "https://www.example.com/auth/read",
        key_id = "k1",
        default_token_expiration = 3600,
        token_body = form,
        access_token_path = "access_token",
        expires_at_path = "expires_at",
    ))]
    f: Resource<serde_json::Value>,
    #[resource(path = "g")]
    #[auth(api_key(name = "api_key", api_key = secret("body_key"), location = body))]
    g: Resource<serde_json::Value>,
}

fn main() {
    assert_eq!(
        Flows::SECRET_KEYS,
        [
            "client_id",
            "client_secret",
            "refresh_token",
            "public_refresh_token",
            "password",
            "user",
            "login_key",
            "private_key",
            "body_key",
        ]
    );
    let secrets = FlowsSecrets {
        client_id: Secret::new("id"),
        client_secret: Secret::new("s"),
        refresh_token: Secret::new("rt"),
        public_refresh_token: Secret::new("prt"),
        password: Secret::new("pw"),
        user: Secret::new("u"),
        login_key: Secret::new("lk"),
        private_key: Secret::new("-----BEGIN PRIVATE KEY-----"),
        body_key: Secret::new("bk"),
    };
    let flows = Flows::builder()
        .secrets(secrets)
        .access_token_url("http://127.0.0.1:9/token")
        .login_url("http://127.0.0.1:9/login")
        .build()
        .unwrap();
    let schemes: Vec<&str> = [&flows.a, &flows.b, &flows.c, &flows.d, &flows.e, &flows.f, &flows.g]
        .iter()
        .map(|r| r.client().auth().scheme_dyn())
        .collect();
    assert_eq!(
        schemes,
        [
            "oauth2_refresh_token",
            "oauth2_refresh_token",
            "session_token",
            "session_token",
            "session_token",
            "oauth2_jwt_bearer",
            "api_key"
        ]
    );
}
