// Fetching Intel collateral (pcs_fetcher.h).  The cache holds only what
// VerifyTdxCollateral accepted, and every use verifies it again (at the
// verification time, with the same anchors and options as a fresh
// answer): the cache saves the round trips, never a check.  Its files
// follow the private-cache rules (common/private_cache.h) and name the
// base URL, TLS CA file, FMSPC and PCK CA they were fetched for.
#include "verify/pcs_fetcher.h"

#include <openssl/sha.h>

#include <chrono>
#include <cstring>

#include "common/bytes_util.h"
#include "common/https_client.h"
#include "common/private_cache.h"

namespace ra {
namespace {

const char kCheck[] = "collateral fetch";
const char kMagic[] = "ra-ssh pcs collateral 1";
constexpr size_t kMaxHeaderValue = 64 * 1024;
constexpr size_t kMaxCacheFile = 8u << 20;
const char kIntelPcsHost[] = "https://api.trustedservices.intel.com";
const char kIntelRootCrl[] = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Sha256Hex(const std::string& s) {
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(s.data()), s.size(), h);
  return HexEncode(ByteView(h, sizeof(h)));
}

std::string FmspcHex(const Fmspc& f) {
  std::string h = HexEncode(ByteView(f.data(), f.size()));
  for (char& c : h) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return h;
}

using Clock = std::chrono::steady_clock;

// One GET with whatever is left until deadline.
Status HttpsGet(const PcsOptions& opt, const std::string& url, Clock::time_point deadline,
           std::string* body, std::map<std::string, std::string>* headers) {
  const long left = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
  if (left <= 0) return Status::Fail(kCheck, url + ": timed out");
  HttpsRequest req;
  req.url = url;
  req.ca_file = opt.ca_file;
  req.max_body = opt.max_body;
  req.total_timeout_ms = left;
  req.connect_timeout_s = 5;
  req.response_headers = headers;
  return HttpsExchange(req, kCheck, body);
}

Status ChainHeader(const std::map<std::string, std::string>& h,
                   std::initializer_list<const char*> names, const std::string& url,
                   std::string* pem) {
  for (const char* n : names) {
    auto it = h.find(n);
    if (it != h.end()) return DecodeIssuerChainHeader(it->second, std::string(kCheck), pem);
  }
  return Status::Fail(kCheck, url + ": no " + *names.begin() + " header");
}

// ---- the cache file ----

struct CacheKey {
  std::string source, ca, fmspc, pck_ca;
};

CacheKey KeyOf(const PcsOptions& opt, const Fmspc& fmspc, PckCa ca) {
  return CacheKey{opt.base_url, opt.ca_file.empty() ? "-" : opt.ca_file, FmspcHex(fmspc),
                  PckCaName(ca)};
}

std::string CacheName(const CacheKey& k) {
  return Sha256Hex(std::string(kMagic) + "\n" + k.source + "\n" + k.ca + "\n" + k.fmspc + "\n" +
                   k.pck_ca + "\n") +
         ".collateral";
}

struct Section {
  const char* name;
  std::string* text;
  Bytes* bytes;
};

std::vector<Section> SectionsOf(TdxCollateral* c) {
  return {{"tcb-info", &c->tcb_info, nullptr},
          {"tcb-info-issuer-chain", &c->tcb_info_issuer_chain, nullptr},
          {"qe-identity", &c->qe_identity, nullptr},
          {"qe-identity-issuer-chain", &c->qe_identity_issuer_chain, nullptr},
          {"pck-crl", nullptr, &c->pck_crl},
          {"pck-crl-issuer-chain", &c->pck_crl_issuer_chain, nullptr},
          {"root-ca-crl", nullptr, &c->root_ca_crl}};
}

std::string Serialize(const CacheKey& k, TdxCollateral c) {
  std::string out = std::string(kMagic) + "\nsource " + k.source + "\nca " + k.ca + "\nfmspc " +
                    k.fmspc + "\npck-ca " + k.pck_ca + "\n";
  for (const Section& s : SectionsOf(&c)) {
    std::string v = s.text ? *s.text : std::string(s.bytes->begin(), s.bytes->end());
    out += std::string(s.name) + " " + std::to_string(v.size()) + "\n" + v + "\n";
  }
  return out;
}

// "NAME VALUE\n" at *pos, VALUE non-empty and without a newline.
bool Line(const std::string& t, size_t* pos, const std::string& name, std::string* value) {
  size_t nl = t.find('\n', *pos);
  if (nl == std::string::npos || nl - *pos > 4096) return false;
  if (t.compare(*pos, name.size() + 1, name + " ") != 0) return false;
  *value = t.substr(*pos + name.size() + 1, nl - *pos - name.size() - 1);
  *pos = nl + 1;
  return !value->empty();
}

Status Deserialize(const std::string& name, const std::string& t, const CacheKey& want,
                   TdxCollateral* out) {
  size_t pos = 0;
  CacheKey k;
  std::string magic = std::string(kMagic) + "\n";
  if (t.compare(0, magic.size(), magic) != 0)
    return Status::Fail(name, "not a collateral cache file (version 1)");
  pos = magic.size();
  if (!Line(t, &pos, "source", &k.source) || !Line(t, &pos, "ca", &k.ca) ||
      !Line(t, &pos, "fmspc", &k.fmspc) || !Line(t, &pos, "pck-ca", &k.pck_ca))
    return Status::Fail(name, "malformed header");
  // The name is a hash: check that the entry is for what we asked about.
  if (k.source != want.source || k.ca != want.ca || k.fmspc != want.fmspc ||
      k.pck_ca != want.pck_ca)
    return Status::Fail(name, "is for " + k.source + " " + k.fmspc + " " + k.pck_ca +
                                  " (CA " + k.ca + "), not what was asked");
  TdxCollateral c;
  for (const Section& s : SectionsOf(&c)) {
    std::string len_s;
    if (!Line(t, &pos, s.name, &len_s) || len_s.size() > 9 ||
        len_s.find_first_not_of("0123456789") != std::string::npos)
      return Status::Fail(name, std::string("malformed section ") + s.name);
    size_t len = static_cast<size_t>(std::stoul(len_s));
    if (len > t.size() - pos || t.size() - pos - len < 1 || t[pos + len] != '\n')
      return Status::Fail(name, std::string("section ") + s.name + " truncated");
    if (s.text) s.text->assign(t, pos, len);
    else s.bytes->assign(t.begin() + static_cast<long>(pos),
                         t.begin() + static_cast<long>(pos + len));
    pos += len + 1;
  }
  if (pos != t.size()) return Status::Fail(name, "trailing data");
  *out = std::move(c);
  return Status();
}

class PcsSource : public CollateralSource {
 public:
  PcsSource(PcsOptions opt, std::vector<X509*> anchors, CollateralOptions vopt)
      : opt_(std::move(opt)), anchors_(std::move(anchors)), vopt_(std::move(vopt)) {}
  Status Get(const Fmspc& fmspc, PckCa ca, std::time_t now, long timeout_ms,
             TdxCollateral* out) override;

 private:
  void Warn(const std::string& m) const {
    if (vopt_.warn) vopt_.warn(m);
  }
  // A cached entry that verifies at now: *fresh when without grace.
  bool FromCache(int dirfd, const std::string& name, const CacheKey& key, const Fmspc& fmspc,
                 PckCa ca, std::time_t now, TdxCollateral* c, bool* fresh) const;
  PcsOptions opt_;
  std::vector<X509*> anchors_;
  CollateralOptions vopt_;
};

bool PcsSource::FromCache(int dirfd, const std::string& name, const CacheKey& key,
                          const Fmspc& fmspc, PckCa ca, std::time_t now, TdxCollateral* c,
                          bool* fresh) const {
  std::string text;
  Status s = ReadPrivateFile(dirfd, name, kMaxCacheFile, &text);
  if (s.ok()) s = Deserialize(name, text, key, c);
  if (!s.ok()) {
    Warn("collateral cache " + opt_.cache_dir + ": not used: " + s.message());
    return false;
  }
  c->origin = opt_.cache_dir + "/" + name;
  VerifiedTdxCollateral v;
  CollateralOptions strict = vopt_;
  strict.collateral_grace = 0;
  strict.warn = nullptr;
  s = VerifyTdxCollateral(*c, fmspc, nullptr, ca, anchors_, strict, now, &v);
  *fresh = s.ok();
  if (s.ok()) return true;
  // Past nextUpdate: still a fallback if grace covers it.
  CollateralOptions quiet = vopt_;
  quiet.warn = nullptr;
  Status g = VerifyTdxCollateral(*c, fmspc, nullptr, ca, anchors_, quiet, now, &v);
  Warn("collateral cache " + c->origin + ": not current (" + s.message() + ")" +
       (g.ok() ? "; fetching, kept as a fallback within CollateralGrace" : "; fetching"));
  return g.ok();
}

Status PcsSource::Get(const Fmspc& fmspc, PckCa ca, std::time_t now, long timeout_ms,
                      TdxCollateral* out) {
  const CacheKey key = KeyOf(opt_, fmspc, ca);
  const std::string name = CacheName(key);
  UniqueFd dirfd;
  bool use_disk = false, have_fallback = false, fresh = false;
  TdxCollateral cached;
  if (!opt_.cache_dir.empty()) {
    Status s = OpenPrivateDir(opt_.cache_dir, true, &dirfd);
    if (s.ok()) {
      use_disk = true;
      have_fallback = FromCache(dirfd.get(), name, key, fmspc, ca, now, &cached, &fresh);
      if (have_fallback && fresh) {
        *out = std::move(cached);
        return Status();
      }
    } else {
      Warn("collateral cache " + opt_.cache_dir + ": not used: " + s.message());
    }
  }
  TdxCollateral fetched;
  Status s = FetchTdxCollateral(opt_, fmspc, ca, timeout_ms, &fetched);
  VerifiedTdxCollateral v;
  // Verified before it is cached or used: a bad answer is not remembered.
  if (s.ok()) s = VerifyTdxCollateral(fetched, fmspc, nullptr, ca, anchors_, vopt_, now, &v);
  if (!s.ok()) {
    if (!have_fallback) return s;
    Warn("warning: " + s.message() + "; using cached collateral " + cached.origin +
         " within CollateralGrace");
    *out = std::move(cached);
    return Status();
  }
  if (use_disk) {
    Status w = WritePrivateFile(dirfd.get(), name, Serialize(key, fetched));
    if (!w.ok()) Warn("collateral cache " + opt_.cache_dir + ": not written: " + w.message());
  }
  *out = std::move(fetched);
  return Status();
}

}  // namespace

Status DecodeIssuerChainHeader(const std::string& value, const std::string& what,
                               std::string* pem) {
  if (value.size() > kMaxHeaderValue)
    return Status::Fail(what, "issuer chain header longer than " +
                                  std::to_string(kMaxHeaderValue) + " bytes");
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); i++) {
    const char c = value[i];
    if (c == '%') {
      int hi = i + 2 < value.size() ? HexVal(value[i + 1]) : -1;
      int lo = hi >= 0 ? HexVal(value[i + 2]) : -1;
      if (lo < 0) return Status::Fail(what, "issuer chain header: bad %-escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
      return Status::Fail(what, "issuer chain header: control or non-ASCII byte");
    } else {
      out.push_back(c);
    }
  }
  std::vector<X509Ptr> certs;
  RA_RETURN_IF_ERROR(LoadPemCerts(out, what + " (issuer chain header)", &certs));
  *pem = std::move(out);
  return Status();
}

Status DecodeCrlBody(const std::string& body, const std::string& what, Bytes* der) {
  if (body.empty()) return Status::Fail(what, "empty CRL");
  Bytes raw(body.begin(), body.end());
  // DER starts with a SEQUENCE; PEM with a dash; otherwise PCCS's hex.
  if (raw[0] != 0x30 && raw[0] != '-') {
    std::string hex = body;
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
    if (!HexDecode(hex, &raw).ok()) return Status::Fail(what, "CRL is neither DER, PEM nor hex");
  }
  X509CrlPtr crl;
  RA_RETURN_IF_ERROR(LoadCrl(raw, what, &crl));
  *der = std::move(raw);
  return Status();
}

PcsUrls MakePcsUrls(const std::string& base_url, const Fmspc& fmspc, PckCa ca) {
  std::string b = base_url;
  while (!b.empty() && b.back() == '/') b.pop_back();
  PcsUrls u;
  u.tcb = b + "/tdx/certification/v4/tcb?fmspc=" + FmspcHex(fmspc);
  u.qe_identity = b + "/tdx/certification/v4/qe/identity";
  u.pck_crl = b + "/sgx/certification/v4/pckcrl?ca=" + PckCaName(ca) + "&encoding=der";
  // Intel's PCS does not serve the Root CA CRL; the Root CA's CRL
  // distribution point does.  A PCCS serves it under rootcacrl.
  u.root_ca_crl = b == kIntelPcsHost ? std::string(kIntelRootCrl)
                                     : b + "/sgx/certification/v4/rootcacrl";
  return u;
}

Status FetchTdxCollateral(const PcsOptions& opt, const Fmspc& fmspc, PckCa ca, long timeout_ms,
                          TdxCollateral* out) {
  if (opt.base_url.compare(0, 8, "https://") != 0)
    return Status::Fail(kCheck, "collateral URL " + opt.base_url + " is not https");
  if (timeout_ms < 0) return Status::Fail(kCheck, "no time left to fetch from " + opt.base_url);
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(timeout_ms > 0 ? timeout_ms : opt.timeout_ms);
  const PcsUrls u = MakePcsUrls(opt.base_url, fmspc, ca);
  TdxCollateral c;
  c.origin = opt.base_url;
  std::map<std::string, std::string> h;
  std::string body;
  RA_RETURN_IF_ERROR(HttpsGet(opt, u.tcb, deadline, &c.tcb_info, &h));
  RA_RETURN_IF_ERROR(ChainHeader(h, {"tcb-info-issuer-chain", "sgx-tcb-info-issuer-chain"},
                                 u.tcb, &c.tcb_info_issuer_chain));
  RA_RETURN_IF_ERROR(HttpsGet(opt, u.qe_identity, deadline, &c.qe_identity, &h));
  RA_RETURN_IF_ERROR(ChainHeader(h, {"sgx-enclave-identity-issuer-chain"}, u.qe_identity,
                                 &c.qe_identity_issuer_chain));
  RA_RETURN_IF_ERROR(HttpsGet(opt, u.pck_crl, deadline, &body, &h));
  RA_RETURN_IF_ERROR(DecodeCrlBody(body, kCheck, &c.pck_crl));
  RA_RETURN_IF_ERROR(
      ChainHeader(h, {"sgx-pck-crl-issuer-chain"}, u.pck_crl, &c.pck_crl_issuer_chain));
  RA_RETURN_IF_ERROR(HttpsGet(opt, u.root_ca_crl, deadline, &body, &h));
  RA_RETURN_IF_ERROR(DecodeCrlBody(body, kCheck, &c.root_ca_crl));
  *out = std::move(c);
  return Status();
}

std::unique_ptr<CollateralSource> MakePcsCollateralSource(const PcsOptions& opt,
                                                          const std::vector<X509*>& anchors,
                                                          const CollateralOptions& verify_opt) {
  return std::unique_ptr<CollateralSource>(new PcsSource(opt, anchors, verify_opt));
}

std::string PcsCacheFile(const PcsOptions& opt, const Fmspc& fmspc, PckCa ca) {
  return opt.cache_dir + "/" + CacheName(KeyOf(opt, fmspc, ca));
}

}  // namespace ra
