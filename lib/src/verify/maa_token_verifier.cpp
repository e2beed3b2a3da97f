#include "verify/maa_token_verifier.h"

#include "policy/maa_tdx_policy.h"
#include "verify/jwt_verifier.h"

namespace ra {

Status VerifyMaaTdxToken(const std::string& token, const Binding* binding,
                         const Policy& policy, std::time_t now, VerifiedClaims* out) {
  VerifiedJwt jwt;
  RA_RETURN_IF_ERROR(VerifyJwtToken(token, policy, now, &jwt));
  VerifiedClaims c;
  RA_RETURN_IF_ERROR(CheckMaaTdxClaims(jwt.claims.get(), binding, policy, &c));
  if (out) {
    c.fields.insert(c.fields.begin(), {{"issuer", jwt.issuer}, {"alg", jwt.alg},
                                       {"kid", jwt.kid}});
    c.fields.emplace_back("iat", std::to_string(jwt.iat));
    c.fields.emplace_back("exp", std::to_string(jwt.exp));
    *out = std::move(c);
  }
  return Status();
}

namespace {

class MaaVerifier : public EvidenceVerifier {
 public:
  const char* type() const override { return "maa-token"; }
  Status Verify(const EvidenceItem& item, const std::vector<EvidenceItem>&,
                const VerifyContext& ctx, VerifiedClaims* out) const override {
    if (!ctx.policy) return Status::Fail("maa-token", "no policy");
    return VerifyMaaTdxToken(std::string(item.data.begin(), item.data.end()),
                             &ctx.binding, *ctx.policy, ctx.now, out);
  }
};

}  // namespace

const EvidenceVerifier* MaaTokenVerifier() {
  static const MaaVerifier kVerifier;
  return &kVerifier;
}

}  // namespace ra
