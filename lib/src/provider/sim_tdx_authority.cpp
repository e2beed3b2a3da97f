#include "provider/sim_tdx_authority.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <map>
#include <vector>

#include "common/bytes_util.h"
#include "common/pem_text.h"
#include "common/safe_path.h"
#include "provider/ossl_util.h"

namespace ra {
namespace {


// ---- Minimal DER writer for the SGX extension ----
//
// OpenSSL has no ASN.1 template for Intel's extension, and building it with
// the generic ASN1_TYPE API is longer than writing the few TLVs directly.

void PutLen(Bytes* out, size_t n) {
  if (n < 0x80) {
    out->push_back(static_cast<uint8_t>(n));
    return;
  }
  uint8_t tmp[sizeof(size_t)];
  size_t k = 0;
  while (n > 0) {
    tmp[k++] = static_cast<uint8_t>(n & 0xff);
    n >>= 8;
  }
  out->push_back(static_cast<uint8_t>(0x80 | k));
  while (k > 0) out->push_back(tmp[--k]);
}

Bytes Tlv(uint8_t tag, const Bytes& content) {
  Bytes out{tag};
  PutLen(&out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes Seq(std::initializer_list<Bytes> items) {
  Bytes content;
  for (const Bytes& b : items) content.insert(content.end(), b.begin(), b.end());
  return Tlv(0x30, content);
}

Bytes SeqOf(const std::vector<Bytes>& items) {
  Bytes content;
  for (const Bytes& b : items) content.insert(content.end(), b.begin(), b.end());
  return Tlv(0x30, content);
}

Bytes Oid(std::vector<uint32_t> arcs) {
  Bytes content{static_cast<uint8_t>(arcs[0] * 40 + arcs[1])};
  for (size_t i = 2; i < arcs.size(); i++) {
    uint8_t tmp[5];
    size_t k = 0;
    uint32_t v = arcs[i];
    do {
      tmp[k++] = static_cast<uint8_t>(v & 0x7f);
      v >>= 7;
    } while (v > 0);
    while (k > 1) content.push_back(static_cast<uint8_t>(tmp[--k] | 0x80));
    content.push_back(tmp[0]);
  }
  return Tlv(0x06, content);
}

// Intel encodes every SVN as a DER INTEGER (minimal, non-negative).
Bytes Int(uint32_t v, uint8_t tag = 0x02) {
  Bytes content;
  do {
    content.insert(content.begin(), static_cast<uint8_t>(v & 0xff));
    v >>= 8;
  } while (v > 0);
  if (content[0] & 0x80) content.insert(content.begin(), 0);
  return Tlv(tag, content);
}

Bytes Octets(const uint8_t* p, size_t n) { return Tlv(0x04, Bytes(p, p + n)); }

std::vector<uint32_t> SgxOid(std::initializer_list<uint32_t> tail) {
  std::vector<uint32_t> arcs{1, 2, 840, 113741, 1, 13, 1};
  arcs.insert(arcs.end(), tail);
  return arcs;
}

// Values the sim's PCK certificate claims.  The FMSPC is that of a real
// Sapphire Rapids platform (the SPR vector's), so a sim quote exercises the
// same TCB-info lookup as real hardware would.
constexpr uint8_t kFmspc[6] = {0x50, 0x80, 0x6f, 0x00, 0x00, 0x00};
constexpr uint8_t kPceId[2] = {0x00, 0x00};
constexpr uint8_t kCompSvn[16] = {3, 3, 2, 2, 2, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
constexpr uint32_t kPceSvn = 13;

// The extension value, laid out as in Intel's "SGX PCK Certificate and CRL
// Profile": SEQUENCE of (OID, value) pairs: PPID, TCB, PCE-ID, FMSPC, SGX
// type.
Status SgxExtensionDer(Bytes* out) {
  uint8_t ppid[16];
  if (RAND_bytes(ppid, sizeof(ppid)) != 1)
    return Status::Fail("sim-init", "RAND_bytes: " + OpenSslError());
  std::vector<Bytes> tcb;
  for (uint32_t i = 0; i < 16; i++)
    tcb.push_back(Seq({Oid(SgxOid({2, i + 1})), Int(kCompSvn[i])}));
  tcb.push_back(Seq({Oid(SgxOid({2, 17})), Int(kPceSvn)}));
  tcb.push_back(Seq({Oid(SgxOid({2, 18})), Octets(kCompSvn, sizeof(kCompSvn))}));
  *out = Seq({
      Seq({Oid(SgxOid({1})), Octets(ppid, sizeof(ppid))}),
      Seq({Oid(SgxOid({2})), SeqOf(tcb)}),
      Seq({Oid(SgxOid({3})), Octets(kPceId, sizeof(kPceId))}),
      Seq({Oid(SgxOid({4})), Octets(kFmspc, sizeof(kFmspc))}),
      Seq({Oid(SgxOid({5})), Int(0, 0x0a)}),  // ENUMERATED Standard
  });
  return Status();
}

// ---- Certificates ----

Status NewP256Key(ossl::PkeyPtr* out) {
  ossl::PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Status::Fail("sim-init", "EC key generation: " + OpenSslError());
  *out = std::move(key);
  return Status();
}

Status AddExt(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ossl::ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return Status::Fail("sim-init", std::string("certificate extension ") +
                                        OBJ_nid2sn(nid) + ": " + OpenSslError());
  return Status();
}

struct CertSpec {
  const char* cn;
  EVP_PKEY* subject_key;
  X509* issuer;          // nullptr: self-signed
  EVP_PKEY* issuer_key;
  const char* basic_constraints;
  const char* key_usage;
  long days;
  const Bytes* sgx_extension;  // leaf only
};

Status MakeCert(const CertSpec& spec, ossl::X509Ptr* out) {
  ossl::X509Ptr cert(X509_new());
  ossl::NamePtr name(X509_NAME_new());
  if (!cert || !name) return Status::Fail("sim-init", "out of memory");
  uint8_t serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1)
    return Status::Fail("sim-init", "RAND_bytes: " + OpenSslError());
  serial[0] &= 0x7f;  // a positive INTEGER
  ossl::BnPtr bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())))
    return Status::Fail("sim-init", "serial: " + OpenSslError());
  if (X509_NAME_add_entry_by_txt(name.get(), "C", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("XX"), -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name.get(), "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(
                                     "ra-ssh simulated TDX (TEST ONLY)"),
                                 -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(spec.cn), -1, -1,
                                 0) != 1)
    return Status::Fail("sim-init", "subject name: " + OpenSslError());
  X509* issuer = spec.issuer ? spec.issuer : cert.get();
  // Back-dated a day so a quote made right after sim-init verifies on a
  // host whose clock is slightly behind.
  if (X509_set_version(cert.get(), 2) != 1 ||
      X509_set_subject_name(cert.get(), name.get()) != 1 ||
      X509_set_issuer_name(cert.get(), spec.issuer ? X509_get_subject_name(spec.issuer)
                                                   : name.get()) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24 * 3600) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(spec.days), 0,
                        nullptr) ||
      X509_set_pubkey(cert.get(), spec.subject_key) != 1)
    return Status::Fail("sim-init", "certificate fields: " + OpenSslError());

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert.get(), nullptr, nullptr, 0);
  RA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_basic_constraints,
                            spec.basic_constraints));
  RA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_key_usage, spec.key_usage));
  RA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  if (spec.issuer)
    RA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_authority_key_identifier,
                              "keyid:always"));
  if (spec.sgx_extension) {
    ossl::ObjPtr oid(OBJ_txt2obj("1.2.840.113741.1.13.1", 1));
    ossl::OctetPtr value(ASN1_OCTET_STRING_new());
    if (!oid || !value ||
        ASN1_OCTET_STRING_set(value.get(), spec.sgx_extension->data(),
                              static_cast<int>(spec.sgx_extension->size())) != 1)
      return Status::Fail("sim-init", "SGX extension: " + OpenSslError());
    ossl::ExtPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, value.get()));
    if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1)
      return Status::Fail("sim-init", "SGX extension: " + OpenSslError());
  }
  if (X509_sign(cert.get(), spec.issuer_key, EVP_sha256()) <= 0)
    return Status::Fail("sim-init", "certificate signature: " + OpenSslError());
  *out = std::move(cert);
  return Status();
}

Status RandomBytes(uint8_t* p, size_t n) {
  if (RAND_bytes(p, static_cast<int>(n)) != 1)
    return Status::Fail("sim-init", "RAND_bytes: " + OpenSslError());
  return Status();
}


const char* const kTdConfNames[] = {"tee_tcb_svn", "mrseam", "td_attributes", "xfam",
                                    "mrtd",        "rtmr0",  "rtmr1",         "rtmr2",
                                    "rtmr3"};

std::pair<uint8_t*, size_t> TdConfField(SimTdConfig* c, const std::string& name) {
  if (name == "tee_tcb_svn") return {c->tee_tcb_svn.data(), c->tee_tcb_svn.size()};
  if (name == "mrseam") return {c->mr_seam.data(), c->mr_seam.size()};
  if (name == "td_attributes") return {c->td_attributes.data(), c->td_attributes.size()};
  if (name == "xfam") return {c->xfam.data(), c->xfam.size()};
  if (name == "mrtd") return {c->mr_td.data(), c->mr_td.size()};
  if (name == "mrconfigid") return {c->mr_config_id.data(), c->mr_config_id.size()};
  if (name == "mrowner") return {c->mr_owner.data(), c->mr_owner.size()};
  if (name == "mrownerconfig") return {c->mr_owner_config.data(), c->mr_owner_config.size()};
  for (size_t i = 0; i < 4; i++)
    if (name == "rtmr" + std::to_string(i)) return {c->rtmr[i].data(), 48};
  return {nullptr, 0};
}

}  // namespace

// hex (when given) into field: exactly its size.
template <size_t N>
Status OptionHex(const char* option, const std::string& hex, std::array<uint8_t, N>* field) {
  if (hex.empty()) return Status();
  Bytes b;
  if (hex.size() != 2 * N || !HexDecode(hex, &b).ok())
    return Status::Fail("sim-init", std::string(option) + " wants " + std::to_string(2 * N) +
                                        " hex digits (" + std::to_string(N) + " bytes)");
  std::copy(b.begin(), b.end(), field->begin());
  return Status();
}

// A fresh sim TD: the given or a random MRTD, random RTMRs (replaced by
// the CCEL's replay with an event log, NewSimCcel) and MRSEAM,
// the given MRCONFIGID / MROWNER (zero otherwise), TD attributes and XFAM.
static Status NewSimTdConfig(const SimInitOptions& options, SimTdConfig* out) {
  SimTdConfig& td = *out;
  if (!options.mrtd_hex.empty())
    RA_RETURN_IF_ERROR(OptionHex("--mrtd", options.mrtd_hex, &td.mr_td));
  else
    RA_RETURN_IF_ERROR(RandomBytes(td.mr_td.data(), td.mr_td.size()));
  for (auto& r : td.rtmr) RA_RETURN_IF_ERROR(RandomBytes(r.data(), r.size()));
  RA_RETURN_IF_ERROR(RandomBytes(td.mr_seam.data(), td.mr_seam.size()));
  RA_RETURN_IF_ERROR(OptionHex("--mrconfigid", options.mrconfigid_hex, &td.mr_config_id));
  RA_RETURN_IF_ERROR(OptionHex("--mrowner", options.mrowner_hex, &td.mr_owner));
  // TDX module 1.5, SVN 3/5: plausible values, not read by any check.
  td.tee_tcb_svn = {0x03, 0x00, 0x05, 0x00};
  // SEPT_VE_DISABLE (bit 28) as Linux guests set it; bit 0 is DEBUG.
  td.td_attributes = {0x00, 0x00, 0x00, 0x10};
  RA_RETURN_IF_ERROR(
      OptionHex("--td-attributes", options.td_attributes_hex, &td.td_attributes));
  if (options.debug) td.td_attributes[0] |= 0x01;
  // x87, SSE, AVX, AVX-512, PK, ... as a typical TD (0x0000000000061ae7 LE).
  td.xfam = {0xe7, 0x1a, 0x06, 0x00};
  return OptionHex("--xfam", options.xfam_hex, &td.xfam);
}

static std::string SimTdConfText(const SimTdConfig& td) {
  std::string conf =
      "# ra-ssh simulated TD, written by `ssh-attest sim-init`.\n"
      "# Hex byte strings exactly as they appear in the quote's TD report\n"
      "# (td_attributes and xfam are little-endian; td_attributes bit 0 is\n"
      "# DEBUG).  Edit to simulate another TD.\n";
  conf += "tee_tcb_svn " + HexEncode(td.tee_tcb_svn) + "\n";
  conf += "mrseam " + HexEncode(td.mr_seam) + "\n";
  conf += "td_attributes " + HexEncode(td.td_attributes) + "\n";
  conf += "xfam " + HexEncode(td.xfam) + "\n";
  conf += "mrtd " + HexEncode(td.mr_td) + "\n";
  conf += "mrconfigid " + HexEncode(td.mr_config_id) + "\n";
  conf += "mrowner " + HexEncode(td.mr_owner) + "\n";
  conf += "mrownerconfig " + HexEncode(td.mr_owner_config) + "\n";
  for (size_t i = 0; i < 4; i++)
    conf += "rtmr" + std::to_string(i) + " " + HexEncode(td.rtmr[i]) + "\n";
  return conf;
}

// An existing sim: new measurements, same keys.  Files are replaced
// atomically (a new file, then rename) so a provider never reads half.
static Status ReplaceSimFile(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".new";
  unlink(tmp.c_str());
  RA_RETURN_IF_ERROR(WriteNewFile("sim-init", tmp, data, mode));
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    return Status::Fail("sim-init", "rename " + tmp + ": " + std::strerror(e));
  }
  return Status();
}

// DIR/acpi/CCEL and DIR/acpi/data/CCEL (directories 0700, files 0600: a
// real kernel shows them to root only).
static Status WriteSimCcel(const std::string& dir, const SimCcel& ccel) {
  const std::string acpi = dir + "/" + kSimAcpiDir;
  for (const std::string& d : {acpi, acpi + "/data"})
    if (mkdir(d.c_str(), 0700) != 0 && errno != EEXIST)
      return Status::Fail("sim-init", "mkdir " + d + ": " + std::strerror(errno));
  RA_RETURN_IF_ERROR(ReplaceSimFile(acpi + "/data/CCEL",
                                    std::string(ccel.area.begin(), ccel.area.end()), 0600));
  return ReplaceSimFile(acpi + "/CCEL", std::string(ccel.table.begin(), ccel.table.end()), 0600);
}

// The CCEL of a fresh boot, and td.conf's RTMRs from its replay.
static Status NewSimCcel(const SimInitOptions& options, SimTdConfig* td, SimCcel* out) {
  if (!options.eventlog) return Status();
  std::array<uint8_t, 16> boot_id{};
  RA_RETURN_IF_ERROR(RandomBytes(boot_id.data(), boot_id.size()));
  RA_RETURN_IF_ERROR(SimBuildCcel(options.kernel, boot_id, out));
  td->rtmr = out->rtmr;
  return Status();
}

// Written with options.eventlog; otherwise an earlier CCEL goes (it would
// not replay to the new random RTMRs).
static Status UpdateSimCcel(const std::string& dir, const SimInitOptions& options,
                            const SimCcel& ccel) {
  if (options.eventlog) return WriteSimCcel(dir, ccel);
  const std::string acpi = dir + "/" + kSimAcpiDir;
  for (const std::string& f : {acpi + "/CCEL", acpi + "/data/CCEL"})
    if (unlink(f.c_str()) != 0 && errno != ENOENT)
      return Status::Fail("sim-init", "unlink " + f + ": " + std::strerror(errno));
  return Status();
}

Status SimInit(const std::string& dir, const SimInitOptions& options) {
  if (dir.empty()) return Status::Fail("sim-init", "empty directory name");
  SimTdConfig td;
  RA_RETURN_IF_ERROR(NewSimTdConfig(options, &td));
  SimCcel ccel;
  RA_RETURN_IF_ERROR(NewSimCcel(options, &td, &ccel));

  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Fail("sim-init", "mkdir " + dir + ": " + std::strerror(errno));
  const char* const kFiles[] = {kSimRootPem, kSimChainPem, kSimPckKey, kSimAttestationKey,
                                kSimTdConf};
  size_t present = 0;
  const char* one = nullptr;
  for (const char* f : kFiles) {
    struct stat st;
    if (lstat((dir + "/" + f).c_str(), &st) == 0) {
      present++;
      one = f;
    }
  }
  if (present == sizeof(kFiles) / sizeof(kFiles[0])) {
    RA_RETURN_IF_ERROR(UpdateSimCcel(dir, options, ccel));
    return ReplaceSimFile(dir + "/" + kSimTdConf, SimTdConfText(td), 0644);
  }
  if (present != 0)
    return Status::Fail("sim-init", dir + " already holds " + one +
                                        " but not a whole sim; refusing to replace it");

  ossl::PkeyPtr root_key, ca_key, pck_key, att_key;
  RA_RETURN_IF_ERROR(NewP256Key(&root_key));
  RA_RETURN_IF_ERROR(NewP256Key(&ca_key));
  RA_RETURN_IF_ERROR(NewP256Key(&pck_key));
  RA_RETURN_IF_ERROR(NewP256Key(&att_key));
  Bytes sgx_ext;
  RA_RETURN_IF_ERROR(SgxExtensionDer(&sgx_ext));

  ossl::X509Ptr root, ca, leaf;
  RA_RETURN_IF_ERROR(MakeCert({"ra-ssh sim SGX Root CA", root_key.get(), nullptr,
                               root_key.get(), "critical,CA:TRUE",
                               "critical,keyCertSign,cRLSign", 20 * 365, nullptr},
                              &root));
  RA_RETURN_IF_ERROR(MakeCert({"ra-ssh sim SGX PCK Platform CA", ca_key.get(), root.get(),
                               root_key.get(), "critical,CA:TRUE,pathlen:0",
                               "critical,keyCertSign,cRLSign", 15 * 365, nullptr},
                              &ca));
  RA_RETURN_IF_ERROR(MakeCert({"ra-ssh sim SGX PCK Certificate", pck_key.get(), ca.get(),
                               ca_key.get(), "critical,CA:FALSE",
                               "critical,digitalSignature,nonRepudiation", 10 * 365,
                               &sgx_ext},
                              &leaf));

  std::string root_pem, chain_pem, pck_pem, att_pem;
  RA_RETURN_IF_ERROR(AppendCertPem(root.get(), &root_pem));
  RA_RETURN_IF_ERROR(AppendCertPem(leaf.get(), &chain_pem));
  RA_RETURN_IF_ERROR(AppendCertPem(ca.get(), &chain_pem));
  chain_pem += root_pem;
  RA_RETURN_IF_ERROR(AppendPrivateKeyPem(pck_key.get(), &pck_pem));
  RA_RETURN_IF_ERROR(AppendPrivateKeyPem(att_key.get(), &att_pem));

  std::string conf = SimTdConfText(td);

  // Keys first: a half-written directory without root.pem is re-runnable
  // after removing it, and no policy can name a root whose keys are gone.
  Status s = WriteNewFile("sim-init", dir + "/" + kSimPckKey, pck_pem, 0600);
  if (s.ok()) s = WriteNewFile("sim-init", dir + "/" + kSimAttestationKey, att_pem, 0600);
  OPENSSL_cleanse(&pck_pem[0], pck_pem.size());
  OPENSSL_cleanse(&att_pem[0], att_pem.size());
  RA_RETURN_IF_ERROR(s);
  RA_RETURN_IF_ERROR(WriteNewFile("sim-init", dir + "/" + kSimChainPem, chain_pem, 0644));
  RA_RETURN_IF_ERROR(UpdateSimCcel(dir, options, ccel));
  RA_RETURN_IF_ERROR(WriteNewFile("sim-init", dir + "/" + kSimTdConf, conf, 0644));
  RA_RETURN_IF_ERROR(WriteNewFile("sim-init", dir + "/" + kSimRootPem, root_pem, 0644));
  return Status();
}

Status LoadSimTdConfig(const std::string& path, SimTdConfig* out) {
  std::string text;
  RA_RETURN_IF_ERROR(ReadTextFileBounded(path, 16 * 1024, &text));
  SimTdConfig c;
  std::map<std::string, bool> seen;
  size_t pos = 0, lineno = 0;
  while (pos < text.size()) {
    lineno++;
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    auto where = [&]() { return path + ":" + std::to_string(lineno) + ": "; };
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    size_t e = line.find_last_not_of(" \t\r");
    line = line.substr(b, e - b + 1);
    size_t sp = line.find_first_of(" \t");
    if (sp == std::string::npos) return Status::Fail("sim td.conf", where() + "missing value");
    std::string name = line.substr(0, sp);
    std::string value = line.substr(line.find_first_not_of(" \t", sp));
    auto field = TdConfField(&c, name);
    if (!field.first) return Status::Fail("sim td.conf", where() + "unknown field '" + name + "'");
    if (seen[name]) return Status::Fail("sim td.conf", where() + "duplicate " + name);
    seen[name] = true;
    Bytes v;
    if (value.size() != 2 * field.second || !HexDecode(value, &v).ok())
      return Status::Fail("sim td.conf", where() + name + " wants " +
                                             std::to_string(2 * field.second) + " hex digits");
    std::memcpy(field.first, v.data(), v.size());
  }
  for (const char* name : kTdConfNames)
    if (!seen[name]) return Status::Fail("sim td.conf", path + ": missing " + name);
  *out = c;
  return Status();
}

}  // namespace ra
