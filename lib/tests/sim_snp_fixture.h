// What the SEV-SNP provider tests (sev_guest, configfs-tsm sev_guest)
// share: one software SNP per test program, and the provider's items put
// through the real verifier with that SNP's ARK as the only anchor.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "common/snp_evidence_types.h"
#include "provider/sim_snp_authority.h"
#include "ra_test_util.h"
#include "verify/snp_evidence.h"
#include "verify/x509_util.h"

namespace ra_test {

// A sim chain laid out in dir: dir/ark.pem (the policy's trust anchor) and
// dir/kds/{ark,ask,vcek}.pem (what the kds-emulator serves).
inline ::testing::AssertionResult WriteSimKdsTree(const TempDir& dir, const ra::SimSnpChain& c) {
  WriteFile(dir / "ark.pem", CertPem(c.ark.get()));
  if (mkdir((dir / "kds").c_str(), 0700) != 0) return ::testing::AssertionFailure() << "mkdir kds";
  WriteFile(dir / "kds/ark.pem", CertPem(c.ark.get()));
  WriteFile(dir / "kds/ask.pem", CertPem(c.ask.get()));
  WriteFile(dir / "kds/vcek.pem", CertPem(c.vcek.get()));
  return ::testing::AssertionSuccess();
}

// The sim-snp directory for product, made on first use (RSA key generation
// is slow) and removed when the program exits.
inline const std::string& SharedSimSnpDir(ra::SnpProduct product) {
  static TempDir dir;
  static std::map<ra::SnpProduct, std::string> made;
  auto it = made.find(product);
  if (it != made.end()) return it->second;
  ra::SimSnpInitOptions o;
  o.product = product;
  o.rsa_bits = 2048;
  const std::string path = dir / ("snp" + std::to_string(made.size()));
  ra::Status s = ra::SimSnpInit(path, o);
  if (!s.ok()) ADD_FAILURE() << s.message();
  return made[product] = path;
}

// items (snp-report, snp-certs) through VerifySnpEvidence: anchored at the
// ARK of the sim in sim_dir, REPORT_DATA must be binding.
inline ra::Status VerifySimSnpItems(const std::string& sim_dir,
                                    const std::vector<ra::EvidenceItem>& items,
                                    const ra::Binding& binding) {
  std::vector<ra::X509Ptr> ark;
  ra::Status s = ra::LoadPemCertFile(sim_dir + "/" + ra::kSimSnpArkPem, &ark);
  if (!s.ok()) return s;
  ra::SnpEvidence ev;
  for (const ra::EvidenceItem& i : items) {
    if (i.type == ra::kSnpReportItemType) ev.report = ra::ByteView(i.data);
    if (i.type == ra::kSnpCertsItemType) ev.cert_table = ra::ByteView(i.data);
  }
  ra::SnpVerifyOptions o;
  o.now = std::time(nullptr);
  o.trust_anchors = {ark[0].get()};
  o.expected_report_data = &binding;
  ra::SnpClaims claims;
  return ra::VerifySnpEvidence(ev, o, &claims);
}

}  // namespace ra_test
