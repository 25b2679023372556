//! `rest-source-demo`: runs the demo API until interrupted.
//!
//! ```text
//! cargo run -p rest-source-demo -- --port 8080 --records 1000 --token-ttl 30
//! ```

use std::process::ExitCode;
use std::time::Duration;

use rest_source_demo::{Collection, DemoApi};

const USAGE: &str = "\
rest-source-demo: a demo REST API on 127.0.0.1 for rest-source's quickstart and examples

USAGE:
    rest-source-demo [OPTIONS]

OPTIONS:
    --port <N>               port on 127.0.0.1 (default 8080; 0 = any free port)
    --records <N>            records per paginated collection (default 1000)
    --reports <N>            records in /api/v1/reports (default 24)
    --token-ttl <SECS>       access-token lifetime in seconds (default 30)
    --refresh-tokens         issue single-use refresh tokens (rotation)
    --client-id <ID>         OAuth2 client id (default demo-client)
    --client-secret <SECRET> OAuth2 client secret (default demo-secret)
    --api-key <KEY>          API key for /api/v1/reports (default demo-report-key)
    --rate-limit-every <N>   answer every Nth API request with 429
    --unavailable-every <M>  answer every Mth API request with 503 (HTML body)
    --retry-after <SECS>     Retry-After of injected 429/503 (default 1)
    --latency-ms <MS>        delay every API response
    --pages-from-memory      render each page once and serve it from memory after,
                             as a static file server would (for benchmarks)
    -h, --help               print this help
";

fn parse(args: impl IntoIterator<Item = String>) -> Result<DemoApi, String> {
    let mut api = DemoApi::new().port(8080);
    let (mut client_id, mut client_secret) = (None, None);
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        if flag == "--refresh-tokens" {
            api = api.refresh_tokens(true);
            continue;
        }
        if flag == "--pages-from-memory" {
            api = api.pages_from_memory(true);
            continue;
        }
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (flag, None),
        };
        let known = [
            "--port",
            "--records",
            "--reports",
            "--token-ttl",
            "--client-id",
            "--client-secret",
            "--api-key",
            "--rate-limit-every",
            "--unavailable-every",
            "--retry-after",
            "--latency-ms",
        ];
        if !known.contains(&flag.as_str()) {
            return Err(format!("unknown option `{flag}`; see `--help`"));
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("`{flag}` needs a value; see `--help`"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("`{flag}` expects a whole number, got `{value}`"))
        };
        api = match flag.as_str() {
            "--port" => api.port(
                u16::try_from(number()?).map_err(|_| format!("`--port` {value} is above 65535"))?,
            ),
            "--records" => api.records(number()?),
            "--reports" => api.records_for(Collection::Reports, number()?),
            "--token-ttl" => api.token_ttl(Duration::from_secs(number()?)),
            "--client-id" => {
                client_id = Some(value.clone());
                api
            }
            "--client-secret" => {
                client_secret = Some(value.clone());
                api
            }
            "--api-key" => api.api_key(value.clone()),
            "--rate-limit-every" => api.rate_limit_every(number()?),
            "--unavailable-every" => api.unavailable_every(number()?),
            "--retry-after" => api.retry_after_secs(number()?),
            _ => api.latency(Duration::from_millis(number()?)),
        };
    }
    if client_id.is_some() || client_secret.is_some() {
        api = api.client_credentials(
            client_id.unwrap_or_else(|| rest_source_demo::DEMO_CLIENT_ID.into()),
            client_secret.unwrap_or_else(|| rest_source_demo::DEMO_CLIENT_SECRET.into()),
        );
    }
    Ok(api)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let api = match parse(args) {
        Ok(api) => api,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let server = match api.start().await {
        Ok(server) => server,
        Err(e) => {
            eprintln!(
                "error: could not listen on 127.0.0.1: {e} (try `--port 0` for any free port)"
            );
            return ExitCode::FAILURE;
        }
    };
    println!("rest-source demo API listening on {}", server.url());
    println!();
    println!("  base URL       {}", server.base_url());
    println!("  token URL      {}", server.token_url());
    println!("  client id      {}", server.client_id());
    println!("  client secret  {}", server.client_secret());
    println!("  report API key {}", server.api_key());
    println!();
    println!(
        "  try: curl -s -d grant_type=client_credentials -u {}:{} {}",
        server.client_id(),
        server.client_secret(),
        server.token_url()
    );
    println!("       curl -s {}/status", server.base_url());
    println!();
    println!("Press Ctrl-C to stop.");
    // Serve until the process is interrupted (the default SIGINT action ends it).
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn accepts_every_documented_option() {
        let all = "--port 0 --records 5 --reports 3 --token-ttl 2 --refresh-tokens \
                   --client-id a --client-secret b --api-key k --rate-limit-every 3 \
                   --unavailable-every 4 --retry-after 1 --latency-ms=10 --pages-from-memory";
        assert!(parse(args(all)).is_ok());
    }

    #[test]
    fn rejects_unknown_options_and_bad_values_with_the_flag_named() {
        assert_eq!(
            parse(args("--recrds 5")).unwrap_err(),
            "unknown option `--recrds`; see `--help`"
        );
        assert_eq!(
            parse(args("--records lots")).unwrap_err(),
            "`--records` expects a whole number, got `lots`"
        );
        assert_eq!(
            parse(args("--port")).unwrap_err(),
            "`--port` needs a value; see `--help`"
        );
        assert!(parse(args("--port 70000")).unwrap_err().contains("65535"));
    }
}
