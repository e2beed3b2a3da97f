// ssh-attest's evidence subcommands: inspect, verify, token-claims, quote.
// verify goes through the library's front door (ra::Evaluate), so it
// checks every evidence kind the library knows.
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/evidence.h"
#include "common/evidence_bundle.h"
#include "parse/jwt_token.h"
#include "parse/snp_report.h"
#include "parse/tdx_quote.h"
#include "parse/tpm_json_view.h"
#include "parse/tpm_quote.h"
#include "policy/policy.h"
#include "provider/sim_tdx_authority.h"
#include "verify/evaluate.h"

#include "cli.h"

namespace ssh_attest {
namespace {

std::string Field(const ra::VerifiedClaims& c, const char* name) {
  return ra::ClaimField(c, name);
}

void PrintTokenClaims(const ra::VerifiedClaims& c, const char* pol, bool bound) {
  if (Field(c, "generic") == "yes") {
    // Signature, issuer and times hold, but we know no binding or
    // reference-value claims for this kind of token.
    std::string at = Field(c, "attestation_type");
    std::printf("verified %s (generic; attestation type %s; TDX claim checks not "
                "applicable): issuer=%s alg=%s kid=%s iat=%s exp=%s policy=%s "
                "report-data=NOT-CHECKED\n",
                c.kind.c_str(), at.empty() ? "none" : at.c_str(), Field(c, "issuer").c_str(),
                Field(c, "alg").c_str(), Field(c, "kid").c_str(), Field(c, "iat").c_str(),
                Field(c, "exp").c_str(), pol);
    return;
  }
  // TDX tokens name the TD by mrtd, SEV-SNP ones by the launch measurement.
  const bool snp = Field(c, "attestation_type") == "sevsnpvm";
  std::string mrtd = Field(c, snp ? "measurement" : "mrtd");
  std::printf("verified %s (%s): issuer=%s alg=%s kid=%s %s=%s debug=%s policy=%s "
              "report-data=%s\n",
              c.kind.c_str(), Field(c, "attestation_type").c_str(), Field(c, "issuer").c_str(),
              Field(c, "alg").c_str(), Field(c, "kid").c_str(), snp ? "measurement" : "mrtd",
              mrtd.empty() ? "absent" : mrtd.c_str(), Field(c, "debug").c_str(), pol,
              bound ? "matches" : "NOT-CHECKED(no --report-data)");
}

// One line per verified item: quotes by version, tokens by issuer.
void PrintClaims(const ra::VerifiedClaims& c, const char* pol, bool bound) {
  if (!Field(c, "issuer").empty()) return PrintTokenClaims(c, pol, bound);
  if (c.kind == ra::kEvidenceSnpReport || c.kind == ra::kEvidenceAzureSnpReport) {
    std::printf("verified %s v%s: product=%s signer=%s measurement=%s tcb=%s debug=%s "
                "policy=%s report-data=%s\n",
                c.kind.c_str(), Field(c, "version").c_str(), Field(c, "product").c_str(),
                Field(c, "signer").c_str(), Field(c, "measurement").c_str(),
                Field(c, "reported_tcb").c_str(), Field(c, "debug").c_str(), pol,
                bound ? "matches" : "NOT-CHECKED(no --report-data)");
    return;
  }
  if (c.kind == ra::kEvidenceTpmQuote) {
    std::string ima = Field(c, "ima");
    std::printf("verified %s: ak=%s ak-sha256=%s eventlog=%s secure-boot=%s ima=%s policy=%s "
                "extra-data=%s\n",
                c.kind.c_str(), Field(c, "ak_trust").c_str(), Field(c, "ak_sha256").c_str(),
                Field(c, "eventlog").c_str(),
                Field(c, "secure_boot").empty() ? "unknown" : Field(c, "secure_boot").c_str(),
                ima.empty() ? "absent" : ("\"" + ima + "\"").c_str(), pol,
                bound ? "matches" : "NOT-CHECKED(no --report-data)");
    return;
  }
  std::string tcb = Field(c, "tcb_status");
  if (tcb == "not evaluated") tcb = "not-evaluated(no Collateral)";
  std::printf("verified %s v%s: mrtd=%s fmspc=%s tcb=%s debug=%s policy=%s report-data=%s\n",
              c.kind.c_str(), Field(c, "version").c_str(), Field(c, "mrtd").c_str(),
              Field(c, "fmspc").c_str(), tcb.c_str(), Field(c, "debug").c_str(), pol,
              bound ? "matches" : "NOT-CHECKED(no --report-data)");
}

std::string Hex64(uint64_t v) {
  char b[19];
  std::snprintf(b, sizeof b, "0x%016llx", static_cast<unsigned long long>(v));
  return b;
}

// A report's fields as parsed (not verified); TCB words decoded when the
// report names its product (v3+).
json_t* SnpReportJson(const ra::SnpReport& r) {
  json_t* o = json_object();
  auto str = [o](const char* k, const std::string& v) {
    json_object_set_new(o, k, json_string(v.c_str()));
  };
  auto num = [o](const char* k, uint64_t v) {
    json_object_set_new(o, k, json_integer(static_cast<json_int_t>(v)));
  };
  num("version", r.version);
  num("guest_svn", r.guest_svn);
  str("policy", Hex64(r.policy));
  ra::SnpGuestPolicy gp = ra::DecodeSnpGuestPolicy(r.policy);
  str("policy_abi", std::to_string(gp.abi_major) + "." + std::to_string(gp.abi_minor));
  json_object_set_new(o, "policy_debug", json_boolean(gp.debug));
  json_object_set_new(o, "policy_migrate_ma", json_boolean(gp.migrate_ma));
  json_object_set_new(o, "policy_smt", json_boolean(gp.smt));
  str("family_id", ra::HexEncode(r.family_id));
  str("image_id", ra::HexEncode(r.image_id));
  num("vmpl", r.vmpl);
  num("signature_algo", r.signature_algo);
  str("current_tcb", Hex64(r.current_tcb));
  str("platform_info", Hex64(r.platform_info));
  num("signing_key", r.signing_key);
  json_object_set_new(o, "mask_chip_key", json_boolean(r.mask_chip_key));
  json_object_set_new(o, "author_key_en", json_boolean(r.author_key_en));
  str("report_data", ra::HexEncode(r.report_data));
  str("measurement", ra::HexEncode(r.measurement));
  str("host_data", ra::HexEncode(r.host_data));
  str("id_key_digest", ra::HexEncode(r.id_key_digest));
  str("author_key_digest", ra::HexEncode(r.author_key_digest));
  str("report_id", ra::HexEncode(r.report_id));
  str("report_id_ma", ra::HexEncode(r.report_id_ma));
  str("reported_tcb", Hex64(r.reported_tcb));
  if (r.has_cpuid) {  // v3+
    num("cpuid_fam_id", r.cpuid_fam_id);
    num("cpuid_mod_id", r.cpuid_mod_id);
    num("cpuid_step", r.cpuid_step);
  }
  ra::SnpProduct product = ra::SnpReportProduct(r);
  str("product", ra::SnpProductName(product));
  ra::SnpTcbParts t;
  if (ra::DecodeSnpTcb(r.reported_tcb, product, &t).ok())
    str("reported_tcb_parts", "bl=" + std::to_string(t.bootloader) + ",tee=" +
                                  std::to_string(t.tee) + ",snp=" + std::to_string(t.snp) +
                                  ",ucode=" + std::to_string(t.microcode) +
                                  (product == ra::SnpProduct::kTurin
                                       ? ",fmc=" + std::to_string(t.fmc)
                                       : std::string()));
  str("chip_id", ra::HexEncode(r.chip_id));
  str("committed_tcb", Hex64(r.committed_tcb));
  str("launch_tcb", Hex64(r.launch_tcb));
  str("current_version", std::to_string(r.current_major) + "." +
                             std::to_string(r.current_minor) + "." +
                             std::to_string(r.current_build));
  str("committed_version", std::to_string(r.committed_major) + "." +
                               std::to_string(r.committed_minor) + "." +
                               std::to_string(r.committed_build));
  if (r.has_mit_vectors) {  // v5
    str("launch_mit_vector", Hex64(r.launch_mit_vector));
    str("current_mit_vector", Hex64(r.current_mit_vector));
  }
  return o;
}

}  // namespace

// A tdx-eventlog item's log as JSON, nullptr for anything else (eventlog.cpp).
json_t* InspectTdxEventLog(const ra::EvidenceItem& item);

namespace {

// One bundle item for inspect: its type and size, and what it holds,
// decoded but NOT verified: a TDX quote's fields, a token's header and
// claims, a JSON document, or else the bytes in base64.
json_t* InspectItem(const ra::EvidenceItem& item) {
  json_t* j = json_object();
  json_object_set_new(j, "type", json_string(item.type.c_str()));
  json_object_set_new(j, "size", json_integer(static_cast<json_int_t>(item.data.size())));
  if (json_t* ccel = InspectTdxEventLog(item)) {
    json_object_set_new(j, "ccel_log", ccel);
    return j;
  }
  std::string text(item.data.begin(), item.data.end());
  ra::TdxQuote q;
  ra::JwtToken tok;
  ra::JsonPtr doc;
  ra::SnpReport snp;
  ra::TpmQuote tq;
  if ((item.type == ra::kEvidenceSnpReport || item.type == ra::kEvidenceAzureSnpReport) &&
      ra::ParseSnpReport(item.data, &snp).ok()) {
    json_object_set_new(j, "snp_report", SnpReportJson(snp));
  } else if (item.type == ra::kEvidenceTpmQuote && ra::ParseTpmQuote(item.data, &tq).ok()) {
    json_object_set_new(j, "tpm_quote", json_loads(ra::TpmQuoteToJson(tq).c_str(), 0, nullptr));
  } else if (ra::ParseTdxQuote(item.data, &q).ok()) {
    json_object_set_new(j, "quote", json_loads(ra::TdxQuoteToJson(q).c_str(), 0, nullptr));
  } else if (LooksLikeToken(item.data) && ra::ParseJwt(text, &tok).ok()) {
    json_object_set(j, "token_header", tok.header.get());
    json_object_set(j, "token_claims_unverified", tok.payload.get());
  } else if (ra::ParseJsonObject(text, "item", &doc).ok()) {
    json_object_set(j, "json", doc.get());
  } else {
    json_object_set_new(j, "base64", json_string(ra::Base64Encode(item.data).c_str()));
  }
  return j;
}

}  // namespace

// A bare quote prints as before (its fields); a bundle as every item.
int CmdInspect(int argc, char** argv) {
  Args a;
  std::string err = ParseArgsOneOperand(argc, argv, "", "inspect wants one FILE", &a);
  if (!err.empty()) return Usage(err);
  std::vector<ra::EvidenceItem> items;
  bool bundle = false;
  int rc = LoadItems(a.positional[0], a, &items, &bundle);
  if (rc != kExitOk) return rc;
  ra::TdxQuote q;
  if (!bundle && items.size() == 1 && ra::ParseTdxQuote(items[0].data, &q).ok()) {
    std::printf("%s\n", ra::TdxQuoteToJson(q).c_str());
    return kExitOk;
  }
  ra::JsonPtr out(json_object());
  json_t* arr = json_array();
  json_object_set_new(out.get(), "version", json_integer(ra::kEvidenceBundleVersion));
  json_object_set_new(out.get(), "items", arr);
  for (const ra::EvidenceItem& item : items) json_array_append_new(arr, InspectItem(item));
  std::printf("%s\n", ra::JsonDump(out.get(), true).c_str());
  return kExitOk;
}

namespace {

// The policy must accept what the file holds; said before verifying, with
// the keyword that would accept it.
int CheckAccepted(const std::vector<ra::EvidenceItem>& items, const ra::Policy& policy) {
  for (const ra::EvidenceItem& it : items) {
    const ra::EvidenceKind* kind = ra::FindKind(it.type);
    if (kind == nullptr) continue;  // a companion, or unknown
    if (std::find(policy.accepted_types.begin(), policy.accepted_types.end(), it.type) !=
        policy.accepted_types.end())
      return kExitOk;
  }
  std::string types;
  for (const ra::EvidenceItem& it : items)
    if (ra::FindKind(it.type)) types += (types.empty() ? "" : ",") + it.type;
  if (types.empty()) return Failure("evidence: no item of a known type in the file");
  return Failure("policy: " + policy.source + " does not accept " + types + " (AcceptEvidence " +
                 types + ")");
}

// A bare TDX quote refused on its binding whose REPORTDATA ends in 32
// zero bytes is most likely an Azure quote: REPORTDATA[0:32] is SHA-256
// of the runtime JSON, which it must be verified with.
std::string AzureQuoteHint(const ra::Status& s, const std::vector<ra::EvidenceItem>& items,
                           const Args& a) {
  if (Has(a, "--runtime-data") || items.size() != 1 || items[0].type != ra::kEvidenceTdxQuote ||
      s.message().find("REPORTDATA does not match") == std::string::npos)
    return "";
  ra::TdxQuote q;
  if (!ra::ParseTdxQuote(items[0].data, &q).ok()) return "";
  const auto& rd = q.body.report_data;
  if (!std::all_of(rd.begin() + 32, rd.end(), [](uint8_t b) { return b == 0; })) return "";
  return " (its REPORTDATA looks like an Azure quote's, SHA-256 of a runtime JSON: verify it "
         "with --runtime-data FILE)";
}

}  // namespace

int CmdVerify(int argc, char** argv) {
  Args a;
  std::string err = ParseArgsOneOperand(
      argc, argv, "--report-data= --policy= --at= --runtime-data=", "verify wants one FILE", &a);
  if (!err.empty()) return Usage(err);
  ra::Binding binding{};
  const bool bound = Has(a, "--report-data");
  if (bound) {
    err = ParseBinding(a.opts["--report-data"], &binding);
    if (!err.empty()) return Usage(err);
  }
  std::time_t now = 0;
  if (Has(a, "--at") && !ParseTime(a.opts["--at"], &now))
    return Usage("--at wants an RFC 3339 time such as 2023-06-20T00:00:00Z or seconds "
                 "since the epoch, not '" + a.opts["--at"] + "'");
  ra::Policy policy;
  if (Has(a, "--policy")) {
    ra::Status s = ra::LoadPolicyFile(a.opts["--policy"], &policy);
    if (!s.ok()) return Failure(s.message());
  }
  std::vector<ra::EvidenceItem> items;
  int rc = LoadItems(a.positional[0], a, &items);
  if (rc == kExitOk) rc = CheckAccepted(items, policy);
  if (rc != kExitOk) return rc;
  ra::Verdict verdict;
  ra::Status s = ra::Evaluate(items, policy, bound ? &binding : nullptr, now, &verdict);
  if (!s.ok()) return Failure(s.message() + AzureQuoteHint(s, items, a));
  const char* pol = Has(a, "--policy") ? policy.source.c_str() : "default";
  for (const ra::VerifiedItem& vi : verdict.items) PrintClaims(vi.claims, pol, bound);
  return kExitOk;
}

// Decodes without verifying, for looking at a token; the output says so.
int CmdTokenClaims(int argc, char** argv) {
  Args a;
  std::string err = ParseArgsOneOperand(argc, argv, "", "token-claims wants one FILE", &a);
  if (!err.empty()) return Usage(err);
  std::string text;
  ra::Status s = ra::ReadTextFileBounded(a.positional[0], ra::kMaxJwtLen + 64, &text);
  if (!s.ok()) return Failure(s.message());
  ra::JwtToken tok;
  s = ra::ParseJwt(text, &tok);
  if (!s.ok()) return Failure(s.message());
  ra::JsonPtr out(json_object());
  if (!out ||
      json_object_set_new(out.get(), "verified", json_false()) != 0 ||
      json_object_set_new(out.get(), "note",
                          json_string("UNVERIFIED: decoded only; signature, issuer, "
                                      "times and claims were NOT checked")) != 0 ||
      json_object_set(out.get(), "header", tok.header.get()) != 0 ||
      json_object_set(out.get(), "claims", tok.payload.get()) != 0)
    return Failure("internal error: out of memory");
  std::printf("%s\n", ra::JsonDump(out.get(), true).c_str());
  return kExitOk;
}

namespace {

// The raw form: -o gets the quote whichever way the provider makes it
// (raw, SHA-512 of the binding, Azure); an Azure provider's runtime JSON
// and service token go to --runtime-data and --token.  Asking for a
// companion the provider did not produce is an error, not an empty file.
int WriteRawItems(const Args& a, const std::vector<ra::EvidenceItem>& items) {
  auto find = [&](const char* type) -> const ra::EvidenceItem* {
    for (const auto& item : items)
      if (item.type == type) return &item;
    return nullptr;
  };
  const ra::EvidenceItem* quote = nullptr;
  for (const auto& item : items)
    if (!quote && LooksLikeQuote(item.data)) quote = &item;
  if (!quote) return Failure("provider: no quote produced");
  const struct {
    const char* opt;
    const char* type;
  } companions[] = {{"--runtime-data", ra::kEvidenceAzureRuntimeData},
                    {"--token", ra::kEvidenceMaaToken}};
  for (const auto& c : companions)
    if (Has(a, c.opt) && !find(c.type))
      return Failure(std::string("provider: no ") + c.type + " produced (" + c.opt + ")");
  int rc = WriteOut(a.opts.at("-o"), quote->data);
  for (const auto& c : companions)
    if (rc == kExitOk && Has(a, c.opt)) rc = WriteOut(a.opts.at(c.opt), find(c.type)->data);
  return rc;
}

}  // namespace

// -o gets an evidence bundle of every item the provider produced (tokens
// included), or, with --raw / --runtime-data / --token, the raw items.
int CmdQuote(int argc, char** argv) {
  Args a;
  std::string err = ParseArgs(
      argc, argv, "--provider= --report-data= -o= --raw --runtime-data= --token=", &a);
  if (!err.empty()) return Usage(err);
  if (!a.positional.empty()) return Usage("quote takes no positional argument");
  for (const char* o : {"--provider", "--report-data", "-o"})
    if (!Has(a, o)) return Usage(std::string("quote needs ") + o);
  ra::Binding binding{};
  err = ParseBinding(a.opts["--report-data"], &binding);
  if (!err.empty()) return Usage(err);

  std::unique_ptr<ra::EvidenceProvider> provider;
  ra::Status s = ra::OpenProvider(a.opts["--provider"], &provider);
  if (!s.ok()) return Failure(s.message());
  std::vector<ra::EvidenceItem> items;
  s = provider->Collect(binding, &items);
  if (!s.ok()) return Failure(s.message());
  if (Has(a, "--raw") || Has(a, "--runtime-data") || Has(a, "--token"))
    return WriteRawItems(a, items);
  std::string json;
  s = ra::EvidenceBundleJson(items, &json);
  if (!s.ok()) return Failure(s.message());
  return WriteOut(a.opts["-o"], ra::Bytes(json.begin(), json.end()));
}

}  // namespace ssh_attest
