#include "verify/snp_kds_fetcher.h"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/bytes_util.h"
#include "common/https_client.h"
#include "common/private_cache.h"
#include "verify/x509_util.h"

namespace ra {
namespace {

constexpr const char* kCheck = "snp kds";
constexpr const char* kMagic = "ra-ssh snp kds cache v1";
constexpr size_t kMaxCacheFile = 64 * 1024;

std::string Sha256Hex(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr);
  return HexEncode(ByteView(md, n));
}

std::string Spl(const char* name, uint8_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s=%02u", name, static_cast<unsigned>(v));
  return buf;
}

SnpProduct ProductOf(const SnpReport& report, SnpProduct fallback) {
  SnpProduct p = SnpReportProduct(report);
  return p == SnpProduct::kUnknown ? fallback : p;
}

std::string ProductBase(const std::string& base_url, SnpProduct product,
                        SnpSigningKey signer = SnpSigningKey::kVcek) {
  std::string b = base_url;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + (signer == SnpSigningKey::kVlek ? "/vlek/v1/" : "/vcek/v1/") +
         SnpProductName(product);
}

// A deadline shared by the requests of one call.
class Deadline {
 public:
  explicit Deadline(long ms)
      : end_(std::chrono::steady_clock::now() + std::chrono::milliseconds(ms)) {}
  long LeftMs() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end_ - std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<long>(left.count()) : 0;
  }

 private:
  std::chrono::steady_clock::time_point end_;
};

Status Get(const KdsOptions& opt, const std::string& url, const Deadline& d, std::string* body) {
  long left = d.LeftMs();
  if (left <= 0) return Status::Fail(kCheck, url + ": out of time before the request");
  HttpsRequest req;
  req.url = url;
  req.label = "AMD KDS " + url;
  req.ca_file = opt.ca_file;
  req.max_body = opt.max_body;
  req.total_timeout_ms = left;
  return HttpsExchange(req, kCheck, body);
}

struct KdsMaterial {
  Bytes vcek_der;
  std::string chain_pem;
};

// VCEK (DER, or PEM as some mirrors serve) and ASK from the material;
// the served ARK is not used.
Status Endorsement(const KdsMaterial& m, X509Ptr* vcek, X509Ptr* ask) {
  RA_RETURN_IF_ERROR(SnpKeyCertFromBytes(ByteView(m.vcek_der), vcek));
  std::vector<X509Ptr> chain;
  Status s = LoadPemCerts(m.chain_pem, "cert_chain", &chain, 4);
  if (!s.ok()) return Status::Fail(kCheck, "cert_chain: " + s.message());
  *ask = std::move(chain[0]);
  return Status();
}

Status VerifyWith(const KdsMaterial& m, const SnpReport& report, const SnpVerifyOptions& o,
                  SnpClaims* out) {
  X509Ptr vcek, ask;
  RA_RETURN_IF_ERROR(Endorsement(m, &vcek, &ask));
  return VerifySnpReport(report, SnpEndorsement{vcek.get(), ask.get()}, o, out);
}

std::string CacheText(const std::string& url, const KdsMaterial& m) {
  return std::string(kMagic) + "\n" + url + "\n" + HexEncode(ByteView(m.vcek_der)) + "\n" +
         m.chain_pem;
}

bool FromCacheText(const std::string& text, const std::string& url, KdsMaterial* m) {
  size_t a = text.find('\n');
  if (a == std::string::npos || text.compare(0, a, kMagic) != 0) return false;
  size_t b = text.find('\n', a + 1);
  if (b == std::string::npos || text.compare(a + 1, b - a - 1, url) != 0) return false;
  size_t c = text.find('\n', b + 1);
  if (c == std::string::npos) return false;
  if (!HexDecode(text.substr(b + 1, c - b - 1), &m->vcek_der).ok()) return false;
  m->chain_pem = text.substr(c + 1);
  return !m->vcek_der.empty() && !m->chain_pem.empty();
}

Status FetchMaterial(const KdsOptions& opt, const std::string& vcek_url, SnpProduct product,
                     const Deadline& d, KdsMaterial* m) {
  std::string body;
  RA_RETURN_IF_ERROR(Get(opt, vcek_url, d, &body));
  if (body.empty()) return Status::Fail(kCheck, vcek_url + ": empty body");
  m->vcek_der.assign(body.begin(), body.end());
  return Get(opt, KdsCertChainUrl(opt.base_url, product), d, &m->chain_pem);
}

Status FetchCrl(const KdsOptions& opt, SnpProduct product, SnpSigningKey signer,
                const Deadline& d, X509CrlPtr* crl) {
  std::string body;
  std::string url = KdsCrlUrl(opt.base_url, product, signer);
  RA_RETURN_IF_ERROR(Get(opt, url, d, &body));
  Status s = LoadCrl(ByteView(reinterpret_cast<const uint8_t*>(body.data()), body.size()),
                     "AMD KDS crl", crl);
  if (!s.ok()) return Status::Fail(kCheck, url + ": " + s.message());
  return Status();
}

}  // namespace

Status KdsVcekUrl(const std::string& base_url, SnpProduct product, const SnpReport& report,
                  std::string* url) {
  product = ProductOf(report, product);
  if (product == SnpProduct::kUnknown)
    return Status::Fail(kCheck, "the report does not name its product (v2): KDS needs it");
  SnpTcbParts t;
  Status s = DecodeSnpTcb(report.reported_tcb, product, &t);
  if (!s.ok()) return Status::Fail(kCheck, "REPORTED_TCB: " + s.message());
  const bool turin = product == SnpProduct::kTurin;
  const size_t hwid_len = turin ? 8 : 64;
  if (std::all_of(report.chip_id.begin(), report.chip_id.begin() + hwid_len,
                  [](uint8_t b) { return b == 0; }))
    return Status::Fail(kCheck, "CHIP_ID is zero (the host set MASK_CHIP_ID): KDS serves "
                                "VCEKs by chip, so the VCEK must come with the evidence");
  std::string hwid = HexEncode(ByteView(report.chip_id.data(), hwid_len));
  std::string q = turin ? Spl("fmcSPL", t.fmc) + "&" : std::string();
  q += Spl("blSPL", t.bootloader) + "&" + Spl("teeSPL", t.tee) + "&" + Spl("snpSPL", t.snp) +
       "&" + Spl("ucodeSPL", t.microcode);
  *url = ProductBase(base_url, product) + "/" + hwid + "?" + q;
  return Status();
}

std::string KdsCertChainUrl(const std::string& base_url, SnpProduct product,
                            SnpSigningKey signer) {
  return ProductBase(base_url, product, signer) + "/cert_chain";
}

std::string KdsCrlUrl(const std::string& base_url, SnpProduct product, SnpSigningKey signer) {
  return ProductBase(base_url, product, signer) + "/crl";
}

Status FetchKdsCrl(const KdsOptions& opt, SnpProduct product, SnpSigningKey signer,
                   X509CrlPtr* crl) {
  if (product == SnpProduct::kUnknown)
    return Status::Fail(kCheck, "the report does not name its product (v2): KDS needs it");
  Deadline d(opt.timeout_ms);
  return FetchCrl(opt, product, signer, d, crl);
}

Status FetchKdsIntermediate(const KdsOptions& opt, SnpProduct product, SnpSigningKey signer,
                            X509Ptr* out) {
  if (product == SnpProduct::kUnknown)
    return Status::Fail(kCheck, "the report does not name its product (v2): KDS needs it");
  Deadline d(opt.timeout_ms);
  const std::string url = KdsCertChainUrl(opt.base_url, product, signer);
  std::string pem;
  RA_RETURN_IF_ERROR(Get(opt, url, d, &pem));
  std::vector<X509Ptr> chain;
  Status s = LoadPemCerts(pem, "cert_chain", &chain, 4);
  if (!s.ok()) return Status::Fail(kCheck, url + ": " + s.message());
  *out = std::move(chain[0]);
  return Status();
}

std::string KdsCacheName(const KdsOptions& opt, const std::string& url) {
  return Sha256Hex(std::string(kMagic) + "\n" + url + "\n" +
                   (opt.ca_file.empty() ? "-" : opt.ca_file) + "\n") +
         ".vcek";
}

Status VerifySnpReportWithKds(const KdsOptions& opt, const SnpReport& report,
                              const SnpVerifyOptions& verify_opt, SnpClaims* out) {
  // KDS hands out VCEKs per chip; a VLEK is the cloud provider's and
  // must come with the evidence.
  if (report.signing_key != static_cast<uint8_t>(SnpSigningKey::kVcek))
    return Status::Fail(kCheck, "the report's SIGNING_KEY is " +
                                    std::to_string(report.signing_key) +
                                    ", not the VCEK (0) that KDS serves");
  const SnpProduct product = ProductOf(report, verify_opt.product);
  std::string url;
  RA_RETURN_IF_ERROR(KdsVcekUrl(opt.base_url, product, report, &url));
  Deadline d(opt.timeout_ms);
  SnpVerifyOptions vo = verify_opt;
  X509CrlPtr crl;
  if (opt.fetch_crl) {
    RA_RETURN_IF_ERROR(FetchCrl(opt, product, SnpSigningKey::kVcek, d, &crl));
    vo.crls.push_back(crl.get());
  }
  UniqueFd dirfd;
  const std::string name = KdsCacheName(opt, url);
  bool use_disk = !opt.cache_dir.empty() && OpenPrivateDir(opt.cache_dir, true, &dirfd).ok();
  std::string text;
  KdsMaterial m;
  if (use_disk && ReadPrivateFile(dirfd.get(), name, kMaxCacheFile, &text).ok() &&
      FromCacheText(text, url, &m) && VerifyWith(m, report, vo, out).ok())
    return Status();
  m = KdsMaterial();
  RA_RETURN_IF_ERROR(FetchMaterial(opt, url, product, d, &m));
  RA_RETURN_IF_ERROR(VerifyWith(m, report, vo, out));
  // Best effort: a cache that cannot be written costs a fetch next time.
  if (use_disk) (void)WritePrivateFile(dirfd.get(), name, CacheText(url, m));
  return Status();
}

}  // namespace ra
