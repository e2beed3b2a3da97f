// The sim SNP's PSP: version 3 reports signed with the VCEK as AMD's
// firmware signs them, the extended report's certificate table, and the
// on-disk layout sim-init writes.
#include "provider/sim_snp_authority.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/bytes_util.h"
#include "common/pem_text.h"
#include "common/safe_path.h"
#include "parse/snp_cert_table.h"

namespace ra {
namespace {

void PutLe(uint64_t v, int n, uint8_t* p) {
  for (int i = 0; i < n; i++) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

void CpuidOf(SnpProduct p, uint8_t* fam, uint8_t* model) {
  *fam = p == SnpProduct::kTurin ? 0x1A : 0x19;
  *model = p == SnpProduct::kMilan ? 0x01 : p == SnpProduct::kGenoa ? 0x11 : 0x02;
}

// The fields before the signature, at the specification's offsets.
void FillBody(const SimSnpGuest& g, const std::array<uint8_t, 64>& rd, uint8_t* p) {
  const uint64_t tcb = EncodeSnpTcb(g.tcb, g.product);
  PutLe(g.version, 4, p);            // VERSION
  PutLe(g.policy, 8, p + 0x08);      // POLICY
  PutLe(g.vmpl, 4, p + 0x30);
  PutLe(kSnpSignatureAlgoEcdsaP384Sha384, 4, p + 0x34);
  PutLe(tcb, 8, p + 0x38);           // CURRENT_TCB
  PutLe(g.platform_info, 8, p + 0x40);
  // 0x48: AUTHOR_KEY_EN 0, MASK_CHIP_KEY 0, SIGNING_KEY 0 (VCEK) or 1 (VLEK).
  PutLe(g.vlek ? uint64_t{1} << 2 : 0, 4, p + 0x48);
  std::memcpy(p + 0x50, rd.data(), 64);
  std::memcpy(p + 0x90, g.measurement.data(), 48);
  std::memcpy(p + 0xC0, g.host_data.data(), 32);
  RAND_bytes(p + 0x140, 32);         // REPORT_ID
  PutLe(tcb, 8, p + 0x180);          // REPORTED_TCB
  if (g.version >= 3) {
    CpuidOf(g.product, &p[0x188], &p[0x189]);
    p[0x18A] = 1;                    // CPUID_STEP
  }
  // A Turin CHIP_ID is 8 bytes, zero-extended (ABI spec 56860, table 23).
  if (!g.vlek) std::memcpy(p + 0x1A0, g.chip_id.data(), g.product == SnpProduct::kTurin ? 8 : 64);
  PutLe(tcb, 8, p + 0x1E0);          // COMMITTED_TCB
  p[0x1E8] = 12; p[0x1E9] = 55; p[0x1EA] = 1;  // CURRENT build/minor/major
  p[0x1EC] = 12; p[0x1ED] = 55; p[0x1EE] = 1;  // COMMITTED
  PutLe(tcb, 8, p + 0x1F0);          // LAUNCH_TCB
}

Bytes Der(X509* c) {
  unsigned char* p = nullptr;
  int n = i2d_X509(c, &p);
  Bytes out;
  if (n > 0) out.assign(p, p + n);
  OPENSSL_free(p);
  return out;
}

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return HexEncode(ByteView(a.data(), N));
}

std::string GuestConf(const SimSnpGuest& g) {
  std::ostringstream o;
  o << "product " << SnpProductName(g.product) << "\n"
    << "tcb " << std::hex << EncodeSnpTcb(g.tcb, g.product) << "\n"
    << "policy " << g.policy << "\n"
    << "vmpl " << g.vmpl << "\n"
    << "chip_id " << Hex(g.chip_id) << "\n"
    << "measurement " << Hex(g.measurement) << "\n"
    << "host_data " << Hex(g.host_data) << "\n";
  return o.str();
}

template <size_t N>
Status HexField(const std::string& hex, std::array<uint8_t, N>* out) {
  Bytes b;
  RA_RETURN_IF_ERROR(HexDecode(hex, &b));
  if (b.size() != N) return Status::Fail("sim snp", "guest.conf: field of the wrong length");
  std::memcpy(out->data(), b.data(), N);
  return Status();
}

Status ParseGuestLine(const std::string& name, const std::string& value, SimSnpGuest* g) {
  if (name == "product") {
    g->product = SnpProductFromCertName(value);
    return g->product == SnpProduct::kUnknown ? Status::Fail("sim snp", "guest.conf: product")
                                              : Status();
  }
  if (name == "tcb" || name == "policy" || name == "vmpl") {
    char* end = nullptr;
    unsigned long long v = std::strtoull(value.c_str(), &end, 16);
    if (value.empty() || *end) return Status::Fail("sim snp", "guest.conf: " + name);
    if (name == "policy") g->policy = v;
    else if (name == "vmpl") g->vmpl = static_cast<uint32_t>(v);
    else return DecodeSnpTcb(v, g->product, &g->tcb);  // product comes first
    return Status();
  }
  if (name == "chip_id") return HexField(value, &g->chip_id);
  if (name == "measurement") return HexField(value, &g->measurement);
  if (name == "host_data") return HexField(value, &g->host_data);
  return Status::Fail("sim snp", "guest.conf: unknown field " + name);
}

Status LoadGuest(const std::string& path, SimSnpGuest* g) {
  std::string text;
  RA_RETURN_IF_ERROR(ReadTextFileBounded(path, 4096, &text));
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t sp = line.find(' ');
    if (line.empty()) continue;
    if (sp == std::string::npos) return Status::Fail("sim snp", "guest.conf: " + line);
    RA_RETURN_IF_ERROR(ParseGuestLine(line.substr(0, sp), line.substr(sp + 1), g));
  }
  return Status();
}

Status ReadCertPem(const std::string& path, ossl::X509Ptr* out) {
  std::string text;
  RA_RETURN_IF_ERROR(ReadTextFileBounded(path, 64 * 1024, &text));
  ossl::BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  out->reset(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  return *out ? Status() : Status::Fail("sim snp", "read " + path + ": " + OpenSslError());
}

}  // namespace

Status SimSnpSignReport(const SimSnpGuest& g, const std::array<uint8_t, 64>& rd,
                        EVP_PKEY* vcek_key, Bytes* report) {
  Bytes r(kSnpReportLen, 0);
  FillBody(g, rd, r.data());
  ossl::MdCtxPtr md(EVP_MD_CTX_new());
  size_t len = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha384(), nullptr, vcek_key) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &len, r.data(), kSnpReportSignedLen) != 1)
    return Status::Fail("sim snp", "sign: " + OpenSslError());
  Bytes der(len);
  if (EVP_DigestSign(md.get(), der.data(), &len, r.data(), kSnpReportSignedLen) != 1)
    return Status::Fail("sim snp", "sign: " + OpenSslError());
  const unsigned char* p = der.data();
  ossl::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) return Status::Fail("sim snp", "signature encoding");
  // R and S little-endian, zero-extended to 72 bytes.
  if (BN_bn2lebinpad(ECDSA_SIG_get0_r(sig.get()), r.data() + kSnpSignatureOffset, 72) != 72 ||
      BN_bn2lebinpad(ECDSA_SIG_get0_s(sig.get()), r.data() + kSnpSignatureOffset + 72, 72) != 72)
    return Status::Fail("sim snp", "signature value too wide");
  *report = std::move(r);
  return Status();
}

Status SimSnpCertTable(const SimSnpChain& chain, Bytes* table) {
  *table = BuildSnpCertTable({{SnpCertKindGuid(SnpCertKind::kVcek), Der(chain.vcek.get())},
                              {SnpCertKindGuid(SnpCertKind::kAsk), Der(chain.ask.get())},
                              {SnpCertKindGuid(SnpCertKind::kArk), Der(chain.ark.get())}});
  return Status();
}

Status SimSnpInit(const std::string& dir, const SimSnpInitOptions& o) {
  SimSnpGuest g;
  g.product = o.product;
  if (o.product == SnpProduct::kTurin) g.tcb = SnpTcbParts{1, 1, 1, 1, 1};
  if (o.debug) g.policy |= uint64_t{1} << 19;
  if (RAND_bytes(g.chip_id.data(), 64) != 1 || RAND_bytes(g.host_data.data(), 32) != 1)
    return Status::Fail("sim snp", "RAND_bytes");
  if (o.measurement_hex.empty()) RAND_bytes(g.measurement.data(), 48);
  else RA_RETURN_IF_ERROR(HexField(o.measurement_hex, &g.measurement));
  SimSnpChain c;
  SimSnpChainOptions co;
  co.rsa_bits = o.rsa_bits;
  RA_RETURN_IF_ERROR(SimSnpMakeChain(g, co, &c));
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Fail("sim snp", "mkdir " + dir + ": " + std::strerror(errno));
  std::string ark, ask, vcek, key;
  RA_RETURN_IF_ERROR(AppendCertPem(c.ark.get(), &ark));
  RA_RETURN_IF_ERROR(AppendCertPem(c.ask.get(), &ask));
  RA_RETURN_IF_ERROR(AppendCertPem(c.vcek.get(), &vcek));
  RA_RETURN_IF_ERROR(AppendPrivateKeyPem(c.vcek_key.get(), &key));
  RA_RETURN_IF_ERROR(WriteNewFile("sim snp", dir + "/" + kSimSnpVcekKey, key, 0600));
  RA_RETURN_IF_ERROR(WriteNewFile("sim snp", dir + "/" + kSimSnpArkPem, ark, 0644));
  RA_RETURN_IF_ERROR(WriteNewFile("sim snp", dir + "/" + kSimSnpAskPem, ask, 0644));
  RA_RETURN_IF_ERROR(WriteNewFile("sim snp", dir + "/" + kSimSnpVcekPem, vcek, 0644));
  return WriteNewFile("sim snp", dir + "/" + kSimSnpGuestConf, GuestConf(g), 0644);
}

Status SimSnpGetReport(const std::string& dir, const std::array<uint8_t, 64>& rd,
                       Bytes* report, Bytes* cert_table) {
  SimSnpGuest g;
  RA_RETURN_IF_ERROR(LoadGuest(dir + "/" + kSimSnpGuestConf, &g));
  ossl::PkeyPtr key;
  RA_RETURN_IF_ERROR(ossl::ReadPrivateKeyPem(dir + "/" + kSimSnpVcekKey, &key));
  SimSnpChain c;
  RA_RETURN_IF_ERROR(ReadCertPem(dir + "/" + kSimSnpArkPem, &c.ark));
  RA_RETURN_IF_ERROR(ReadCertPem(dir + "/" + kSimSnpAskPem, &c.ask));
  RA_RETURN_IF_ERROR(ReadCertPem(dir + "/" + kSimSnpVcekPem, &c.vcek));
  RA_RETURN_IF_ERROR(SimSnpSignReport(g, rd, key.get(), report));
  return SimSnpCertTable(c, cert_table);
}

}  // namespace ra
