// The cached-evidence part of the C ABI (include/ra_attest.h,
// ra_policy_accepts_cached and ra_policy_check_cached_age) over
// verify/cached_evidence.h.  Like ra_attest_capi.cpp: arguments checked,
// exceptions caught, one printable line through err.
#include <ctime>

#include "capi_policy.h"
#include "capi_util.h"
#include "ra_attest.h"
#include "verify/cached_evidence.h"

extern "C" {

int ra_policy_accepts_cached(const struct ra_policy* pol) {
  const ra::Policy* p = ra::PolicyOfHandle(pol);
  return p != nullptr && p->accept_cached_evidence ? 1 : 0;
}

int ra_policy_check_cached_age(const struct ra_policy* pol, uint64_t made_at, time_t now,
                               char* err, size_t errlen) {
  return ra::capi::Guard(err, errlen, [&]() -> int {
    const ra::Policy* p = ra::PolicyOfHandle(pol);
    if (p == nullptr) return ra::capi::Fail(RA_ERR_INVALID, "cached evidence: NULL policy", err, errlen);
    ra::Status s = ra::CheckCachedEvidenceAge(*p, made_at,
                                              static_cast<int64_t>(now != 0 ? now : time(nullptr)));
    if (!s.ok()) return ra::capi::Fail(RA_ERR_REFUSED, s.message(), err, errlen);
    ra::capi::ClearErr(err, errlen);
    return RA_OK;
  });
}

}  // extern "C"
