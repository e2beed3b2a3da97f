// "sim-snp:DIR": a software SEV-SNP guest (provider/sim_snp_authority.h).
// Each Collect returns a version 3 report with REPORT_DATA = the binding,
// signed by DIR's VCEK, and the extended report's certificate table
// (VCEK, ASK, ARK), as snp-report and snp-certs: the same items a real
// guest's configfs-tsm or /dev/sev-guest provider emits.  Only a verifier
// whose policy says "TrustAnchor snp DIR/ark.pem" accepts them.
#include <memory>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "provider/providers.h"
#include "provider/sim_snp_authority.h"

namespace ra {
namespace {

class SimSnpProvider : public EvidenceProvider {
 public:
  explicit SimSnpProvider(std::string dir) : dir_(std::move(dir)) {}
  Status Collect(const Binding& binding, std::vector<EvidenceItem>* out) override {
    Bytes report, table;
    RA_RETURN_IF_ERROR(SimSnpGetReport(dir_, binding, &report, &table));
    out->push_back(EvidenceItem{kEvidenceSnpReport, std::move(report)});
    out->push_back(EvidenceItem{kEvidenceSnpCerts, std::move(table)});
    return Status();
  }

 private:
  std::string dir_;
};

}  // namespace

Status OpenSimSnpProvider(const std::string& dir, std::unique_ptr<EvidenceProvider>* out) {
  if (dir.empty() || dir[0] != '/')
    return Status::Fail("provider spec", "sim-snp wants an absolute directory");
  auto p = std::make_unique<SimSnpProvider>(dir);
  // One report now, so a broken DIR stops sshd at start-up, not each login.
  std::vector<EvidenceItem> trial;
  Status s = p->Collect(Binding{}, &trial);
  if (!s.ok()) return Status::Fail("sim snp", dir + ": " + s.message());
  *out = std::move(p);
  return Status();
}

}  // namespace ra
