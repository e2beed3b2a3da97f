# bench/report.py's part for section 7 (bench/when.sh): when to attest.
#   results(T, res, targets): adds res["when_to_attest"] and the targets
#   table(res, L): appends the table's lines
import os

VARIANTS = ("fresh_postauth", "fresh_preauth", "cached_postauth", "cached_preauth")
PREAUTH_NOISE = 1.02  # preauth <= postauth, within 2 % of noise


def _median(xs):
    if not xs:
        return None
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def _ms(us):
    return None if us is None else round(us / 1000.0, 2)


def _rows(path, n):
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == n:
                out.append(p)
    return out


def _paired(by_round, num, den):
    """Median over the rounds of num(i) / den(i): when.sh runs every
    variant once per round, back to back in a rotating order, so the two
    of a pair met about the same load (as report.py's paired_ratio)."""
    m = _median([v[num] / v[den] for v in by_round.values() if num in v and v.get(den)])
    return round(m, 3) if m else None


def _delay(rows, ms, targets):
    d = {}
    by_round = {}
    for r in rows:
        if r[0] == ms and r[3] == "0":
            by_round.setdefault(r[2], {})[r[1]] = int(r[4])
    for v in ("plain",) + VARIANTS:
        all_ = [r for r in rows if r[0] == ms and r[1] == v]
        ok = [int(r[4]) for r in all_ if r[3] == "0"]
        d[v] = {"n": len(all_), "ok": len(ok), "median_ms": _ms(_median(ok))}
    plain = d["plain"]["median_ms"]
    for v in VARIANTS:
        m = d[v]["median_ms"]
        d[v]["ratio_over_plain"] = round(m / plain, 3) if m and plain else None
        d[v]["ratio_over_plain_paired"] = _paired(by_round, v, "plain")
    for v in ("cached_postauth", "cached_preauth"):
        r = d[v]["ratio_over_plain_paired"]
        ok = r is not None and r <= 1.05 and d[v]["ok"] == d[v]["n"]
        targets.append((f"when {ms} ms: {v}/plain <= 1.05 (paired)", f"{r}" if r else "n/a", ok))
    for fr in ("fresh", "cached"):
        pre, post = d[fr + "_preauth"]["median_ms"], d[fr + "_postauth"]["median_ms"]
        d[fr + "_pre_over_post"] = round(pre / post, 3) if pre and post else None
        r = _paired(by_round, fr + "_preauth", fr + "_postauth")
        d[fr + "_pre_over_post_paired"] = r
        targets.append((f"when {ms} ms: {fr} preauth/postauth <= 1 (paired)",
                        f"{r}" if r else "n/a", r is not None and r <= PREAUTH_NOISE))
    return d


def results(T, res, targets):
    rows = _rows(os.path.join(T, "when.tsv"), 5)
    if not rows:
        return
    w = {"preauth_noise_allowance": PREAUTH_NOISE, "delays_ms": {}}
    for ms in sorted({r[0] for r in rows}, key=int):
        w["delays_ms"][ms] = _delay(rows, ms, targets)
    conc = _rows(os.path.join(T, "when_conc.tsv"), 3)
    calls = _rows(os.path.join(T, "when_conc_calls.tsv"), 2)
    if conc:
        okc = [int(r[2]) for r in conc if r[1] == "0"]
        sim_calls, made = (int(calls[0][0]), int(calls[0][1])) if calls else (None, None)
        w["concurrent_cold_cache"] = {"started": len(conc), "ok": len(okc),
                                      "median_ms": _ms(_median(okc)),
                                      "provider_calls": sim_calls, "sshd_made": made}
        targets.append((f"when: {len(conc)} cached at once, all succeed",
                        f"{len(okc)}/{len(conc)}", len(okc) == len(conc)))
        targets.append(("when: ... and one provider call", f"{sim_calls} (sshd: {made})",
                        sim_calls == 1 and made == 1))
    res["when_to_attest"] = w


def table(res, L):
    w = res.get("when_to_attest")
    if not w:
        return
    head = "".join(f"{v.replace('_', ' '):>17}" for v in VARIANTS)
    L.append("when to attest: connect + `true`, median ms (paired ratio to plain), "
             "AttestationCache 3600")
    L.append(f"  {'sim delay':<10}{'plain':>9}{head}")
    for ms, d in w["delays_ms"].items():
        cells = ""
        for v in VARIANTS:
            m, r = d[v]["median_ms"], d[v]["ratio_over_plain_paired"]
            cells += f"{'n/a' if m is None else f'{m:.1f} ({r})':>17}"
        p = d["plain"]["median_ms"]
        L.append(f"  {ms + ' ms':<10}{'n/a' if p is None else f'{p:.1f}':>9}{cells}"
                 f"   n={d['plain']['n']}")
    c = w.get("concurrent_cold_cache")
    if c:
        L.append(f"  {c['started']} cached connections at once, cold cache (delay 40 ms): "
                 f"{c['ok']}/{c['started']} ok, median {c['median_ms']} ms, "
                 f"provider calls {c['provider_calls']} (sshd: {c['sshd_made']})")
    L.append("")
