#include "verify/maa_token_verifier.h"

#include "policy/maa_snp_policy.h"
#include "policy/maa_tdx_policy.h"
#include "verify/jwt_verifier.h"

namespace ra {
namespace {

void AddTokenFields(const VerifiedJwt& jwt, VerifiedClaims* c) {
  c->fields.insert(c->fields.begin(),
                   {{"issuer", jwt.issuer}, {"alg", jwt.alg}, {"kid", jwt.kid}});
  c->fields.emplace_back("iat", std::to_string(jwt.iat));
  c->fields.emplace_back("exp", std::to_string(jwt.exp));
}

Status AppraiseTyped(const VerifiedClaims& c, const Policy& policy) {
  if (const MaaSnpClaims* s = std::any_cast<MaaSnpClaims>(&c.typed))
    return AppraiseMaaSnpClaims(*s, policy);
  const MaaTdxClaims* m = std::any_cast<MaaTdxClaims>(&c.typed);
  if (m == nullptr) return Status();  // a generic token: nothing to appraise
  return AppraiseMaaTdxClaims(*m, policy);
}

}  // namespace

Status VerifyMaaTokenClaims(const std::string& token, const Binding* binding,
                            const Policy& policy, std::time_t now, VerifiedClaims* out,
                            FetchDeadline deadline) {
  VerifiedJwt jwt;
  RA_RETURN_IF_ERROR(VerifyJwtToken(token, policy, now, &jwt, deadline));
  VerifiedClaims c;
  if (jwt.attestation_type == "sevsnpvm") {
    RA_RETURN_IF_ERROR(ReadMaaSnpClaims(jwt.claims.get(), binding, &c));
  } else if (binding == nullptr && jwt.attestation_type != "tdxvm") {
    c.kind = kEvidenceMaaToken;
    c.fields.emplace_back("attestation_type", jwt.attestation_type);
    c.fields.emplace_back("generic", "yes");
    c.fields.emplace_back("binding_checked", "no");
  } else {
    RA_RETURN_IF_ERROR(ReadMaaTdxClaims(jwt.claims.get(), binding, &c));
  }
  AddTokenFields(jwt, &c);
  if (out) *out = std::move(c);
  return Status();
}

Status VerifyMaaTdxToken(const std::string& token, const Binding* binding,
                         const Policy& policy, std::time_t now, VerifiedClaims* out) {
  VerifiedJwt jwt;
  RA_RETURN_IF_ERROR(VerifyJwtToken(token, policy, now, &jwt));
  VerifiedClaims c;
  RA_RETURN_IF_ERROR(CheckMaaTdxClaims(jwt.claims.get(), binding, policy, &c));
  AddTokenFields(jwt, &c);
  if (out) *out = std::move(c);
  return Status();
}

namespace {

class MaaKind : public EvidenceKind {
 public:
  const char* type() const override { return kEvidenceMaaToken; }
  Status Verify(const EvidenceItem& item, const std::vector<EvidenceItem>&,
                const VerifyContext& ctx, VerifiedClaims* out) const override {
    if (!ctx.policy) return Status::Fail(type(), "no policy");
    return VerifyMaaTokenClaims(std::string(item.data.begin(), item.data.end()),
                                ctx.binding_or_null(), *ctx.policy, ctx.now, out,
                                ctx.deadline);
  }
  Status Appraise(const VerifiedClaims& c, const Policy& p) const override {
    return AppraiseTyped(c, p);
  }
};

}  // namespace

const EvidenceKind* MaaTokenKind() { return KindInstance<MaaKind>(); }

}  // namespace ra
