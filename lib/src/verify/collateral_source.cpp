// Collateral checks shared by every source.  Intel signs TCB info and QE
// identity with the TCB Signing key (certified by the SGX Root CA), the
// Root CA signs its own CRL and the PCK CAs', and each PCK CA signs the
// CRL of the PCK certificates it issued.  Everything here is checked at
// the verification time; a document past its nextUpdate is refused unless
// CollateralGrace covers it, and then it is used with a warning (a PCS
// outage must not take every connection down, but it must be visible).
#include "verify/collateral_source.h"

#include <dirent.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>

#include "common/bytes_util.h"
#include "common/dir_listing.h"
#include "parse/jwt_token.h"

namespace ra {
namespace {

constexpr size_t kMaxCollateralFile = 1 << 20;

std::string CnOf(X509_NAME* name) {
  char cn[256] = {0};
  if (!name || X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof(cn)) <= 0) return "";
  return cn;
}

std::string DateText(std::time_t t) {
  char buf[32];
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool AsnTime(const ASN1_TIME* a, std::time_t* out) {
  struct tm tm;
  if (!a || ASN1_TIME_to_tm(a, &tm) != 1) return false;
  *out = timegm(&tm);
  return true;
}

void Warn(const CollateralOptions& opt, const std::string& msg) {
  if (opt.warn) opt.warn(msg);
}

// issue..next judged at now: not before issue (beyond ClockSkew), not
// after next unless CollateralGrace covers it (*stale then).
Status CheckWindow(const std::string& check, const std::string& what, std::time_t issue,
                   std::time_t next, const CollateralOptions& opt, std::time_t now, bool* stale) {
  if (issue > now + opt.clock_skew)
    return Status::Fail(check, what + " not yet valid (issued " + DateText(issue) + ")");
  if (now > next) {
    if (opt.collateral_grace <= 0 || now - next > opt.collateral_grace)
      return Status::Fail(check, what + " expired: nextUpdate " + DateText(next) +
                                     (opt.collateral_grace > 0 ? ", beyond CollateralGrace" : ""));
    *stale = true;
    Warn(opt, "warning: " + what + " is past its nextUpdate " + DateText(next) +
                  "; used within CollateralGrace");
  }
  return Status();
}

struct CrlDates {
  std::time_t this_update = 0, next_update = 0;
};

Status LoadDatedCrl(const Bytes& der, const std::string& check, X509CrlPtr* crl,
                    CrlDates* d) {
  RA_RETURN_IF_ERROR(LoadCrl(der, check, crl));
  if (!AsnTime(X509_CRL_get0_lastUpdate(crl->get()), &d->this_update) ||
      !AsnTime(X509_CRL_get0_nextUpdate(crl->get()), &d->next_update))
    return Status::Fail(check, "CRL without a readable thisUpdate/nextUpdate");
  return Status();
}

// The Root CA CRL must be signed by one of the anchors themselves.
Status CheckRootCrlSignature(X509_CRL* crl, const std::vector<X509*>& anchors) {
  for (X509* a : anchors)
    if (X509_NAME_cmp(X509_get_subject_name(a), X509_CRL_get_issuer(crl)) == 0 &&
        X509_CRL_verify(crl, X509_get0_pubkey(a)) == 1)
      return Status();
  return Status::Fail("root ca crl", "not signed by a trust anchor");
}

// A chain certificate's own validity at now, when the path itself was
// checked at an earlier time (stale CRLs within grace).
Status CheckCertTimes(const std::vector<X509Ptr>& certs, const std::string& check,
                      std::time_t now) {
  for (const auto& c : certs) {
    std::time_t nb = 0, na = 0;
    if (!AsnTime(X509_get0_notBefore(c.get()), &nb) || !AsnTime(X509_get0_notAfter(c.get()), &na) ||
        now < nb || now > na)
      return Status::Fail(check, "certificate \"" + CnOf(X509_get_subject_name(c.get())) +
                                     "\" not valid at the verification time");
  }
  return Status();
}

// The key of the first certificate in chain_pem named cn that chains to
// anchors at chain_time (not revoked by crls).
Status KeyOfChain(const std::string& chain_pem, const char* cn, const std::string& check,
                  const std::vector<X509*>& anchors, const std::vector<X509_CRL*>& crls,
                  std::time_t chain_time, std::time_t now, EvpPkeyPtr* key) {
  std::vector<X509Ptr> certs;
  RA_RETURN_IF_ERROR(LoadPemCerts(chain_pem, check, &certs));
  std::vector<X509*> all;
  for (auto& c : certs) all.push_back(c.get());
  Status last = Status::Fail(check, std::string("no \"") + cn + "\" certificate in the chain");
  for (X509* c : all) {
    if (CnOf(X509_get_subject_name(c)) != cn) continue;
    last = VerifyCertChain(c, all, anchors, crls, chain_time, check);
    if (last.ok() && chain_time != now) last = CheckCertTimes(certs, check, now);
    if (last.ok()) return P256KeyOfCert(c, check, key);
  }
  return last;
}

struct SignedDoc {
  std::string text;
  Bytes sig;
};

Status VerifySignedDoc(const std::string& body, const char* member, const std::string& what,
                       EVP_PKEY* key, SignedDoc* out) {
  RA_RETURN_IF_ERROR(ExtractSignedCollateral(body, member, &out->text, &out->sig));
  return VerifyEcdsaP256Raw(
      key, ByteView(reinterpret_cast<const uint8_t*>(out->text.data()), out->text.size()),
      out->sig, what + " signature");
}

Status CheckEvaluationNumber(const std::string& what, int64_t n, const CollateralOptions& opt) {
  if (opt.min_tcb_evaluation_data_number > 0 && n < opt.min_tcb_evaluation_data_number)
    return Status::Fail("tcb evaluation data number",
                        what + " has tcbEvaluationDataNumber " + std::to_string(n) +
                            ", below MinTcbEvaluationDataNumber " +
                            std::to_string(opt.min_tcb_evaluation_data_number));
  return Status();
}

Status CheckMaxAge(const std::string& check, const std::string& what, std::time_t issue,
                   const CollateralOptions& opt, std::time_t now) {
  if (opt.max_age > 0 && now - issue > opt.max_age)
    return Status::Fail(check, what + " is older than MaxAge");
  return Status();
}

struct LoadedCrls {
  X509CrlPtr root, pck;
  CrlDates root_d, pck_d;
};

// Both CRLs: parsed, the root one signed by an anchor, the PCK one by the
// PCK CA of ca (its chain checked against the root CRL), both current.
Status CheckCrls(const TdxCollateral& c, PckCa ca, const std::vector<X509*>& anchors,
                 const CollateralOptions& opt, std::time_t now, LoadedCrls* out, bool* stale) {
  if (opt.check_revocation && (c.root_ca_crl.empty() || c.pck_crl.empty()))
    return Status::Fail("crl", "collateral from " + c.origin + " has no " +
                                   (c.root_ca_crl.empty() ? "Root CA CRL" : "PCK CA CRL") +
                                   " (CheckRevocation no to go without)");
  if (!c.root_ca_crl.empty()) {
    RA_RETURN_IF_ERROR(LoadDatedCrl(c.root_ca_crl, "root ca crl", &out->root, &out->root_d));
    RA_RETURN_IF_ERROR(CheckRootCrlSignature(out->root.get(), anchors));
    RA_RETURN_IF_ERROR(CheckWindow("root ca crl", "Root CA CRL of " + c.origin,
                                   out->root_d.this_update, out->root_d.next_update, opt, now,
                                   stale));
  }
  if (c.pck_crl.empty()) return Status();
  RA_RETURN_IF_ERROR(LoadDatedCrl(c.pck_crl, "pck crl", &out->pck, &out->pck_d));
  const std::string want = std::string("Intel SGX PCK ") +
                           (ca == PckCa::kPlatform ? "Platform" : "Processor") + " CA";
  if (CnOf(X509_CRL_get_issuer(out->pck.get())) != want)
    return Status::Fail("pck crl", "issued by \"" + CnOf(X509_CRL_get_issuer(out->pck.get())) +
                                       "\", not \"" + want + "\"");
  RA_RETURN_IF_ERROR(CheckWindow("pck crl", "PCK CRL of " + c.origin, out->pck_d.this_update,
                                 out->pck_d.next_update, opt, now, stale));
  // Without the issuer chain the signature is checked with the PCK CA of
  // the quote's own chain, when that chain is verified with this CRL.
  if (c.pck_crl_issuer_chain.empty()) return Status();
  std::vector<X509_CRL*> root_only;
  if (out->root) root_only.push_back(out->root.get());
  std::time_t chain_time =
      out->root && now >= out->root_d.next_update ? out->root_d.next_update - 1 : now;
  EvpPkeyPtr key;
  RA_RETURN_IF_ERROR(KeyOfChain(c.pck_crl_issuer_chain, want.c_str(), "pck crl issuer chain",
                                anchors, root_only, chain_time, now, &key));
  if (X509_CRL_verify(out->pck.get(), key.get()) != 1)
    return Status::Fail("pck crl", "signature does not verify with the " + want + " key");
  return Status();
}

}  // namespace

const char* PckCaName(PckCa ca) { return ca == PckCa::kPlatform ? "platform" : "processor"; }

Status PckCaOfLeaf(X509* pck_leaf, PckCa* out) {
  const std::string cn = CnOf(X509_get_issuer_name(pck_leaf));
  if (cn == "Intel SGX PCK Platform CA") *out = PckCa::kPlatform;
  else if (cn == "Intel SGX PCK Processor CA") *out = PckCa::kProcessor;
  else return Status::Fail("pck ca", "PCK certificate issued by \"" + cn + "\"");
  return Status();
}

Status VerifyTdxCollateral(const TdxCollateral& c, const Fmspc& fmspc,
                           const std::array<uint8_t, 2>* pce_id, PckCa ca,
                           const std::vector<X509*>& anchors, const CollateralOptions& opt,
                           std::time_t now, VerifiedTdxCollateral* out) {
  VerifiedTdxCollateral v;
  v.origin = c.origin;
  LoadedCrls crls;
  RA_RETURN_IF_ERROR(CheckCrls(c, ca, anchors, opt, now, &crls, &v.stale));
  std::vector<X509_CRL*> root_only;
  if (crls.root) root_only.push_back(crls.root.get());
  // Within grace the chains are judged as at the CRL's nextUpdate (the
  // last moment it was current); the certificates' own dates still at now.
  // (OpenSSL takes a CRL as expired at its nextUpdate itself.)
  const std::time_t chain_time =
      crls.root && now >= crls.root_d.next_update ? crls.root_d.next_update - 1 : now;

  EvpPkeyPtr tcb_key;
  RA_RETURN_IF_ERROR(KeyOfChain(c.tcb_info_issuer_chain, "Intel SGX TCB Signing",
                                "tcb signing chain", anchors, root_only, chain_time, now,
                                &tcb_key));
  SignedDoc doc;
  RA_RETURN_IF_ERROR(VerifySignedDoc(c.tcb_info, "tcbInfo", "tcb info", tcb_key.get(), &doc));
  RA_RETURN_IF_ERROR(ParseTdxTcbInfo(doc.text, &v.tcb_info));
  const TdxTcbInfo& t = v.tcb_info;
  if (t.fmspc != fmspc)
    return Status::Fail("tcb info fmspc", "TCB info from " + c.origin + " is for FMSPC " +
                                              HexEncode(ByteView(t.fmspc.data(), 6)) +
                                              ", the platform's is " +
                                              HexEncode(ByteView(fmspc.data(), 6)));
  if (pce_id && t.pce_id != *pce_id)
    return Status::Fail("tcb info", "TCB info is for another PCE-ID");
  RA_RETURN_IF_ERROR(CheckWindow("tcb info", "TCB info of " + c.origin, t.issue_date,
                                 t.next_update, opt, now, &v.stale));
  RA_RETURN_IF_ERROR(CheckMaxAge("tcb info", "TCB info", t.issue_date, opt, now));
  RA_RETURN_IF_ERROR(CheckEvaluationNumber("TCB info", t.tcb_evaluation_data_number, opt));

  EvpPkeyPtr qe_key;
  const std::string& qe_chain =
      c.qe_identity_issuer_chain.empty() ? c.tcb_info_issuer_chain : c.qe_identity_issuer_chain;
  RA_RETURN_IF_ERROR(KeyOfChain(qe_chain, "Intel SGX TCB Signing", "qe identity issuer chain",
                                anchors, root_only, chain_time, now, &qe_key));
  RA_RETURN_IF_ERROR(
      VerifySignedDoc(c.qe_identity, "enclaveIdentity", "qe identity", qe_key.get(), &doc));
  RA_RETURN_IF_ERROR(ParseQeIdentity(doc.text, &v.qe_identity));
  const QeIdentity& q = v.qe_identity;
  RA_RETURN_IF_ERROR(CheckWindow("qe identity", "QE identity of " + c.origin, q.issue_date,
                                 q.next_update, opt, now, &v.stale));
  RA_RETURN_IF_ERROR(CheckMaxAge("qe identity", "QE identity", q.issue_date, opt, now));
  RA_RETURN_IF_ERROR(CheckEvaluationNumber("QE identity", q.tcb_evaluation_data_number, opt));

  v.next_update = std::min(t.next_update, q.next_update);
  if (crls.root) v.next_update = std::min(v.next_update, crls.root_d.next_update);
  if (crls.pck) v.next_update = std::min(v.next_update, crls.pck_d.next_update);
  v.chain_time = std::min(now, chain_time);
  if (crls.pck && now >= crls.pck_d.next_update)
    v.chain_time = std::min(v.chain_time, crls.pck_d.next_update - 1);
  v.crls_complete = crls.root && crls.pck;
  if (crls.root) v.crls.push_back(std::move(crls.root));
  if (crls.pck) v.crls.push_back(std::move(crls.pck));
  *out = std::move(v);
  return Status();
}

Status LoadVerifiedTdxCollateral(CollateralSource& src, X509* pck_leaf, const PckExtensions& pck,
                                 const std::vector<X509*>& anchors, const CollateralOptions& opt,
                                 std::time_t now, long timeout_ms, VerifiedTdxCollateral* out) {
  PckCa ca;
  RA_RETURN_IF_ERROR(PckCaOfLeaf(pck_leaf, &ca));
  TdxCollateral c;
  RA_RETURN_IF_ERROR(src.Get(pck.fmspc, ca, now, timeout_ms, &c));
  return VerifyTdxCollateral(c, pck.fmspc, &pck.pce_id, ca, anchors, opt, now, out);
}

Status VerifyPckChainWithCollateral(X509* leaf, const std::vector<X509*>& untrusted,
                                    const std::vector<X509*>& anchors,
                                    const VerifiedTdxCollateral& v, std::time_t now) {
  std::vector<X509_CRL*> crls;
  for (const auto& c : v.crls) crls.push_back(c.get());
  const std::time_t t = v.chain_time > 0 ? v.chain_time : now;
  RA_RETURN_IF_ERROR(VerifyCertChain(leaf, untrusted, anchors, crls, t, "pck chain", nullptr,
                                     nullptr, !v.crls_complete));
  if (t != now) RA_RETURN_IF_ERROR(VerifyCertChain(leaf, untrusted, anchors, {}, now, "pck chain"));
  return Status();
}

Status EvaluateTdxTcbWithCollateral(const TdxQuote& q, const PckExtensions& pck,
                                    const VerifiedTdxCollateral& v, const CollateralOptions& opt,
                                    std::time_t now, TdxTcbResult* out, TdxTcbGrace* grace) {
  if (pck.fmspc != v.tcb_info.fmspc)
    return Status::Fail("tcb info fmspc", "collateral is for another FMSPC");
  if (pck.pce_id != v.tcb_info.pce_id)
    return Status::Fail("tcb info", "TCB info is for another PCE-ID");
  RA_RETURN_IF_ERROR(CheckQeIdentityMatch(q, v.qe_identity));
  TdxTcbResult res;
  RA_RETURN_IF_ERROR(ComputeTdxTcbStatus(q, pck, v.tcb_info, &v.qe_identity, &res.status));
  res.tcbinfo_file = v.origin;
  res.qeidentity_file = v.origin;
  res.tcb_evaluation_data_number = v.tcb_info.tcb_evaluation_data_number;

  TdxTcbGrace g;
  const TdxTcbInfo::Level* level = FindTdxTcbLevel(q, pck, v.tcb_info);
  // Only an OutOfDate that the platform's own level states: its date is
  // the next newer level's tcbDate.  (The QE and module levels carry no
  // date we keep, so an OutOfDate from them gets no grace.)
  if (level && level->status == res.status &&
      (res.status == "OutOfDate" || res.status == "OutOfDateConfigurationNeeded")) {
    size_t i = static_cast<size_t>(level - v.tcb_info.levels.data());
    if (i > 0) g.out_of_date_since = v.tcb_info.levels[i - 1].tcb_date;
    if (g.out_of_date_since > 0 && opt.tcb_grace_period > 0 &&
        now <= g.out_of_date_since + opt.tcb_grace_period) {
      g.within_grace = true;
      Warn(opt, "warning: TCB " + res.status + " since " + DateText(g.out_of_date_since) +
                    ", accepted within TcbGracePeriod");
    }
  }
  *out = std::move(res);
  if (grace) *grace = g;
  return Status();
}

bool TcbStatusAllowed(const std::string& status, const TdxTcbGrace& grace,
                      const std::vector<std::string>& allowed) {
  auto has = [&](const char* s) {
    return std::find(allowed.begin(), allowed.end(), s) != allowed.end();
  };
  if (has(status.c_str())) return true;
  if (status == "TDRelaunchAdvised" && has("OutOfDate")) return true;
  if (status == "TDRelaunchAdvisedConfigurationNeeded" && has("OutOfDateConfigurationNeeded"))
    return true;
  if (!grace.within_grace) return false;
  if (status == "OutOfDate") return has("UpToDate");
  if (status == "OutOfDateConfigurationNeeded") return has("ConfigurationNeeded");
  return false;
}

// ---- Collateral DIR ----

namespace {

class DirectorySource : public CollateralSource {
 public:
  DirectorySource(std::string dir, int64_t skew) : dir_(std::move(dir)), skew_(skew) {}
  Status Get(const Fmspc& fmspc, PckCa ca, std::time_t now, long,
             TdxCollateral* out) override;

 private:
  // The newest (by evaluation data number) document with prefix, member
  // and, for TCB info, fmspc, issued by now.  Unparseable files are errors:
  // the operator put them there.
  Status Newest(const std::vector<std::string>& names, const char* prefix, bool tcb,
                const Fmspc& fmspc, std::time_t now, std::string* text);
  Status Crls(const std::vector<std::string>& names, PckCa ca, std::time_t now,
              TdxCollateral* out);
  std::string dir_;
  int64_t skew_;
};

// Intel collateral of another TEE: a signed body whose "id" is a string
// other than want ("SGX" TCB info; "QE" or "QVE" identity), as Intel's
// PCS serves beside the TDX files.  Skipped like another FMSPC's; what
// does not parse is left to the parser, which refuses it.
bool OtherTeesCollateral(const std::string& signed_text, const char* want) {
  JsonPtr doc;
  std::string id;
  bool present = false;
  if (!ParseJsonObject(signed_text, "collateral", &doc).ok() ||
      !JsonGetString(doc.get(), "id", "collateral", &id, &present).ok() || !present)
    return false;
  return id != want;
}

Status DirectorySource::Newest(const std::vector<std::string>& names, const char* prefix,
                               bool tcb, const Fmspc& fmspc, std::time_t now,
                               std::string* text) {
  int64_t best = -1;
  for (const auto& n : names) {
    if (!StartsWith(n, prefix) || !EndsWith(n, ".json")) continue;
    std::string body, signed_text;
    Bytes sig;
    RA_RETURN_IF_ERROR(ReadTextFileBounded(dir_ + "/" + n, kMaxCollateralFile, &body));
    RA_RETURN_IF_ERROR(ExtractSignedCollateral(body, tcb ? "tcbInfo" : "enclaveIdentity",
                                               &signed_text, &sig));
    if (OtherTeesCollateral(signed_text, tcb ? "TDX" : "TD_QE")) continue;
    std::time_t issue = 0;
    int64_t number = 0;
    if (tcb) {
      TdxTcbInfo info;
      RA_RETURN_IF_ERROR(ParseTdxTcbInfo(signed_text, &info));
      if (info.fmspc != fmspc) continue;
      issue = info.issue_date;
      number = info.tcb_evaluation_data_number;
    } else {
      QeIdentity qe;
      RA_RETURN_IF_ERROR(ParseQeIdentity(signed_text, &qe));
      issue = qe.issue_date;
      number = qe.tcb_evaluation_data_number;
    }
    if (issue > now + skew_ || number <= best) continue;
    best = number;
    *text = std::move(body);
  }
  if (best < 0)
    return Status::Fail(tcb ? "tcb info" : "qe identity",
                        std::string("no ") + (tcb ? "TDX TCB info for FMSPC " +
                                                        HexEncode(ByteView(fmspc.data(), 6))
                                                  : "TD_QE identity") +
                            " issued by the verification time in " + dir_ +
                            (tcb ? kCollateralSourceHint : ""));
  return Status();
}

Status DirectorySource::Crls(const std::vector<std::string>& names, PckCa ca, std::time_t now,
                             TdxCollateral* out) {
  std::vector<X509CrlPtr> crls;
  RA_RETURN_IF_ERROR(LoadCollateralCrls(dir_, &crls));
  const std::string pck_cn = std::string("Intel SGX PCK ") +
                             (ca == PckCa::kPlatform ? "Platform" : "Processor") + " CA";
  std::time_t best_root = 0, best_pck = 0;
  for (const auto& crl : crls) {
    std::time_t this_update = 0;
    if (!AsnTime(X509_CRL_get0_lastUpdate(crl.get()), &this_update) ||
        this_update > now + skew_)
      continue;
    const std::string cn = CnOf(X509_CRL_get_issuer(crl.get()));
    Bytes* slot = cn == "Intel SGX Root CA" ? &out->root_ca_crl
                  : cn == pck_cn            ? &out->pck_crl
                                            : nullptr;
    std::time_t* best = slot == &out->root_ca_crl ? &best_root : &best_pck;
    if (!slot || this_update <= *best) continue;
    unsigned char* der = nullptr;
    int n = i2d_X509_CRL(crl.get(), &der);
    if (n <= 0) return Status::Fail("crl", "cannot encode a CRL of " + dir_);
    slot->assign(der, der + n);
    OPENSSL_free(der);
    *best = this_update;
  }
  for (const auto& n : names)
    if (n == "pckcrl_issuer_chain.pem")
      RA_RETURN_IF_ERROR(
          ReadTextFileBounded(dir_ + "/" + n, kMaxCollateralFile, &out->pck_crl_issuer_chain));
  return Status();
}

Status DirectorySource::Get(const Fmspc& fmspc, PckCa ca, std::time_t now, long,
                            TdxCollateral* out) {
  std::vector<std::string> names;
  RA_RETURN_IF_ERROR(ListDirSorted(dir_, &names));
  TdxCollateral c;
  c.origin = dir_;
  RA_RETURN_IF_ERROR(Newest(names, "tcbinfo", true, fmspc, now, &c.tcb_info));
  RA_RETURN_IF_ERROR(Newest(names, "qeidentity", false, fmspc, now, &c.qe_identity));
  // Every TCB Signing chain file: Intel renewed the certificate (same key)
  // in 2025, and KeyOfChain takes whichever copy verifies.
  for (const auto& n : names) {
    if (n.find("tcb_signing_chain") == std::string::npos || !EndsWith(n, ".pem")) continue;
    std::string pem;
    RA_RETURN_IF_ERROR(ReadTextFileBounded(dir_ + "/" + n, kMaxCollateralFile, &pem));
    c.tcb_info_issuer_chain += pem + "\n";
  }
  if (c.tcb_info_issuer_chain.empty())
    return Status::Fail("tcb signing chain", "no tcb_signing_chain.pem in " + dir_);
  c.qe_identity_issuer_chain = c.tcb_info_issuer_chain;
  RA_RETURN_IF_ERROR(Crls(names, ca, now, &c));
  *out = std::move(c);
  return Status();
}

}  // namespace

std::unique_ptr<CollateralSource> MakeDirectoryCollateralSource(const std::string& dir,
                                                                int64_t clock_skew) {
  return std::unique_ptr<CollateralSource>(new DirectorySource(dir, clock_skew));
}

}  // namespace ra
