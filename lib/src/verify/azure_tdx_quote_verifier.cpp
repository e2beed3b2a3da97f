#include "verify/azure_tdx_quote_verifier.h"

#include <openssl/sha.h>

#include "common/bytes_util.h"
#include "common/user_data_binding.h"
#include "parse/hcl_report.h"
#include "parse/tdx_quote.h"
#include "verify/lone_item.h"
#include "verify/tdx_quote_verifier.h"

namespace ra {
namespace {

const char kCheck[] = "azure runtime data";

}  // namespace

Status VerifyAzureTdxQuoteClaims(ByteView quote, ByteView runtime_json, const Binding* binding,
                                 const Policy& policy, std::time_t now, VerifiedClaims* out,
                                 FetchDeadline deadline) {
  if (runtime_json.size == 0 || runtime_json.size > kMaxRuntimeJsonLen)
    return Status::Fail(kCheck, "missing or larger than " + std::to_string(kMaxRuntimeJsonLen) +
                                    " bytes");
  TdxQuote q;
  RA_RETURN_IF_ERROR(ParseTdxQuote(quote, &q));
  // 1. The quote names these runtime bytes (exactly these: the hash is
  // over the bytes as sent, not over a re-serialization).
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(runtime_json.data, runtime_json.size, h);
  if (!ConstantTimeEqual(ByteView(h, sizeof(h)), ByteView(q.body.report_data.data(), sizeof(h))))
    return Status::Fail("report data binding",
                        "REPORTDATA[0:32] is not SHA-256 of the runtime data");
  // 2. The runtime data carries the binding.
  AzureRuntimeData rt;
  RA_RETURN_IF_ERROR(ParseAzureRuntimeJson(runtime_json, &rt));
  if (!rt.has_user_data) return Status::Fail(kCheck, "missing 'user-data'");
  const Bytes& ud = rt.user_data;
  const char* how = "";
  if (binding && !UserDataMatchesBinding(ud, *binding, &how))
    return Status::Fail("runtime data binding", "user-data does not match the expected binding");
  // 3. The quote itself, with its own REPORTDATA (checked above).
  Binding rd{};
  std::copy(q.body.report_data.begin(), q.body.report_data.end(), rd.begin());
  TdxClaims t;
  RA_RETURN_IF_ERROR(VerifyTdxQuoteClaims(quote, &rd, policy, now, &t, deadline));
  t.binding_checked = binding != nullptr;
  VerifiedClaims c;
  TdxClaimFields(t, kEvidenceAzureTdxQuote, &c);
  c.fields.emplace_back("user_data", HexEncode(ud));
  if (binding) c.fields.emplace_back("user_data_is", how);
  if (out) *out = std::move(c);
  return Status();
}

Status VerifyAzureTdxQuote(ByteView quote, ByteView runtime_json, const Binding* binding,
                           const Policy& policy, std::time_t now, VerifiedClaims* out) {
  VerifiedClaims c;
  RA_RETURN_IF_ERROR(VerifyAzureTdxQuoteClaims(quote, runtime_json, binding, policy, now, &c));
  RA_RETURN_IF_ERROR(AppraiseTdxTypedClaims(c, policy));
  if (out) *out = std::move(c);
  return Status();
}

namespace {

class AzureQuoteKind : public TdxFamilyKind {
 public:
  const char* type() const override { return kEvidenceAzureTdxQuote; }
  std::vector<std::string> companions() const override { return {kEvidenceAzureRuntimeData}; }
  Status Verify(const EvidenceItem& item, const std::vector<EvidenceItem>& all,
                const VerifyContext& ctx, VerifiedClaims* out) const override {
    if (!ctx.policy) return Status::Fail(type(), "no policy");
    const EvidenceItem* rt = nullptr;
    RA_RETURN_IF_ERROR(FindLoneItem(all, kEvidenceAzureRuntimeData, kCheck, &rt));
    if (!rt) return Status::Fail(kCheck, "no azure-runtime-data item beside the quote");
    return VerifyAzureTdxQuoteClaims(item.data, rt->data, ctx.binding_or_null(), *ctx.policy,
                                     ctx.now, out, ctx.deadline);
  }
};

}  // namespace

const EvidenceKind* AzureTdxQuoteKind() { return KindInstance<AzureQuoteKind>(); }

}  // namespace ra
