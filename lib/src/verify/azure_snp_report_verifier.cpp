#include "verify/azure_snp_report_verifier.h"

#include <openssl/sha.h>

#include "common/bytes_util.h"
#include "common/user_data_binding.h"
#include "parse/hcl_report.h"
#include "verify/lone_item.h"
#include "verify/snp_kind.h"

namespace ra {
namespace {

const char kCheck[] = "azure runtime data";

class AzureSnpKind : public SnpFamilyKind {
 public:
  const char* type() const override { return kEvidenceAzureSnpReport; }
  std::vector<std::string> companions() const override {
    return {kEvidenceAzureRuntimeData, kEvidenceSnpCerts, kEvidenceSnpVcek};
  }
  Status Verify(const EvidenceItem& item, const std::vector<EvidenceItem>& all,
                const VerifyContext& ctx, VerifiedClaims* out) const override {
    const EvidenceItem* rt = nullptr;
    RA_RETURN_IF_ERROR(FindLoneItem(all, kEvidenceAzureRuntimeData, kCheck, &rt));
    if (!rt) return Status::Fail(kCheck, "no azure-runtime-data item beside the report");
    SnpClaims c;
    RA_RETURN_IF_ERROR(VerifySnpReportItem(ByteView(item.data), all, ctx, &c));
    const Binding* b = ctx.binding_or_null();
    Bytes ud;
    const char* how = "";
    RA_RETURN_IF_ERROR(CheckAzureRuntimeBinding(ByteView(c.report.report_data.data(), 64),
                                                ByteView(rt->data), b, &ud, &how));
    SnpClaimFields(std::move(c), type(), b != nullptr, out);
    out->fields.emplace_back("user_data", HexEncode(ud));
    if (b) out->fields.emplace_back("user_data_is", how);
    return Status();
  }
};

}  // namespace

Status CheckAzureRuntimeBinding(ByteView report_data, ByteView runtime_json,
                                const Binding* binding, Bytes* user_data, const char** how) {
  if (runtime_json.size == 0 || runtime_json.size > kMaxRuntimeJsonLen)
    return Status::Fail(kCheck, "missing or larger than " + std::to_string(kMaxRuntimeJsonLen) +
                                    " bytes");
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(runtime_json.data, runtime_json.size, h);
  if (report_data.size < sizeof(h) ||
      !ConstantTimeEqual(ByteView(h, sizeof(h)), ByteView(report_data.data, sizeof(h))))
    return Status::Fail("report data binding",
                        "REPORT_DATA[0:32] is not SHA-256 of the runtime data");
  AzureRuntimeData rt;
  RA_RETURN_IF_ERROR(ParseAzureRuntimeJson(runtime_json, &rt));
  if (!rt.has_user_data) return Status::Fail(kCheck, "missing 'user-data'");
  if (binding && !UserDataMatchesBinding(rt.user_data, *binding, how))
    return Status::Fail("runtime data binding", "user-data does not match the expected binding");
  *user_data = std::move(rt.user_data);
  return Status();
}

const EvidenceKind* AzureSnpReportKind() { return KindInstance<AzureSnpKind>(); }

}  // namespace ra
