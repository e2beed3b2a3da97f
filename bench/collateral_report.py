# bench/report.py's section 7 (bench/collateral.sh): Collateral fetched by
# one process per verification, cold vs warm CollateralCache.
import os


def results(T, rows, median, pct, ms):
    """The section's results dict, or None when it did not run."""
    try:
        r = rows("collateral.tsv")
        cold_req, warm_req = map(int, open(os.path.join(T, "collateral_requests")).read().split())
    except (OSError, ValueError):
        return None
    if not r:
        return None
    d = {"what": "ssh-attest verify of a real TDX quote (one process, as ssh per "
                 "connection), Collateral https://pcs-emulator",
         "requests_cold": cold_req, "requests_warm": warm_req}
    for m in ("cold", "warm"):
        ok = [t for (mm, i, rc, t) in r if mm == m and rc == 0]
        d[m] = {"n": sum(1 for x in r if x[0] == m), "ok": len(ok),
                "median_ms": ms(median(ok)), "p99_ms": ms(pct(ok, 99))}
    c, w = d["cold"]["median_ms"], d["warm"]["median_ms"]
    d["cold_minus_warm_median_ms"] = round(c - w, 2) if c is not None and w is not None else None
    d["target"] = "a warm cache makes no request"
    d["pass"] = warm_req == 0 and d["warm"]["ok"] == d["warm"]["n"] > 0
    return d


def table(d, f):
    """The section's lines of the summary table."""
    L = ["Collateral per verification (real quote, pcs-emulator)   median       p99    ok  requests"]
    for m, lab in (("cold", "cold cache (fetched every time)"),
                   ("warm", "warm cache (CollateralCache)")):
        x = d[m]
        req = d["requests_" + m]
        L.append(f"  {lab:<48}{f(x['median_ms'],' ms'):>10}{f(x['p99_ms'],' ms'):>10}"
                 f"  {x['ok']}/{x['n']}  {req}")
    L.append(f"  a cold cache costs {f(d['cold_minus_warm_median_ms'],' ms')} more per connection")
    L.append("")
    return L
