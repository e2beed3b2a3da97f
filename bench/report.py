#!/usr/bin/env python3
# bench/run.sh's report: results JSON and the summary table, from the
# measurements run.sh left in its work directory.
#   report.py WORKDIR RESULTS N BULK_MIB BULK_REPEATS CONC CIPHER
import json, os, platform, subprocess, sys, time

T, out, N, bulk_mib, bulk_rep, conc, cipher = sys.argv[1:8]
N, bulk_mib, bulk_rep, conc = int(N), int(bulk_mib), int(bulk_rep), int(conc)

def rows(name):
    r = []
    with open(os.path.join(T, name)) as f:
        for line in f:
            p = line.split()
            if len(p) == 4:
                r.append((p[0], int(p[1]), int(p[2]), int(p[3])))
    return r

def pct(xs, p):
    """nearest-rank percentile"""
    if not xs:
        return None
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(-(-p * len(xs) // 100)) - 1))
    return xs[k]

def median(xs):
    if not xs:
        return None
    xs = sorted(xs); n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2

def ms(us):
    return None if us is None else round(us / 1000.0, 2)

def by_round(rows_):
    """{round: {host: value}} of the rows that succeeded"""
    by = {}
    for (h, i, rc, t) in rows_:
        if rc == 0:
            by.setdefault(i, {})[h] = t
    return by

def paired_ratio(by, h, base="plain"):
    """Median over the rounds of X(i) / plain(i).  run.sh runs one of each
    host per round, back to back, in a rotating order, so the two of a pair
    met about the same load; a load that changes over the run moves both,
    and the median of the per-pair ratios follows the attestation's own
    share where the ratio of the two overall medians drifts with it."""
    r = [v[h] / v[base] for v in by.values() if h in v and v.get(base)]
    m = median(r)
    return round(m, 3) if m else None

res = {
    "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "host": {"cpus": os.cpu_count(), "loadavg": os.getloadavg(),
             "kernel": platform.release()},
    "cipher": cipher,
    "sshd_bench_config": ["MaxStartups 100", "MaxSessions 100",
                          "PerSourcePenalties no", "LogLevel INFO", "UseDNS no",
                          "SetEnv HOME=<empty temp dir> (skip the user's ~/.bashrc)"],
}
targets = []

# 1. connect
c = rows("connect.tsv")
HOSTS = ("plain", "attested", "maa")
if c:
    d = {}
    for h in HOSTS:
        ok = [t for (hh, i, rc, t) in c if hh == h and rc == 0]
        d[h] = {"n": sum(1 for r in c if r[0] == h), "ok": len(ok),
                "median_ms": ms(median(ok)), "p99_ms": ms(pct(ok, 99)),
                "min_ms": ms(min(ok) if ok else None),
                "mean_ms": ms(sum(ok) / len(ok) if ok else None)}
    # paired difference: X(i) - plain(i), same round i
    by = by_round(c)
    def paired(h):
        return [v[h] - v["plain"] for v in by.values() if h in v and "plain" in v]
    def ratio_of(h):
        return (d[h]["median_ms"] / d["plain"]["median_ms"]
                if d["plain"]["median_ms"] and d[h]["median_ms"] else None)
    ratio_m = ratio_of("attested")
    ratio_maa_m = ratio_of("maa")
    d["ratio_attested_over_plain_median"] = round(ratio_m, 3) if ratio_m else None
    d["ratio_maa_over_plain_median"] = round(ratio_maa_m, 3) if ratio_maa_m else None
    # the targets are judged on the paired ratios (paired_ratio)
    ratio = paired_ratio(by, "attested")
    ratio_maa = paired_ratio(by, "maa")
    d["ratio_attested_over_plain_paired"] = ratio
    d["ratio_maa_over_plain_paired"] = ratio_maa
    # CPU per connection: client (ssh) from rusage, server (sshd and all
    # its per-connection processes) from sshd's reaped-children ticks
    cpu = {}
    try:
        cr = rows("connect_cpu.tsv")
        ticks = dict(l.split() for l in open(os.path.join(T, "sshd_ticks")))
        hz = os.sysconf("SC_CLK_TCK")
        for h in HOSTS:
            xs = [t for (hh, i, rc, t) in cr if hh == h]
            n = len(xs)
            cl = sum(xs) / n / 1000.0
            sv = int(ticks[h]) / hz * 1000.0 / n
            cpu[h] = {"client_ms": round(cl, 2), "server_ms": round(sv, 2),
                      "total_ms": round(cl + sv, 2)}
            if h == "maa":
                # the attestation service's share, apart from the server's
                em = int(ticks["emulator"]) / hz * 1000.0 / n
                cpu[h]["emulator_ms"] = round(em, 2)
        cpu["ratio_total"] = round(cpu["attested"]["total_ms"] / cpu["plain"]["total_ms"], 3)
        cpu["attested_minus_plain_ms"] = round(cpu["attested"]["total_ms"] - cpu["plain"]["total_ms"], 2)
        cpu["ratio_total_maa"] = round(cpu["maa"]["total_ms"] / cpu["plain"]["total_ms"], 3)
        cpu["maa_minus_plain_ms"] = round(cpu["maa"]["total_ms"] - cpu["plain"]["total_ms"], 2)
    except Exception as e:
        cpu = {"error": str(e)}
    d["cpu_per_connection"] = cpu
    d["paired_diff_median_ms"] = ms(median(paired("attested")))
    d["paired_diff_maa_median_ms"] = ms(median(paired("maa")))
    d["target"] = ("attested/plain <= 1.05; maa/plain <= 1.15 "
                   "(median of the per-round ratios)")
    d["pass_attested"] = bool(ratio is not None and ratio <= 1.05
                              and d["attested"]["ok"] == d["attested"]["n"])
    d["pass_maa"] = bool(ratio_maa is not None and ratio_maa <= 1.15
                         and d["maa"]["ok"] == d["maa"]["n"])
    d["pass"] = d["pass_attested"] and d["pass_maa"]
    res["connect_true"] = d
    targets.append(("connect: attested/plain (paired) <= 1.05",
                    f"{ratio:.3f}" if ratio else "n/a", d["pass_attested"]))
    targets.append(("connect: maa/plain (paired) <= 1.15",
                    f"{ratio_maa:.3f}" if ratio_maa else "n/a", d["pass_maa"]))

# 2. verify
try:
    v = json.load(open(os.path.join(T, "verify.json")))
except Exception:
    v = {}
res["quote_verify_one_core"] = v

# 2b. TPM logs and azure-vtpm (bench/tpm_bench.sh)
try:
    tpm = json.load(open(os.path.join(T, "tpm.json")))
except Exception:
    tpm = {}
res["tpm"] = tpm
for k, lab in (("eventlog_replay_100k", "event log replay, 100 KiB log < 5 ms CPU"),
               ("ima_replay_10k", "IMA replay, 10,000 entries < 5 ms CPU")):
    if k in tpm:
        ms_op = tpm[k]["cpu_us_per_op"] / 1000.0
        targets.append((lab, f"{ms_op:.2f} ms", ms_op < 5))

# 3. bulk
b = rows("bulk.tsv")
if b:
    d = {"mib": bulk_mib, "repeats": bulk_rep}
    for h in ("plain", "attested"):
        ok = [t for (hh, i, rc, t) in b if hh == h and rc == 0]
        mibs = [bulk_mib / (t / 1e6) for t in ok]
        d[h] = {"n": sum(1 for r in b if r[0] == h), "ok": len(ok),
                "median_mib_s": round(median(mibs), 1) if mibs else None,
                "all_mib_s": [round(x, 1) for x in mibs]}
    try:
        bc = rows("bulk_cpu.tsv")
        for h in ("plain", "attested"):
            xs = [(cl + sv) / 1000.0 / (bulk_mib / 1024.0) for (hh, i, cl, sv) in bc if hh == h]
            d[h]["cpu_ms_per_gib_median"] = round(median(xs), 1) if xs else None
        d["cpu_ratio_attested_over_plain"] = round(
            d["attested"]["cpu_ms_per_gib_median"] / d["plain"]["cpu_ms_per_gib_median"], 3)
    except Exception as e:
        d["cpu_error"] = str(e)
    pm, am = d["plain"]["median_mib_s"], d["attested"]["median_mib_s"]
    ratio = am / pm if pm and am else None
    d["ratio_attested_over_plain"] = round(ratio, 3) if ratio else None
    d["target"] = "attested/plain throughput >= 0.99"
    d["pass"] = bool(ratio is not None and ratio >= 0.99)
    res["bulk"] = d
    targets.append(("bulk: attested/plain throughput >= 0.99",
                    f"{ratio:.3f}" if ratio else "n/a", d["pass"]))

# 4. concurrent
cc = rows("concurrent.tsv")
if cc:
    d = {"concurrency": conc}
    for h in ("plain", "attested"):
        ok = [t for (hh, i, rc, t) in cc if hh == h and rc == 0]
        d[h] = {"started": sum(1 for r in cc if r[0] == h), "ok": len(ok),
                "p50_ms": ms(pct(ok, 50)), "p99_ms": ms(pct(ok, 99))}
    d["target"] = f"{conc}/{conc} attested succeed"
    d["pass"] = d["attested"]["ok"] == conc
    res["concurrent"] = d
    targets.append((f"concurrent: {conc}/{conc} attested succeed",
                    f"{d['attested']['ok']}/{conc}", d["pass"]))

# 5. client instruction profile
prof = {}
try:
    for line in open(os.path.join(T, "profile.tsv")):
        h, fn, ir = line.rstrip("\n").split("\t")
        prof.setdefault(h, {})[fn] = int(ir)
except Exception:
    pass
if "plain" in prof and "attested" in prof:
    prof["attested_minus_plain_total"] = prof["attested"]["total"] - prof["plain"]["total"]
    if "maa" in prof:
        prof["maa_minus_plain_total"] = prof["maa"]["total"] - prof["plain"]["total"]
    res["client_instructions"] = prof

# 5b. both sides' instructions (bench/profile_connect.sh)
def both_sides(path):
    """{host: {what: Ir}} from profile_connect.sh's PROFILE_TSV, with the
    attested/plain ratios of the client, the server and the two together"""
    r = {}
    try:
        for line in open(path):
            h, what, ir = line.rstrip("\n").split("\t")
            r.setdefault(h, {})[what] = int(ir)
    except Exception:
        return {}
    p_, a_ = r.get("plain", {}), r.get("attested", {})
    if not all(k in x for x in (p_, a_) for k in ("client", "server")):
        return {}
    for k in ("client", "server"):
        r[f"ratio_{k}"] = round(a_[k] / p_[k], 3)
    r["ratio_total"] = round((a_["client"] + a_["server"]) /
                             (p_["client"] + p_["server"]), 3)
    return r
both = both_sides(os.path.join(T, "profile_both.tsv"))
if both:
    res["connection_instructions"] = both

# 6. JWKS fetches
try:
    emu = json.load(open(os.path.join(T, "emu_final.json")))
    maa_conns = int(open(os.path.join(T, "maa_conns")).read())
    j = {"certs_requests": emu["certs"], "token_path_connections": maa_conns,
         "tokens_issued": emu["attest"],
         "key_cache": "IssuerKeyCache <temp dir> (ssh's default: ~/.ssh/ra-ssh-keys)",
         "target": "1 /certs fetch across all token-path connections (key lifetime 1 h)"}
    j["pass"] = emu["certs"] == 1
    res["jwks_fetches"] = j
    targets.append(("JWKS fetches across token-path runs == 1",
                    f"{emu['certs']}/{maa_conns} conn.", j["pass"]))
except Exception as e:
    res["jwks_fetches"] = {"error": str(e)}
# 7. collateral, cold vs warm cache (bench/collateral_report.py)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import collateral_report
col = collateral_report.results(T, rows, median, pct, ms)
if col:
    res["collateral_cache"] = col
    targets.append(("collateral: warm cache makes no request",
                    f"{col['requests_warm']} req.", col["pass"]))
# 8. when to attest (bench/when.sh)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import when_report  # noqa: E402
when_report.results(T, res, targets)

res["targets"] = [{"target": t, "result": r, "pass": p} for (t, r, p) in targets]

with open(out, "w") as f:
    json.dump(res, f, indent=2)
    f.write("\n")

# ---- table ----
def f(x, unit=""):
    return "n/a" if x is None else f"{x}{unit}"
def labelled(src, rows, fmt):
    """A line fmt(label, value) for each (key, label) of rows that src has."""
    for k, lab in rows:
        if k in src:
            L.append(fmt(lab, src[k]))
L = []
L.append(f"ra-ssh bench  ({res['when']}, {res['host']['cpus']} cpus, "
         f"load {res['host']['loadavg'][0]:.2f}, cipher {cipher})")
L.append("")
if "connect_true" in res:
    d = res["connect_true"]
    L.append(f"connect + `true`, {N} sequential each, interleaved          median        p99    ok")
    for h, lab in (("plain", "plain (AttestationProvider none)"),
                   ("attested", "attested (sim provider, local verify)"),
                   ("maa", "attested via MAA emulator (token path)")):
        x = d[h]
        L.append(f"  {lab:<48}{f(x['median_ms'],' ms'):>12}{f(x['p99_ms'],' ms'):>12}"
                 f"  {x['ok']}/{x['n']}")
    L.append(f"  ratio attested/plain: paired {f(d['ratio_attested_over_plain_paired'])}"
             f"  (of the medians {f(d['ratio_attested_over_plain_median'])})"
             f"   paired median difference: {f(d['paired_diff_median_ms'],' ms')}")
    L.append(f"  ratio maa/plain:      paired {f(d['ratio_maa_over_plain_paired'])}"
             f"  (of the medians {f(d['ratio_maa_over_plain_median'])})"
             f"   paired median difference: {f(d['paired_diff_maa_median_ms'],' ms')}")
    cp = d.get("cpu_per_connection", {})
    if "plain" in cp:
        L.append(f"  CPU per connection (less load-sensitive)       client    server     total")
        for h in HOSTS:
            x = cp[h]
            L.append(f"    {h:<42}{x['client_ms']:>7.2f} ms{x['server_ms']:>7.2f} ms{x['total_ms']:>7.2f} ms")
        L.append(f"    ratio attested/plain {cp['ratio_total']}, attested costs "
                 f"{cp['attested_minus_plain_ms']} ms CPU more per connection")
        L.append(f"    ratio maa/plain {cp['ratio_total_maa']}, maa costs "
                 f"{cp['maa_minus_plain_ms']} ms CPU more per connection"
                 f" (plus {cp['maa']['emulator_ms']} ms in the emulator)")
    L.append("")
if v:
    L.append("Quote and report verification alone (one core, ra_verify)")
    labelled(v, (("sim_quote_verify", "sim quote, test root + MRTD policy"),
        ("real_quote_verify", "real SPR quote, Intel root, at 2023-06-20"),
        ("real_snp_report_verify", "real SEV-SNP report (Milan), AMD ARK")),
             lambda lab, x: f"  {lab:<48}{x['per_sec']:>9.0f} /s  ({x['us_per_op']:.0f} us each)")
    labelled(v, (("policy_load", "  for scale: ra_policy_load (client, per conn.)"),
        ("sim_provider_open", "  for scale: sim ra_provider_open (sshd, per conn.)"),
        ("sim_collect", "  for scale: sim ra_provider_collect (per quote)")),
             lambda lab, x: f"{lab:<50}{x['us_per_op']:>9.0f} us")
    L.append("")
if tpm:
    L.append("TPM logs (client, one core) and azure-vtpm (sshd's monitor, per connection)  wall (CPU)")
    labelled(tpm, (("eventlog_replay_real", "event logs: the 4 real ones, parse + replay"),
        ("eventlog_replay_100k", "event log: 100 KiB, parse + replay"),
        ("ima_replay_real", "IMA: real list (826), parse + prefix replay"),
        ("ima_replay_10k", "IMA: 10,000 entries, parse + prefix replay"),
        ("azure_vtpm_fresh", "azure-vtpm open+collect, fresh HCL report"),
        ("azure_vtpm_cached", "azure-vtpm open+collect, cached HCL report"),
        ("azure_vtpm_verify", "azure-vtpm tpm-quote ra_verify (client)")),
             lambda lab, x: f"  {lab:<50}{x['us_per_op'] / 1000.0:>9.2f} ms"
        f"  ({x['cpu_us_per_op'] / 1000.0:.2f} ms CPU)")
    c = tpm.get("azure_vtpm_connect")
    if c:
        L.append(f"  ssh connect+true, azure-vtpm hclcache vs plain ({c['ok']}/{c['n']}): "
                 f"{c['cached_median_ms']} / {c['plain_median_ms']} ms, ratio {c['ratio']}")
        if "sshd_cpu_ms_per_conn_cached" in c:
            L.append(f"  sshd CPU per connection: {c['sshd_cpu_ms_per_conn_cached']} ms cached azure-vtpm, "
                     f"{c['sshd_cpu_ms_per_conn_plain']} ms plain (stand-ins not counted)")
    if "azure_vtpm_fresh" in tpm and "azure_vtpm_cached" in tpm:
        L.append(f"  cached/fresh: {tpm['azure_vtpm_cached']['us_per_op'] / tpm['azure_vtpm_fresh']['us_per_op']:.3f}"
                 " (swtpm + paravisor stand-in; on Azure the fresh report costs seconds)")
    L.append("")
def plain_and_attested(key, header, row, summary=None):
    """A section of two rows, plain and attested, and maybe a summary line."""
    if key not in res:
        return
    d = res[key]
    L.append(header)
    for h in ("plain", "attested"):
        L.append(row(h, d[h]))
    if summary:
        L.append(summary(d))
    L.append("")
plain_and_attested(
    "bulk", f"bulk {bulk_mib} MiB through `cat > /dev/null`, {bulk_rep}x each, interleaved  median",
    lambda h, x: f"  {h:<48}{f(x['median_mib_s'],' MiB/s'):>14}   ({', '.join(str(a) for a in x['all_mib_s'])})",
    lambda d: (f"  ratio attested/plain: {f(d['ratio_attested_over_plain'])}"
               f"   CPU per GiB (client+server): plain {f(d['plain'].get('cpu_ms_per_gib_median'),' ms')},"
               f" attested {f(d['attested'].get('cpu_ms_per_gib_median'),' ms')},"
               f" ratio {f(d.get('cpu_ratio_attested_over_plain'))}"))
plain_and_attested(
    "concurrent", f"{conc} concurrent connections (MaxStartups 100)          ok        p50        p99",
    lambda h, x: f"  {h:<44}{x['ok']:>4}/{x['started']:<4}{f(x['p50_ms'],' ms'):>12}{f(x['p99_ms'],' ms'):>12}")
if "client_instructions" in res:
    p_, a_ = prof["plain"], prof["attested"]
    L.append("client instructions per connection (callgrind, load-independent)")
    L.append(f"  plain {p_['total']/1e6:.1f} M   attested {a_['total']/1e6:.1f} M   "
             f"(+{prof['attested_minus_plain_total']/1e6:.1f} M, "
             f"x{a_['total']/p_['total']:.3f})")
    if "maa" in prof:
        m_ = prof["maa"]
        L.append(f"  maa (token path, keys from the disk cache) {m_['total']/1e6:.1f} M   "
                 f"(+{prof['maa_minus_plain_total']/1e6:.1f} M, x{m_['total']/p_['total']:.3f})")
    labelled(a_, (("ra_policy_load", "ra_policy_load (before login)"),
        ("ra_verify", "ra_verify"),
        ("ra_verify_verdict", "ra_verify_verdict"),
        ("PEM_read_bio_X509", "  of which PEM->X509 parsing (all certs)"),
        ("OSSL_DECODER_CTX_new_for_pkey", "  of which OpenSSL decoder set-up"),
        ("VerifyCertChain", "  of which X509 chain check"),
        ("VerifyEcdsaP256Raw", "  of which QE/quote ECDSA checks")),
             lambda lab, x: f"    {lab:<44}{x/1e6:>7.2f} M")
    L.append("")
if both:
    p_, a_ = both["plain"], both["attested"]
    L.append("instructions per connection, both sides (callgrind; server = its sshd-session processes)")
    L.append(f"  client plain {p_['client']/1e6:.1f} M, attested {a_['client']/1e6:.1f} M (x{both['ratio_client']})"
             f"   server plain {p_['server']/1e6:.1f} M, attested {a_['server']/1e6:.1f} M (x{both['ratio_server']})")
    L.append(f"  both: x{both['ratio_total']}"
             + (f"   (evidence production {a_['production']/1e6:.1f} M)" if "production" in a_ else ""))
    L.append("")
jf = res.get("jwks_fetches", {})
if "certs_requests" in jf:
    L.append(f"JWKS fetches (emulator /certs requests) across {jf['token_path_connections']} "
             f"token-path connections: {jf['certs_requests']}   "
             f"(tokens issued: {jf['tokens_issued']})")
else:
    L.append(f"JWKS fetches: n/a ({jf.get('error')})")
L.append("")
if col:
    L.extend(collateral_report.table(col, f))
when_report.table(res, L)
L.append("targets")
for (t, r, p) in targets:
    L.append(f"  {t:<48}{r:>10}   {'PASS' if p else 'MISS'}")
L.append("")
L.append(f"results: {out}")
print("\n".join(L))
