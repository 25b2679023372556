//! A custom OAuth2 grant (`OAuth2Flow`) gets the runtime's token caching via `custom(flow = …)`,
//! and reads a plain setting (`token_url`) next to its secrets.
use rest_source::spec::{FromSecrets, SecretValues};
use rest_source::{ClientCredentialsFlow, OAuth2Flow, Resource, Secret, rest_source};

struct PartnerGrant(ClientCredentialsFlow);

/// Delegates to the standard grant; a real one would override one step, e.g.
/// `parse_access_token_response` for a non-standard token field.
impl OAuth2Flow for PartnerGrant {
    fn access_token_url(&self) -> &str {
        self.0.access_token_url()
    }
    fn access_token_request_data(&self) -> Vec<(String, String)> {
        self.0.access_token_request_data()
    }
    fn client_credentials(&self) -> Option<rest_source::ClientCredentials<'_>> {
        self.0.client_credentials()
    }
}

impl FromSecrets for PartnerGrant {
    fn from_secrets(secrets: &SecretValues) -> rest_source::Result<Self> {
        Ok(PartnerGrant(ClientCredentialsFlow::new(
            secrets.get("token_url")?.expose(),
            secrets.get("id")?.clone(),
            secrets.get("secret")?.clone(),
        )))
    }
}

#[rest_source(
    base_url = "https://partner.example.com",
    auth = custom(
        flow = PartnerGrant,
        token_url = "https://partner.example.com/token",
        id = secret("partner_id"),
        secret = secret("partner_secret"),
    ),
)]
struct Partner {
    #[resource(path = "orders")]
    orders: Resource<serde_json::Value>,
}

fn main() {
    let source = Partner::builder()
        .secrets(PartnerSecrets { partner_id: Secret::new("i"), partner_secret: Secret::new("s") })
        .build()
        .unwrap();
    let _ = source.orders;
}
