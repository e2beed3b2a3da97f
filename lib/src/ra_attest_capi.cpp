// The C ABI (include/ra_attest.h) over the C++ library.  This is the only
// boundary OpenSSH's C code sees, so nothing may escape it: every entry
// point checks its arguments, catches everything, and reports one clean
// line through err.
#include "ra_attest.h"

#include <jansson.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "capi_util.h"
#include "common/evidence.h"
#include "common/evidence_bundle.h"
#include "common/helper_client.h"
#include "common/helper_wire.h"
#include "common/safe_path.h"
#include "policy/policy.h"
#include "verify/evaluate.h"

struct ra_evidence {
  std::vector<ra::EvidenceItem> items;
};

struct ra_provider {
  std::unique_ptr<ra::EvidenceProvider> impl;
};

struct ra_verdict {
  ra::Verdict verdict;
  bool refused = false;  // items: what the appraisal refused
};

struct ra_policy {
  ra::Policy policy;
  std::string accepted_kinds;  // backs ra_policy_accepted_kinds()
};

namespace {

using ra::capi::ClearErr;
using ra::capi::CopyLine;
using ra::capi::Fail;
using ra::capi::Guard;

// The verdict member of an evidence file (docs/protocol.md).
json_t* VerdictJson(const struct ra_verdict* v, const char* host, unsigned port, time_t when,
                    const char* error) {
  json_t* o = json_object();
  json_t* claims = json_array();
  if (o == nullptr || claims == nullptr) {
    json_decref(o);
    json_decref(claims);
    return nullptr;
  }
  const bool accepted = v != nullptr && !v->refused && (error == nullptr || *error == '\0');
  json_object_set_new(o, "host", json_string(host ? host : ""));
  json_object_set_new(o, "port", json_integer(port));
  json_object_set_new(o, "time", json_integer(static_cast<json_int_t>(when)));
  json_object_set_new(o, "result", json_string(accepted ? "accepted" : "refused"));
  if (!accepted) json_object_set_new(o, "error", json_string(error ? error : ""));
  for (size_t i = 0; v != nullptr && i < v->verdict.items.size(); i++) {
    const ra::VerifiedClaims& c = v->verdict.items[i].claims;
    json_t* item = json_object();
    json_t* fields = json_object();
    if (item == nullptr || fields == nullptr) {
      json_decref(item);
      json_decref(fields);
      break;
    }
    for (const auto& f : c.fields) json_object_set_new(fields, f.first.c_str(),
                                                       json_string(f.second.c_str()));
    json_object_set_new(item, "type", json_string(c.kind.c_str()));
    json_object_set_new(item, "fields", fields);
    json_array_append_new(claims, item);
  }
  json_object_set_new(o, "claims", claims);
  return o;
}

}  // namespace

extern "C" {

struct ra_evidence* ra_evidence_new(void) {
  try {
    return new ra_evidence();
  } catch (...) {
    return nullptr;
  }
}

void ra_evidence_free(struct ra_evidence* ev) { delete ev; }

int ra_evidence_add(struct ra_evidence* ev, const char* type, const uint8_t* data,
                    size_t len, char* err, size_t errlen) {
  return Guard(err, errlen, [&]() -> int {
    if (ev == nullptr || type == nullptr || (data == nullptr && len != 0))
      return Fail(RA_ERR_INVALID, "evidence: NULL argument", err, errlen);
    // "ASCII, no spaces/commas" (ra_attest.h): the type travels in a
    // comma-separated list and in one-line messages.
    ra::Status ts = ra::CheckEvidenceType(std::string(type, strnlen(type, RA_MAX_EVIDENCE_TYPE_LEN + 1)));
    if (!ts.ok()) return Fail(RA_ERR_INVALID, "evidence: " + ts.detail(), err, errlen);
    if (len > RA_MAX_EVIDENCE_ITEM_LEN)
      return Fail(RA_ERR_INVALID,
                  "evidence: item of " + std::to_string(len) + " bytes exceeds " +
                      std::to_string(RA_MAX_EVIDENCE_ITEM_LEN),
                  err, errlen);
    if (ev->items.size() >= RA_MAX_EVIDENCE_ITEMS)
      return Fail(RA_ERR_INVALID,
                  "evidence: more than " + std::to_string(RA_MAX_EVIDENCE_ITEMS) + " items",
                  err, errlen);
    ra::EvidenceItem item;
    item.type = type;
    if (len) item.data.assign(data, data + len);
    ev->items.push_back(std::move(item));
    ClearErr(err, errlen);
    return RA_OK;
  });
}

size_t ra_evidence_count(const struct ra_evidence* ev) {
  return ev ? ev->items.size() : 0;
}

int ra_evidence_get(const struct ra_evidence* ev, size_t idx, const char** type,
                    const uint8_t** data, size_t* len) {
  if (ev == nullptr || idx >= ev->items.size()) return RA_ERR_INVALID;
  const ra::EvidenceItem& item = ev->items[idx];
  if (type) *type = item.type.c_str();
  if (data) *data = item.data.data();
  if (len) *len = item.data.size();
  return RA_OK;
}

int ra_provider_open(const char* spec, struct ra_provider** out, char* err, size_t errlen) {
  if (out) *out = nullptr;
  return Guard(err, errlen, [&]() -> int {
    if (spec == nullptr || out == nullptr)
      return Fail(RA_ERR_INVALID, "provider: NULL argument", err, errlen);
    std::unique_ptr<ra::EvidenceProvider> impl;
    ra::Status s = ra::OpenProvider(spec, &impl);
    if (!s.ok())
      return Fail(s.check() == "provider spec" ? RA_ERR_INVALID : RA_ERR_PROVIDER,
                  s.message(), err, errlen);
    auto p = std::make_unique<ra_provider>();
    p->impl = std::move(impl);
    *out = p.release();
    ClearErr(err, errlen);
    return RA_OK;
  });
}

void ra_provider_free(struct ra_provider* p) { delete p; }

int ra_provider_spec_check(const char* spec, char* err, size_t errlen) {
  return Guard(err, errlen, [&]() -> int {
    if (spec == nullptr) return Fail(RA_ERR_INVALID, "provider spec: NULL", err, errlen);
    ra::Status s = ra::CheckProviderSpec(spec);
    if (!s.ok()) return Fail(RA_ERR_INVALID, s.message(), err, errlen);
    ClearErr(err, errlen);
    return RA_OK;
  });
}

int ra_provider_uses_helper(const char* spec, const char* service) {
  if (spec == nullptr) return 0;
  try {
    return ra::ProviderUsesHelper(spec, service ? service : "") ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

int ra_provider_spec_compose(const char* provider, const char* tool_path, const char* service,
                             const char* service_ca, char** out, char* err, size_t errlen) {
  if (out) *out = nullptr;
  return Guard(err, errlen, [&]() -> int {
    if (provider == nullptr || out == nullptr)
      return Fail(RA_ERR_INVALID, "provider spec: NULL argument", err, errlen);
    // "none", as sshd -T prints an unset value, is unset.
    auto opt = [](const char* v) {
      return v == nullptr || std::strcmp(v, "none") == 0 ? std::string() : std::string(v);
    };
    std::string spec;
    ra::Status s = ra::ComposeProviderSpec(provider, opt(tool_path), opt(service),
                                           opt(service_ca), &spec);
    if (!s.ok()) return Fail(RA_ERR_INVALID, s.message(), err, errlen);
    *out = strdup(spec.c_str());
    if (*out == nullptr) return Fail(RA_ERR_INTERNAL, "out of memory", err, errlen);
    ClearErr(err, errlen);
    return RA_OK;
  });
}

int ra_provider_collect(struct ra_provider* p, const uint8_t binding[RA_BINDING_LEN],
                        struct ra_evidence* out, char* err, size_t errlen) {
  return Guard(err, errlen, [&]() -> int {
    if (p == nullptr || binding == nullptr || out == nullptr)
      return Fail(RA_ERR_INVALID, "provider: NULL argument", err, errlen);
    ra::Binding b;
    std::memcpy(b.data(), binding, b.size());
    std::vector<ra::EvidenceItem> items;
    ra::Status s = p->impl->Collect(b, &items);
    if (!s.ok()) return Fail(RA_ERR_PROVIDER, s.message(), err, errlen);
    // The same limits a consumer enforces: never emit what the peer must
    // refuse.  All or nothing, so out is unchanged on failure.
    if (out->items.size() + items.size() > RA_MAX_EVIDENCE_ITEMS)
      return Fail(RA_ERR_PROVIDER, "provider: too many evidence items", err, errlen);
    for (const auto& item : items)
      if (item.data.size() > RA_MAX_EVIDENCE_ITEM_LEN ||
          item.type.size() > RA_MAX_EVIDENCE_TYPE_LEN)
        return Fail(RA_ERR_PROVIDER,
                    "provider: " + item.type + " item of " + std::to_string(item.data.size()) +
                        " bytes exceeds the evidence limits",
                    err, errlen);
    for (auto& item : items) out->items.push_back(std::move(item));
    ClearErr(err, errlen);
    return RA_OK;
  });
}

int ra_policy_load(const char* path, struct ra_policy** out, char* err, size_t errlen) {
  if (out) *out = nullptr;
  return Guard(err, errlen, [&]() -> int {
    if (out == nullptr) return Fail(RA_ERR_INVALID, "policy: NULL argument", err, errlen);
    auto pol = std::make_unique<ra_policy>();
    if (path != nullptr) {
      ra::Status s = ra::LoadPolicyFile(path, &pol->policy);
      if (!s.ok()) return Fail(RA_ERR_POLICY, s.message(), err, errlen);
    }
    pol->accepted_kinds = ra::AcceptedKindsList(pol->policy);
    *out = pol.release();
    ClearErr(err, errlen);
    return RA_OK;
  });
}

int ra_check_trust_file(const char* path, char* err, size_t errlen) {
  return Guard(err, errlen, [&]() -> int {
    if (path == nullptr) return Fail(RA_ERR_INVALID, "trust file: NULL path", err, errlen);
    ra::Status s = ra::CheckSafeFile("trust file", path);
    if (!s.ok()) return Fail(RA_ERR_POLICY, s.detail(), err, errlen);
    ClearErr(err, errlen);
    return RA_OK;
  });
}

void ra_policy_free(struct ra_policy* pol) { delete pol; }

namespace {

// A cache directory the caller chose for what a policy file leaves unset:
// absolute (a relative one would depend on the caller's cwd), and never
// over the file's own choice (a directory or none).
int SetDefaultCache(struct ra_policy* pol, const char* what, const char* dir,
                    std::string ra::Policy::*cache, bool ra::Policy::*given, char* err,
                    size_t errlen) {
  return Guard(err, errlen, [&]() -> int {
    if (pol == nullptr)
      return Fail(RA_ERR_INVALID, std::string(what) + ": NULL policy", err, errlen);
    if (dir != nullptr && dir[0] != '/')
      return Fail(RA_ERR_INVALID, std::string(what) + ": directory must be absolute", err, errlen);
    if (!(pol->policy.*given)) pol->policy.*cache = dir ? dir : "";
    ClearErr(err, errlen);
    return RA_OK;
  });
}

}  // namespace

int ra_policy_set_default_key_cache(struct ra_policy* pol, const char* dir, char* err,
                                    size_t errlen) {
  return SetDefaultCache(pol, "key cache", dir, &ra::Policy::issuer_key_cache,
                         &ra::Policy::issuer_key_cache_given, err, errlen);
}

int ra_policy_set_default_collateral_cache(struct ra_policy* pol, const char* dir, char* err,
                                           size_t errlen) {
  return SetDefaultCache(pol, "collateral cache", dir, &ra::Policy::collateral_cache,
                         &ra::Policy::collateral_cache_given, err, errlen);
}

void ra_policy_set_debug(struct ra_policy* pol, void (*fn)(void* ctx, const char* msg),
                         void* ctx) {
  if (pol == nullptr) return;
  if (fn == nullptr) {
    pol->policy.debug = nullptr;
    return;
  }
  pol->policy.debug = [fn, ctx](const std::string& msg) {
    // One printable line, as err is: paths and server text pass through.
    char line[1024];
    CopyLine(msg, line, sizeof(line));
    fn(ctx, line);
  };
}

const char* ra_policy_accepted_kinds(const struct ra_policy* pol) {
  return pol ? pol->accepted_kinds.c_str() : "";
}

int ra_verify_verdict(const struct ra_policy* pol, const struct ra_evidence* ev,
                      const uint8_t binding[RA_BINDING_LEN], time_t now, struct ra_verdict** out,
                      char* err, size_t errlen) {
  return ra_verify_verdict_within(pol, ev, binding, now, 0, out, err, errlen);
}

int ra_verify_verdict_within(const struct ra_policy* pol, const struct ra_evidence* ev,
                             const uint8_t binding[RA_BINDING_LEN], time_t now, long timeout_ms,
                             struct ra_verdict** out, char* err, size_t errlen) {
  // The deadline is taken now, before anything is parsed: the caller's
  // remaining time started counting already.
  const ra::FetchDeadline deadline =
      timeout_ms > 0 ? std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms)
                     : ra::FetchDeadline{};
  if (out) *out = nullptr;
  return Guard(err, errlen, [&]() -> int {
    if (pol == nullptr || ev == nullptr || binding == nullptr)
      return Fail(RA_ERR_INVALID, "verify: NULL argument", err, errlen);
    ra::Binding b;
    std::memcpy(b.data(), binding, b.size());
    auto v = std::make_unique<ra_verdict>();
    ra::Status s = ra::Evaluate(ev->items, pol->policy, &b, now, &v->verdict, deadline);
    // Refused after verifying: the verdict shows what was measured.
    v->refused = !s.ok();
    if (v->refused) v->verdict.items = std::move(v->verdict.refused);
    // Claims reach C as text: keep every value one printable line.
    for (auto& item : v->verdict.items)
      for (auto& f : item.claims.fields) {
        std::vector<char> line(f.second.size() + 1);
        CopyLine(f.second, line.data(), line.size());
        f.second = line.data();
      }
    if (!s.ok()) {
      if (out && !v->verdict.items.empty()) *out = v.release();
      return Fail(RA_ERR_REFUSED, s.message(), err, errlen);
    }
    if (out) *out = v.release();
    ClearErr(err, errlen);
    return RA_OK;
  });
}

void ra_verdict_free(struct ra_verdict* v) { delete v; }

const char* ra_verdict_summary(const struct ra_verdict* v) {
  return v ? v->verdict.summary.c_str() : "";
}

int ra_verdict_refused(const struct ra_verdict* v) { return v && v->refused ? 1 : 0; }

size_t ra_verdict_item_count(const struct ra_verdict* v) {
  return v ? v->verdict.items.size() : 0;
}

const char* ra_verdict_item_type(const struct ra_verdict* v, size_t item) {
  if (v == nullptr || item >= v->verdict.items.size()) return "";
  return v->verdict.items[item].claims.kind.c_str();
}

size_t ra_verdict_field_count(const struct ra_verdict* v, size_t item) {
  if (v == nullptr || item >= v->verdict.items.size()) return 0;
  return v->verdict.items[item].claims.fields.size();
}

int ra_verdict_field(const struct ra_verdict* v, size_t item, size_t field, const char** name,
                     const char** value) {
  if (v == nullptr || item >= v->verdict.items.size()) return RA_ERR_INVALID;
  const auto& fields = v->verdict.items[item].claims.fields;
  if (field >= fields.size()) return RA_ERR_INVALID;
  if (name) *name = fields[field].first.c_str();
  if (value) *value = fields[field].second.c_str();
  return RA_OK;
}

int ra_verify(const struct ra_policy* pol, const struct ra_evidence* ev,
              const uint8_t binding[RA_BINDING_LEN], time_t now, char* summary,
              size_t summarylen, char* err, size_t errlen) {
  CopyLine(std::string(), summary, summarylen);
  struct ra_verdict* v = nullptr;
  int rc = ra_verify_verdict(pol, ev, binding, now, &v, err, errlen);
  if (rc == RA_OK) CopyLine(v->verdict.summary, summary, summarylen);
  ra_verdict_free(v);
  return rc;
}

char* ra_evidence_file_json(const struct ra_evidence* ev, const struct ra_verdict* v,
                            const char* host, unsigned port, time_t when, const char* error,
                            char* err, size_t errlen) {
  char* result = nullptr;
  Guard(err, errlen, [&]() -> int {
    if (ev == nullptr) return Fail(RA_ERR_INVALID, "evidence file: NULL evidence", err, errlen);
    std::string bundle;
    ra::Status s = ra::EvidenceBundleJson(ev->items, &bundle);
    if (!s.ok()) return Fail(RA_ERR_INVALID, s.message(), err, errlen);
    json_t* root = json_loads(bundle.c_str(), JSON_REJECT_DUPLICATES, nullptr);
    json_t* verdict = root ? VerdictJson(v, host, port, when, error) : nullptr;
    if (verdict == nullptr || json_object_set_new(root, "verdict", verdict) != 0) {
      json_decref(root);
      return Fail(RA_ERR_INVALID, "evidence file: out of memory", err, errlen);
    }
    char* text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (text == nullptr) return Fail(RA_ERR_INVALID, "evidence file: out of memory", err, errlen);
    // The caller frees with free(); jansson allocates with malloc.
    size_t n = std::strlen(text);
    result = static_cast<char*>(std::malloc(n + 2));
    if (result != nullptr) {
      std::memcpy(result, text, n);
      result[n] = '\n';
      result[n + 1] = '\0';
    }
    free(text);
    if (result == nullptr) return Fail(RA_ERR_INVALID, "evidence file: out of memory", err, errlen);
    ClearErr(err, errlen);
    return RA_OK;
  });
  return result;
}

void ra_helper_path_set(const char* path) { ra::SetHelperPath(path != nullptr ? path : ""); }

int ra_helper_prestart(char* err, size_t errlen) {
  ra::Status st = ra::PrestartHelper();
  if (!st.ok()) return Fail(RA_ERR_PROVIDER, st.message(), err, errlen);
  ClearErr(err, errlen);
  return RA_OK;
}

int ra_helper_prestarted_ready(void) {
  return ra::PrestartedHelperReady(ra::kHelperIdleMs - ra::kHelperHandoverMarginMs) ? 1 : 0;
}

void ra_helper_prestarted_end(void) { ra::EndPrestartedHelper(); }

void ra_helper_prestarted_drop(void) { ra::DropPrestartedHelper(); }

const char* ra_version(void) { return "ra-attest 0.1.0"; }

}  // extern "C"

// Read-only access to a loaded policy for the C ABI files that cannot see
// struct ra_policy (ra_known_capi.cpp); declared in capi_policy.h.
namespace ra {
const Policy* PolicyOfHandle(const ra_policy* pol) { return pol ? &pol->policy : nullptr; }
}  // namespace ra
