use rest_source::{ClientCredentialsFlow, OAuth2Flow, Resource, rest_source};

/// An `OAuth2Flow` that forgot `FromSecrets`: one error, where `custom(flow = …)` names it.
struct PartnerGrant(ClientCredentialsFlow);

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

#[rest_source(
    base_url = "https://partner.example.com",
    auth = custom(flow = PartnerGrant, secret = secret("partner_secret")),
)]
struct Partner {
    #[resource(path = "orders")]
    orders: Resource<serde_json::Value>,
}

fn main() {
    let _ = Partner::builder().secrets_from_env().unwrap().build();
}
