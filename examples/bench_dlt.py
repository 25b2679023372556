"""The benchmark's dlt runner: the same extraction as `examples/bench.rs`'s variants, done
by dlt's own REST client, so the ratio to dlt is measured in the same invocation.

`cargo run --release --example bench -- --variants hand,resource,dlt` makes a venv under
`target/bench-dlt-venv` with dlt from PyPI (once) and runs this script once per
measurement:

    python bench_dlt.py <scenario> <origin> <page size>

It reads every page with `dlt.sources.helpers.rest_client.RESTClient.paginate`, dlt's
paginators and `OAuth2ClientCredentials` (one token request, then pages), touches every
record for its id as the Rust variants do, and prints one line in the format of the Rust
child: `records=… id_sum=… secs=… cpu_secs=… peak_rss_kib=…`.

This measures dlt's extraction layer only (the REST client a `rest_api` source runs on),
not its normalize and load steps, so it is the fairest figure for dlt.
"""

import resource
import sys
import time

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import OAuth2ClientCredentials
from dlt.sources.helpers.rest_client.paginators import (
    HeaderLinkPaginator,
    JSONLinkPaginator,
    OffsetPaginator,
    PageNumberPaginator,
)

MASK = (1 << 64) - 1


def client(origin: str) -> RESTClient:
    auth = OAuth2ClientCredentials(
        access_token_url=f"{origin}/oauth/token",
        client_id="demo-client",
        client_secret="demo-secret",
        default_token_expiration=24 * 3600,
    )
    return RESTClient(base_url=f"{origin}/api/v1", auth=auth)


def drain(pages):
    records = 0
    id_sum = 0
    for page in pages:
        for record in page:
            records += 1
            id_sum = (id_sum + record["id"]) & MASK
    return records, id_sum


def link(c: RESTClient, page_size: int, extra=None):
    return drain(
        c.paginate(
            "contacts",
            params={"limit": page_size, **(extra or {})},
            paginator=JSONLinkPaginator(next_url_path="paging.next"),
            data_selector="results",
        )
    )


def offset(c: RESTClient, page_size: int):
    return drain(
        c.paginate(
            "events",
            paginator=OffsetPaginator(limit=page_size, total_path="total"),
            data_selector="items",
        )
    )


def pages(c: RESTClient, page_size: int):
    return drain(
        c.paginate(
            "tickets",
            params={"per_page": page_size},
            paginator=PageNumberPaginator(
                base_page=1, page_param="page", total_path="total_pages"
            ),
            data_selector="data",
        )
    )


def link_first(c: RESTClient, page_size: int):
    return link(c, page_size, {"paging": "first"})


def header(c: RESTClient, page_size: int):
    return drain(
        c.paginate(
            "users",
            params={"per_page": page_size},
            paginator=HeaderLinkPaginator(),
        )
    )


def cpu(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def peak_rss_kib() -> int:
    """This process's peak RSS (`VmHWM`), as the Rust clients read theirs. Not `ru_maxrss`:
    Linux keeps that across `exec`, so it would report the bench parent's RSS at the fork
    when that is larger (the demo server's pages in memory)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> int:
    if len(sys.argv) != 4:
        print(
            "usage: bench_dlt.py <link|linkfirst|offset|pages|header|multi> <origin> <page size>",
            file=sys.stderr,
        )
        return 2
    scenario, origin, page_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    runs = {"link": [link], "offset": [offset], "pages": [pages], "header": [header], "linkfirst": [link_first]}
    # dlt's client pages one request at a time; "multi" reads the three in turn with one
    # client (and one token), as a dlt source with three resources does by default.
    runs["multi"] = [link, offset, pages]
    if scenario not in runs:
        print(f"unknown scenario `{scenario}`", file=sys.stderr)
        return 2
    # CPU spent importing dlt is not extraction: count from here, as the wall clock does.
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    c = client(origin)
    records = id_sum = 0
    for run in runs[scenario]:
        r, s = run(c, page_size)
        records += r
        id_sum = (id_sum + s) & MASK
    secs = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"records={records} id_sum={id_sum} secs={secs:.6f} "
        f"cpu_secs={cpu(usage) - cpu(before):.2f} peak_rss_kib={peak_rss_kib()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
