// Azure-style evidence and the attestation-service client (MAA).
//
// On Azure TDX CVMs the binding does not go into REPORTDATA directly: the
// paravisor puts SHA-256(runtime JSON) into REPORTDATA[0:32] and the
// runtime JSON carries the guest's "user-data".  Azure Attestation checks
// that hash and copies the runtime JSON into the token's x-ms-runtime.
// This provider reproduces that shape over any raw quote source (today the
// sim: "sim-azure:DIR"):
//
//   runtime JSON  = {"user-data":"<128 upper-case hex digits of binding>"}
//                   (these exact bytes, produced here)
//   REPORTDATA    = SHA-256(runtime JSON) || 32 zero bytes
//   evidence      = "azure-tdx-quote" (the quote), "azure-runtime-data"
//                   (the runtime JSON), and, with a service configured,
//                   "maa-token" (the service's JWT for both) or, when the
//                   service fails, "service-error" (its one-line error).
//
// Spec: "sim-azure:DIR[;service=URL][;ca=FILE][;timeout=SECONDS]".  The
// service is asked with POST {URL}/attest/TdxVm?api-version=... over
// libcurl: https only, TLS verification always on (ca= replaces the system
// store, never disables it), no redirects, connect and total timeouts
// (total <= kMaxServiceTimeout), response bounded, HTTP status 200 only.
// It runs in sshd's privileged monitor; a slow or failing service costs
// the one connection its token, not its evidence: the raw quote still goes
// out (degrade, do not lock out), and a client that requires the token is
// refused with the service's reason.
#include <openssl/sha.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "common/https_client.h"
#include "common/safe_path.h"
#include "parse/jwt_token.h"
#include "provider/json_exchange.h"
#include "provider/providers.h"

namespace ra {
namespace {

const char kCheck[] = "attestation service";
constexpr size_t kMaxResponse = 256 * 1024;
constexpr long kConnectTimeoutS = 5;
constexpr const char kApiVersion[] = "2023-04-01-preview";


class AzureEvidenceProvider : public EvidenceProvider {
 public:
  AzureEvidenceProvider(std::unique_ptr<EvidenceProvider> quotes,
                        const AttestationServiceOptions& service)
      : quotes_(std::move(quotes)), service_(service) {}
  Status Collect(const Binding& binding, std::vector<EvidenceItem>* out) override;

 private:
  std::unique_ptr<EvidenceProvider> quotes_;
  AttestationServiceOptions service_;
};

Status AzureEvidenceProvider::Collect(const Binding& binding,
                                      std::vector<EvidenceItem>* out) {
  const std::string runtime = AzureRuntimeJson(binding);
  Binding report_data{};
  SHA256(reinterpret_cast<const uint8_t*>(runtime.data()), runtime.size(), report_data.data());
  std::vector<EvidenceItem> raw;
  RA_RETURN_IF_ERROR(quotes_->Collect(report_data, &raw));
  Bytes quote;
  for (EvidenceItem& it : raw) {
    if (it.type == kEvidenceTdxQuote) {
      quote = std::move(it.data);
      break;
    }
  }
  if (quote.empty()) return Status::Fail("azure evidence", "quote source produced no TDX quote");
  return AppendAzureEvidence(service_, std::move(quote), Bytes(runtime.begin(), runtime.end()),
                             out);
}

}  // namespace

std::string AzureRuntimeJson(const Binding& binding) {
  std::string hex = HexEncode(ByteView(binding.data(), binding.size()));
  for (char& c : hex)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  return "{\"user-data\":\"" + hex + "\"}";
}

Status ParseAttestationServiceSpec(const std::string& spec, std::string* base,
                                   AttestationServiceOptions* out,
                                   const std::vector<std::string>& extra_keys,
                                   std::map<std::string, std::string>* extra) {
  AttestationServiceOptions o;
  std::map<std::string, std::string> own;
  std::set<std::string> seen;
  size_t pos = spec.find(';');
  *base = spec.substr(0, pos);
  while (pos != std::string::npos) {
    size_t next = spec.find(';', pos + 1);
    std::string opt = spec.substr(pos + 1, next == std::string::npos ? std::string::npos
                                                                      : next - pos - 1);
    pos = next;
    size_t eq = opt.find('=');
    std::string key = opt.substr(0, eq);
    std::string val = eq == std::string::npos ? std::string() : opt.substr(eq + 1);
    if (eq == std::string::npos || val.empty())
      return Status::Fail("provider spec", "'" + opt + "': expected service=URL, ca=FILE "
                                           "or timeout=SECONDS");
    // A key given twice (in AttestationProvider and again through
    // sshd_config's AttestationService, say) is refused, not overridden.
    if (!seen.insert(key).second)
      return Status::Fail("provider spec", key + "= given twice");
    if (std::find(extra_keys.begin(), extra_keys.end(), key) != extra_keys.end()) {
      own[key] = val;
    } else if (key == "service") {
      std::string norm;
      Status s = NormalizeHttpsUrl(val, &norm);
      if (!s.ok()) return Status::Fail("provider spec", "service " + s.message());
      o.url = norm;
    } else if (key == "ca") {
      if (val[0] != '/')
        return Status::Fail("provider spec", "ca '" + val + "' is not an absolute path");
      // It decides which server's token we hand on: judged like ssh's files.
      Status s = CheckSafeFile("provider spec", val);
      if (!s.ok()) return Status::Fail("provider spec", "ca: " + s.detail());
      Bytes pem;
      s = ReadFileBounded(val, 1 << 20, &pem);
      if (!s.ok()) return Status::Fail("provider spec", "ca " + s.message());
      o.ca_file = val;
    } else if (key == "timeout") {
      if (val.size() > 3 || val.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(val) < 1 || std::stoi(val) > kMaxServiceTimeout)
        return Status::Fail("provider spec", "timeout '" + val + "': 1.." +
                                                 std::to_string(kMaxServiceTimeout) +
                                                 " seconds");
      o.timeout_seconds = std::stoi(val);
    } else {
      return Status::Fail("provider spec", "unknown option '" + key + "'");
    }
  }
  if (o.url.empty() && !o.ca_file.empty())
    return Status::Fail("provider spec", "ca= without service=");
  *out = o;
  if (extra) *extra = std::move(own);
  return Status();
}

Status RequestMaaToken(const AttestationServiceOptions& service, ByteView quote,
                       ByteView runtime_data, std::string* token) {
  const std::string url = service.url + "/attest/TdxVm?api-version=" + kApiVersion;
  const std::string body = "{\"quote\":\"" + Base64UrlEncode(quote) +
                           "\",\"runtimeData\":{\"data\":\"" + Base64UrlEncode(runtime_data) +
                           "\",\"dataType\":\"JSON\"}}";
  HttpsRequest req;
  req.url = url;
  req.label = service.url;
  req.ca_file = service.ca_file;
  req.post_json = &body;
  req.total_timeout_s =
      service.timeout_seconds > 0 && service.timeout_seconds <= kMaxServiceTimeout
          ? service.timeout_seconds
          : kMaxServiceTimeout;
  req.connect_timeout_s = kConnectTimeoutS;
  req.max_body = kMaxResponse;
  std::string t;
  RA_RETURN_IF_ERROR(
      PostForJsonMember(req, kCheck, "attestation service response", "token", kCheck, &t));
  if (t.empty() || t.size() > kMaxJwtLen)
    return Status::Fail(kCheck, "token empty or longer than " + std::to_string(kMaxJwtLen));
  // Structure only: the relying party verifies it; this catches a service
  // answering with something that is not a JWS before it is sent on.
  JwtToken parsed;
  Status s = ParseJwt(t, &parsed);
  if (!s.ok()) return Status::Fail(kCheck, "token: " + s.message());
  *token = std::move(t);
  return Status();
}

Status AppendAzureEvidence(const AttestationServiceOptions& service, Bytes quote,
                           Bytes runtime_json, std::vector<EvidenceItem>* out) {
  std::string token, service_error;
  if (!service.url.empty()) {
    Status s = RequestMaaToken(service, quote, runtime_json, &token);
    if (!s.ok()) {
      token.clear();
      service_error = s.message().substr(0, kMaxServiceErrorLen);
      for (char& c : service_error)  // one line, whatever the service said
        if (c < 0x20 || c > 0x7e) c = '?';
    }
  }
  out->push_back(EvidenceItem{kEvidenceAzureTdxQuote, std::move(quote)});
  out->push_back(EvidenceItem{kEvidenceAzureRuntimeData, std::move(runtime_json)});
  if (!token.empty())
    out->push_back(EvidenceItem{kEvidenceMaaToken, Bytes(token.begin(), token.end())});
  if (!service_error.empty())
    out->push_back(EvidenceItem{kEvidenceServiceError,
                                Bytes(service_error.begin(), service_error.end())});
  return Status();
}

Status OpenAzureEvidenceProvider(std::unique_ptr<EvidenceProvider> quotes,
                                 const AttestationServiceOptions& service,
                                 std::unique_ptr<EvidenceProvider>* out) {
  if (!quotes) return Status::Fail("provider spec", "no quote source");
  *out = std::make_unique<AzureEvidenceProvider>(std::move(quotes), service);
  return Status();
}

}  // namespace ra
