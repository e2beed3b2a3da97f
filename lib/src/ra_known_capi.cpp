// The known-attestations part of the C ABI (include/ra_known.h) over
// policy/known_attestations.h.  Like ra_attest_capi.cpp: arguments
// checked, exceptions caught, one printable line through err.
#include "ra_known.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "capi_policy.h"
#include "capi_util.h"
#include "common/evidence.h"
#include "policy/known_attestations.h"

struct ra_measurements {
  ra::known::Measurements m;
};

namespace {

using ra::capi::ClearErr;
using ra::capi::CopyLine;
using ra::capi::Fail;
using ra::capi::Guard;

int Ok(char* err, size_t errlen) {
  ClearErr(err, errlen);
  return RA_OK;
}

bool ValidPort(int port) { return port >= 0 && port <= 65535; }

}  // namespace

extern "C" {

int ra_policy_pins_measurements(const struct ra_policy* pol) {
  const ra::Policy* p = ra::PolicyOfHandle(pol);
  return p != nullptr && ra::known::PolicyPinsMeasurements(*p) ? 1 : 0;
}

int ra_measurements_new(const char* kind, struct ra_measurements** out, char* err,
                        size_t errlen) {
  return Guard(err, errlen, [&]() -> int {
    if (out == nullptr) return Fail(RA_ERR_INVALID, "measurements: NULL argument", err, errlen);
    *out = nullptr;
    if (kind == nullptr) return Fail(RA_ERR_INVALID, "measurements: NULL kind", err, errlen);
    // Validate the kind now with a placeholder field, so a bad kind shows
    // here and not at the check.
    ra::known::Measurements probe{kind, {{"x", "00"}}};
    ra::Status s = ra::known::NormalizeMeasurements(&probe);
    if (!s.ok()) return Fail(RA_ERR_INVALID, "measurements: " + s.detail(), err, errlen);
    auto* m = new ra_measurements();
    m->m.kind = kind;
    *out = m;
    return Ok(err, errlen);
  });
}

void ra_measurements_free(struct ra_measurements* m) { delete m; }

int ra_measurements_add(struct ra_measurements* m, const char* name, const char* hex, char* err,
                        size_t errlen) {
  return Guard(err, errlen, [&]() -> int {
    if (m == nullptr || name == nullptr || hex == nullptr)
      return Fail(RA_ERR_INVALID, "measurements: NULL argument", err, errlen);
    ra::known::Measurements next = m->m;
    next.fields.emplace_back(name, hex);
    ra::Status s = ra::known::NormalizeMeasurements(&next);
    if (!s.ok()) return Fail(RA_ERR_INVALID, "measurements: " + s.detail(), err, errlen);
    m->m = std::move(next);
    return Ok(err, errlen);
  });
}

int ra_measurements_from_verdict(const struct ra_verdict* v, struct ra_measurements** out,
                                 char* err, size_t errlen) {
  return Guard(err, errlen, [&]() -> int {
    if (out == nullptr) return Fail(RA_ERR_INVALID, "measurements: NULL argument", err, errlen);
    *out = nullptr;
    if (v == nullptr) return Fail(RA_ERR_INVALID, "measurements: NULL verdict", err, errlen);
    // The claims the front door verified and appraised, read back through
    // the verdict's accessors; each kind says which of them to record.
    for (size_t i = 0; i < ra_verdict_item_count(v); i++) {
      const ra::EvidenceKind* kind = ra::FindKind(ra_verdict_item_type(v, i));
      ra::KnownRecordSpec spec = kind ? kind->KnownFields() : ra::KnownRecordSpec{};
      if (spec.kind == nullptr) continue;
      ra::VerifiedClaims claims;
      claims.kind = ra_verdict_item_type(v, i);
      for (size_t f = 0; f < ra_verdict_field_count(v, i); f++) {
        const char* name = nullptr;
        const char* value = nullptr;
        if (ra_verdict_field(v, i, f, &name, &value) == RA_OK)
          claims.fields.emplace_back(name, value);
      }
      auto m = std::make_unique<ra_measurements>();
      ra::Status s = ra::known::MeasurementsFromClaims(claims, spec, &m->m);
      if (!s.ok()) return Fail(RA_ERR_INVALID, s.message(), err, errlen);
      *out = m.release();
      return Ok(err, errlen);
    }
    return Ok(err, errlen);  // no kind with a record: *out stays NULL
  });
}

int ra_known_check(const char* path, const char* host, int port, int mode, int hash,
                   const struct ra_measurements* seen, int* recorded,
                   void (*warn)(void* ctx, const char* msg), void* ctx, char* err,
                   size_t errlen) {
  return Guard(err, errlen, [&]() -> int {
    if (recorded != nullptr) *recorded = 0;
    if (path == nullptr || host == nullptr || *host == '\0' || seen == nullptr)
      return Fail(RA_ERR_INVALID, "known attestations: NULL or empty argument", err, errlen);
    if (!ValidPort(port)) return Fail(RA_ERR_INVALID, "known attestations: bad port", err, errlen);
    ra::known::CheckOptions opts;
    switch (mode) {
      case RA_KNOWN_CHECK_NO: opts.mode = ra::known::Mode::kNo; break;
      case RA_KNOWN_CHECK_ACCEPT_NEW: opts.mode = ra::known::Mode::kAcceptNew; break;
      case RA_KNOWN_CHECK_YES: opts.mode = ra::known::Mode::kYes; break;
      default: return Fail(RA_ERR_INVALID, "known attestations: bad mode", err, errlen);
    }
    opts.hash = hash != 0;
    bool rec = false;
    std::vector<std::string> warnings;
    ra::Status s = ra::known::CheckAndRecord(path, host, port, opts, seen->m, &rec, &warnings);
    if (warn != nullptr) {
      for (const std::string& w : warnings) {
        char line[1024];
        CopyLine(w, line, sizeof(line));
        warn(ctx, line);
      }
    }
    if (!s.ok())
      return Fail(s.check() == "known attestations" ? RA_ERR_REFUSED : RA_ERR_INVALID,
                  s.message(), err, errlen);
    if (recorded != nullptr) *recorded = rec ? 1 : 0;
    return Ok(err, errlen);
  });
}

int ra_known_remove(const char* path, const char* host, int port, size_t* removed, char* err,
                    size_t errlen) {
  return Guard(err, errlen, [&]() -> int {
    if (removed != nullptr) *removed = 0;
    if (path == nullptr || host == nullptr || *host == '\0')
      return Fail(RA_ERR_INVALID, "known attestations: NULL or empty argument", err, errlen);
    if (!ValidPort(port)) return Fail(RA_ERR_INVALID, "known attestations: bad port", err, errlen);
    size_t n = 0;
    ra::Status s = ra::known::RemoveRecords(path, ra::known::HostKeyName(host, port), &n);
    if (!s.ok()) return Fail(RA_ERR_INVALID, s.message(), err, errlen);
    if (removed != nullptr) *removed = n;
    return Ok(err, errlen);
  });
}

}  // extern "C"
