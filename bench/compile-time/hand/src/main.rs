//! The hand-written bar of the compile-time benchmark: a reqwest loop that follows
//! `paging.next` with a bearer token, on the same TLS stack as rest-source.

#[derive(Debug, serde::Deserialize)]
pub struct Contact {
    pub id: u64,
    pub name: String,
}

#[derive(serde::Deserialize)]
struct Page {
    results: Vec<Contact>,
    paging: Paging,
}

#[derive(serde::Deserialize)]
struct Paging {
    next: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let token = std::env::var("SOURCES__CRM__TOKEN")?;
    let http = reqwest::Client::new();
    let mut next = Some("https://crm.example.com/api/v1/contacts".to_owned());
    while let Some(url) = next {
        let page: Page = http.get(&url).bearer_auth(&token).send().await?.error_for_status()?.json().await?;
        for contact in page.results {
            println!("{} {}", contact.id, contact.name);
        }
        next = page.paging.next;
    }
    Ok(())
}
