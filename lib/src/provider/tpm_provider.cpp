// The "tpm" provider: see provider/tpm_provider.h.  Runs in sshd's
// privileged monitor: every TPM command has a timeout (EsysSession), every
// file read is bounded, nothing secret leaves (the AK never does).
#include "provider/tpm_provider.h"

#include <fcntl.h>
#include <tss2/tss2_mu.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "common/bytes_util.h"
#include "parse/tpm_alg.h"
#include "parse/tpm_pcrs.h"
#include "parse/tpm_quote.h"
#include "verify/tpm_quote_check.h"

namespace ra {
namespace {

const char kCheck[] = "tpm";
const char kSpec[] = "provider spec";
constexpr uint32_t kMaxPcrIndex = 23;  // PC Client TPMs have 24
constexpr size_t kPcrsPerRead = 8;     // TPML_DIGEST holds 8

}  // namespace

Status ParseTpmPcrList(const std::string& text, std::vector<uint32_t>* out) {
  std::set<uint32_t> pcrs;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t dash = item.find('-');
    std::string a = item.substr(0, dash), b = dash == std::string::npos ? a : item.substr(dash + 1);
    auto num = [](const std::string& s, uint32_t* v) {
      if (s.empty() || s.size() > 2 ||
          !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
      *v = static_cast<uint32_t>(std::stoul(s));
      return *v <= kMaxPcrIndex;
    };
    uint32_t lo = 0, hi = 0;
    if (!num(a, &lo) || !num(b, &hi) || lo > hi)
      return Status::Fail(kSpec, "tpm pcrs '" + text + "': '" + item +
                                     "' is not a PCR (0..23) or range of PCRs");
    for (uint32_t i = lo; i <= hi; i++) pcrs.insert(i);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  out->assign(pcrs.begin(), pcrs.end());
  return Status();
}

Status ParseTpmBanks(const std::string& text, std::vector<uint16_t>* out) {
  std::set<uint16_t> banks;
  size_t pos = 0;
  while (true) {
    size_t comma = text.find(',', pos);
    std::string name = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    uint16_t alg = 0;
    if (!TpmHashFromName(name, &alg) || !banks.insert(alg).second)
      return Status::Fail(kSpec, "tpm banks '" + text + "': '" + name +
                                     "' (sha1, sha256, sha384, sha512, each once)");
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  out->assign(banks.begin(), banks.end());
  return Status();
}

namespace {

Status ParseAkCert(const std::string& value, TpmProviderOptions* o) {
  if (value.compare(0, 3, "nv:") == 0) {
    const std::string idx = value.substr(3);
    char* end = nullptr;
    unsigned long v = idx.size() == 10 && idx.compare(0, 2, "0x") == 0
                          ? std::strtoul(idx.c_str() + 2, &end, 16)
                          : 0;
    if (!end || *end != '\0' || (v >> 24) != 0x01)
      return Status::Fail(kSpec, "tpm akcert '" + value + "': not an NV index (nv:0x01xxxxxx)");
    o->ak_cert_nv = static_cast<uint32_t>(v);
    return Status();
  }
  if (value.empty() || value[0] != '/')
    return Status::Fail(kSpec, "tpm akcert '" + value + "': neither an absolute path nor nv:INDEX");
  o->ak_cert_file = value;
  return Status();
}

Status ApplyOption(const std::string& key, const std::string& value, TpmProviderOptions* o) {
  if (key == "tcti") {
    if (value.empty()) return Status::Fail(kSpec, "tpm: empty tcti");
    o->tcti = value;
  } else if (key == "ak") {
    return ParseTpmAkRef(value, &o->ak);
  } else if (key == "akcert") {
    return ParseAkCert(value, o);
  } else if (key == "pcrs") {
    return ParseTpmPcrList(value, &o->pcrs);
  } else if (key == "banks") {
    return ParseTpmBanks(value, &o->banks);
  } else if (key == "eventlog" || key == "ima") {
    if (value != "none" && (value.empty() || value[0] != '/'))
      return Status::Fail(kSpec, "tpm " + key + " '" + value + "': not an absolute path or none");
    (key == "ima" ? o->ima : o->eventlog) = value == "none" ? "" : value;
    (key == "ima" ? o->ima_optional : o->eventlog_optional) = false;
  } else {
    return Status::Fail(kSpec, "tpm: unknown option '" + key +
                                   "' (tcti, ak, akcert, pcrs, banks, eventlog, ima)");
  }
  return Status();
}

TPML_PCR_SELECTION Selection(const std::vector<uint16_t>& banks,
                             const std::vector<uint32_t>& pcrs) {
  TPML_PCR_SELECTION sel = {};
  for (uint16_t bank : banks) {
    TPMS_PCR_SELECTION& s = sel.pcrSelections[sel.count++];
    s.hash = bank;
    s.sizeofSelect = 3;
    for (uint32_t p : pcrs) s.pcrSelect[p / 8] = static_cast<BYTE>(s.pcrSelect[p / 8] | (1u << (p % 8)));
  }
  return sel;
}

// One TPM2_PCR_Read of up to 8 PCRs of one bank; the TPM must answer with
// exactly what was asked (an unallocated bank answers with nothing).
Status ReadPcrChunk(ESYS_CONTEXT* ctx, uint16_t bank, const std::vector<uint32_t>& pcrs,
                    TpmPcrValues* out, uint32_t* counter) {
  TPML_PCR_SELECTION in = Selection({bank}, pcrs);
  TPML_PCR_SELECTION* sel_out = nullptr;
  TPML_DIGEST* values = nullptr;
  TSS2_RC rc = Esys_PCR_Read(ctx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &in, counter,
                             &sel_out, &values);
  if (rc != TSS2_RC_SUCCESS) return TpmFail(kCheck, "PCR read", rc);
  std::unique_ptr<TPML_PCR_SELECTION, decltype(&Esys_Free)> s1(sel_out, Esys_Free);
  std::unique_ptr<TPML_DIGEST, decltype(&Esys_Free)> s2(values, Esys_Free);
  const size_t size = TpmHashSize(bank);
  bool same = sel_out->count == 1 && sel_out->pcrSelections[0].hash == bank &&
              sel_out->pcrSelections[0].sizeofSelect >= 3 &&
              std::memcmp(sel_out->pcrSelections[0].pcrSelect, in.pcrSelections[0].pcrSelect, 3) == 0;
  if (!same || values->count != pcrs.size())
    return Status::Fail(kCheck, "the TPM has no " + TpmHashName(bank) +
                                    " value for some selected PCR (bank not allocated?)");
  for (size_t i = 0; i < pcrs.size(); i++) {
    if (values->digests[i].size != size)
      return Status::Fail(kCheck, "PCR read: a " + TpmHashName(bank) + " value of another size");
    (*out)[bank][pcrs[i]] = Bytes(values->digests[i].buffer, values->digests[i].buffer + size);
  }
  return Status();
}

// All selected PCRs; *consistent is false if a PCR changed between reads.
Status ReadPcrs(ESYS_CONTEXT* ctx, const TpmProviderOptions& o, TpmPcrValues* out,
                bool* consistent) {
  out->clear();
  *consistent = true;
  bool first = true;
  uint32_t counter0 = 0;
  for (uint16_t bank : o.banks) {
    for (size_t i = 0; i < o.pcrs.size(); i += kPcrsPerRead) {
      std::vector<uint32_t> chunk(o.pcrs.begin() + static_cast<long>(i),
                                  o.pcrs.begin() + static_cast<long>(std::min(i + kPcrsPerRead, o.pcrs.size())));
      uint32_t counter = 0;
      RA_RETURN_IF_ERROR(ReadPcrChunk(ctx, bank, chunk, out, &counter));
      if (!first && counter != counter0) *consistent = false;
      counter0 = counter;
      first = false;
    }
  }
  return Status();
}

// The AK's scheme if it has one, else the usual one for its type.
TPMT_SIG_SCHEME QuoteScheme(const TPM2B_PUBLIC& ak) {
  TPMT_SIG_SCHEME s = {};
  s.scheme = TPM2_ALG_NULL;
  const TPMT_PUBLIC& p = ak.publicArea;
  bool keyed = p.type == TPM2_ALG_RSA ? p.parameters.rsaDetail.scheme.scheme != TPM2_ALG_NULL
                                      : p.parameters.eccDetail.scheme.scheme != TPM2_ALG_NULL;
  if (keyed) return s;
  s.scheme = p.type == TPM2_ALG_RSA ? TPM2_ALG_RSASSA : TPM2_ALG_ECDSA;
  s.details.any.hashAlg = TPM2_ALG_SHA256;
  return s;
}

Status Quote(ESYS_CONTEXT* ctx, LoadedTpmAk* ak, const Binding& binding,
             const TpmProviderOptions& o, Bytes* attest, Bytes* signature) {
  TPM2B_DATA qualifying = {};
  qualifying.size = kBindingLen;
  std::memcpy(qualifying.buffer, binding.data(), kBindingLen);
  TPMT_SIG_SCHEME scheme = QuoteScheme(ak->pub);
  TPML_PCR_SELECTION sel = Selection(o.banks, o.pcrs);
  TPM2B_ATTEST* quoted = nullptr;
  TPMT_SIGNATURE* sig = nullptr;
  TSS2_RC rc = Esys_Quote(ctx, ak->tr.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                          &qualifying, &scheme, &sel, &quoted, &sig);
  if (rc != TSS2_RC_SUCCESS) {
    // TPM_RC_SIZE for parameter 1 (qualifyingData), format-one code.
    bool size_refused = (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER && (rc & TPM2_RC_FMT1) &&
                        (rc & 0x3f) == (TPM2_RC_SIZE & 0x3f) &&
                        (rc & (TPM2_RC_P | TPM2_RC_N_MASK)) == (TPM2_RC_P | TPM2_RC_1);
    if (size_refused)
      return TpmFail(kCheck, "TPM2_Quote (this TPM takes less than 64 bytes of "
                             "qualifyingData: no SHA-512 support)", rc);
    return TpmFail(kCheck, "TPM2_Quote", rc);
  }
  std::unique_ptr<TPM2B_ATTEST, decltype(&Esys_Free)> q1(quoted, Esys_Free);
  std::unique_ptr<TPMT_SIGNATURE, decltype(&Esys_Free)> q2(sig, Esys_Free);
  attest->assign(quoted->attestationData, quoted->attestationData + quoted->size);
  uint8_t buf[sizeof(TPMT_SIGNATURE)];
  size_t off = 0;
  if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
    return Status::Fail(kCheck, "marshalling the quote's signature");
  signature->assign(buf, buf + off);
  return Status();
}

// The quote parses, is for this binding, and covers exactly the values
// read; *matches is false when a PCR moved between read and quote.
Status CheckOwnQuote(const Bytes& attest, const Bytes& signature, const Binding& binding,
                     const TpmPcrValues& values, bool* matches) {
  TpmQuote q;
  TpmSignature s;
  RA_RETURN_IF_ERROR(ParseTpmQuote(attest, &q));
  RA_RETURN_IF_ERROR(ParseTpmSignature(signature, &s));
  RA_RETURN_IF_ERROR(CheckTpmQuoteExtraData(q, ByteView(binding.data(), binding.size())));
  Bytes digest;
  RA_RETURN_IF_ERROR(ComputeTpmPcrDigest(q.pcr_select, values, s.hash_alg, &digest));
  *matches = digest == q.pcr_digest;
  return Status();
}

// Up to limit bytes of path (securityfs files have no size to stat).
// *present is false for an optional file that cannot be opened.
Status ReadBounded(const std::string& path, bool optional, size_t limit, const char* item,
                   Bytes* out, bool* present) {
  *present = false;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (optional) return Status();
    return Status::Fail(kCheck, std::string(item) + " " + path + ": " + std::strerror(errno));
  }
  out->assign(limit + 1, 0);
  size_t n = 0;
  ssize_t r = 0;
  while (n < out->size() && (r = read(fd, out->data() + n, out->size() - n)) > 0)
    n += static_cast<size_t>(r);
  int err = errno;
  close(fd);
  if (r < 0) return Status::Fail(kCheck, std::string(item) + " " + path + ": " + std::strerror(err));
  if (n > limit)
    return Status::Fail(kCheck, std::string(item) + " " + path + " is over " +
                                    std::to_string(limit / 1024) +
                                    " KiB, more than one evidence item may carry (set " +
                                    (std::strcmp(item, kEvidenceImaLog) == 0 ? "ima" : "eventlog") +
                                    "=none to leave it out)");
  out->resize(n);
  *present = true;
  return Status();
}

class TpmProvider : public EvidenceProvider {
 public:
  explicit TpmProvider(TpmProviderOptions o) : o_(std::move(o)) {}
  Status Collect(const Binding& binding, std::vector<EvidenceItem>* out) override;

 private:
  Status QuoteFresh(const Binding& binding, std::vector<EvidenceItem>* items);
  TpmProviderOptions o_;
};

Status TpmProvider::QuoteFresh(const Binding& binding, std::vector<EvidenceItem>* items) {
  EsysSession tpm;
  RA_RETURN_IF_ERROR(tpm.Open(kCheck, o_.tcti));
  RA_RETURN_IF_ERROR(AppendTpmQuote(tpm.ctx(), o_, binding, items));
  if (o_.ak_cert_nv == 0) return Status();
  return AppendTpmAkCertFromNv(tpm.ctx(), o_.ak_cert_nv, false, items);
}

Status TpmProvider::Collect(const Binding& binding, std::vector<EvidenceItem>* out) {
  std::vector<EvidenceItem> items;
  RA_RETURN_IF_ERROR(QuoteFresh(binding, &items));
  RA_RETURN_IF_ERROR(AppendTpmFiles(o_, kMaxTpmLogsTotalLen, &items));
  for (auto& item : items) out->push_back(std::move(item));
  return Status();
}

}  // namespace

Status ApplyTpmProviderOption(const std::string& key, const std::string& value,
                              TpmProviderOptions* o) {
  return ApplyOption(key, value, o);
}

Status AppendTpmFiles(const TpmProviderOptions& o, size_t logs_budget,
                      std::vector<EvidenceItem>* items) {
  bool present = false;
  Bytes data;
  if (!o.ak_cert_file.empty()) {
    RA_RETURN_IF_ERROR(ReadBounded(o.ak_cert_file, false, kMaxTpmAkCertLen,
                                   kEvidenceTpmAkCert, &data, &present));
    items->push_back({kEvidenceTpmAkCert, std::move(data)});
  }
  size_t logs = 0;
  const struct {
    const std::string& path;
    bool optional;
    const char* type;
  } files[] = {{o.eventlog, o.eventlog_optional, kEvidenceTpmEventLog},
               {o.ima, o.ima_optional, kEvidenceImaLog}};
  for (const auto& f : files) {
    if (f.path.empty()) continue;
    RA_RETURN_IF_ERROR(ReadBounded(f.path, f.optional, kMaxTpmLogItemLen, f.type, &data, &present));
    if (!present) continue;
    logs += data.size();
    if (logs > logs_budget)
      return Status::Fail(kCheck, "the event log and IMA list together are over " +
                                      std::to_string(logs_budget / 1024) +
                                      " KiB, more than a response carries (set ima=none or "
                                      "eventlog=none)");
    items->push_back({f.type, std::move(data)});
  }
  return Status();
}

Status AppendTpmQuote(ESYS_CONTEXT* ctx, const TpmProviderOptions& o, const Binding& binding,
                      std::vector<EvidenceItem>* out) {
  LoadedTpmAk ak(ctx);
  RA_RETURN_IF_ERROR(LoadTpmAk(ctx, o.ak, &ak));
  for (int attempt = 0; attempt < kTpmQuoteAttempts; attempt++) {
    TpmPcrValues values;
    bool consistent = false;
    RA_RETURN_IF_ERROR(ReadPcrs(ctx, o, &values, &consistent));
    if (!consistent) continue;
    if (o.between_read_and_quote) o.between_read_and_quote(ctx, attempt);
    Bytes attest, sig;
    RA_RETURN_IF_ERROR(Quote(ctx, &ak, binding, o, &attest, &sig));
    bool matches = false;
    RA_RETURN_IF_ERROR(CheckOwnQuote(attest, sig, binding, values, &matches));
    if (!matches) continue;
    out->push_back({kEvidenceTpmQuote, std::move(attest)});
    out->push_back({kEvidenceTpmSignature, std::move(sig)});
    std::string json = TpmPcrsToJson(values);
    out->push_back({kEvidenceTpmPcrs, Bytes(json.begin(), json.end())});
    return Status();
  }
  return Status::Fail(kCheck, "PCRs kept changing while being quoted (" +
                                  std::to_string(kTpmQuoteAttempts) + " attempts)");
}

Status AppendTpmAkCertFromNv(ESYS_CONTEXT* ctx, uint32_t index, bool optional,
                             std::vector<EvidenceItem>* out) {
  char hex[16];
  std::snprintf(hex, sizeof(hex), "0x%08x", index);
  bool defined = false;
  RA_RETURN_IF_ERROR(NvIndexDefined(ctx, kCheck, index, &defined));
  if (!defined) {
    if (optional) return Status();
    return Status::Fail(kCheck, std::string("AK certificate: NV index ") + hex + " is not defined");
  }
  EsysHandle nv(ctx);
  uint16_t size = 0;
  RA_RETURN_IF_ERROR(NvIndexOpen(ctx, kCheck, index, nv.out(), &size));
  if (size == 0 || size > kMaxTpmAkCertLen)
    return Status::Fail(kCheck, std::string("NV index ") + hex + " holds " + std::to_string(size) +
                                    " bytes, not an AK certificate");
  Bytes cert;
  RA_RETURN_IF_ERROR(NvIndexRead(ctx, kCheck, nv.get(), size,
                                 std::string("the AK certificate (NV ") + hex + ")", &cert));
  out->push_back({kEvidenceTpmAkCert, std::move(cert)});
  return Status();
}

Status ParseTpmProviderSpec(const std::string& options, TpmProviderOptions* out) {
  TpmProviderOptions o;
  o.ak.handle = kDefaultTpmAkHandle;
  o.eventlog = kDefaultTpmEventLog;
  o.ima = kDefaultImaLog;
  o.banks = {kTpmAlgSha256};
  RA_RETURN_IF_ERROR(ParseTpmPcrList("0-7,11-14", &o.pcrs));
  if (!options.empty() && options[0] != ';')
    return Status::Fail(kSpec, "tpm: options start with ';' (tpm;tcti=...)");
  std::set<std::string> seen;
  size_t pos = options.empty() ? std::string::npos : 1;
  while (pos != std::string::npos) {
    size_t semi = options.find(';', pos);
    std::string kv = options.substr(pos, semi == std::string::npos ? std::string::npos : semi - pos);
    pos = semi == std::string::npos ? semi : semi + 1;
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::Fail(kSpec, "tpm: '" + kv + "' is not key=value");
    std::string key = kv.substr(0, eq);
    if (!seen.insert(key).second) return Status::Fail(kSpec, "tpm: " + key + " given twice");
    RA_RETURN_IF_ERROR(ApplyOption(key, kv.substr(eq + 1), &o));
  }
  *out = std::move(o);
  return Status();
}

Status OpenTpmProvider(const TpmProviderOptions& opt, std::unique_ptr<EvidenceProvider>* out) {
  QuietTss2Log();
  // Reaching the TPM and the AK at start-up shows a wrong TCTI or a
  // missing tpm-init when sshd starts, not at the first login.
  EsysSession tpm;
  RA_RETURN_IF_ERROR(tpm.Open(kCheck, opt.tcti));
  LoadedTpmAk ak(tpm.ctx());
  RA_RETURN_IF_ERROR(LoadTpmAk(tpm.ctx(), opt.ak, &ak));
  *out = std::make_unique<TpmProvider>(opt);
  return Status();
}

Status OpenTpmProvider(const std::string& options, std::unique_ptr<EvidenceProvider>* out) {
  TpmProviderOptions opt;
  RA_RETURN_IF_ERROR(ParseTpmProviderSpec(options, &opt));
  return OpenTpmProvider(opt, out);
}

}  // namespace ra
