#include "verify/tdx_tcb.h"

#include <dirent.h>
#include <jansson.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <memory>
#include <tuple>

#include "common/bytes_util.h"
#include "common/dir_listing.h"
#include "policy/policy.h"
#include "verify/x509_util.h"

namespace ra {
namespace {

constexpr size_t kMaxCollateralFile = 1 << 20;

using JsonPtr = std::unique_ptr<json_t, decltype(&json_decref)>;

// ---- A bounded scanner that finds where a JSON value ends. ----
// Used only to locate the signed member's exact bytes; the same bytes are
// then parsed by jansson, so the fields we use are the fields Intel signed.

void SkipWs(const std::string& s, size_t* i) {
  while (*i < s.size() && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\n' ||
                           s[*i] == '\r'))
    ++*i;
}

bool ScanString(const std::string& s, size_t* i) {
  if (*i >= s.size() || s[*i] != '"') return false;
  for (++*i; *i < s.size(); ++*i) {
    if (s[*i] == '\\') {
      ++*i;
      continue;
    }
    if (s[*i] == '"') {
      ++*i;
      return true;
    }
  }
  return false;
}

bool ScanValue(const std::string& s, size_t* i) {
  if (*i >= s.size()) return false;
  char c = s[*i];
  if (c == '"') return ScanString(s, i);
  if (c == '{' || c == '[') {
    size_t depth = 0;
    while (*i < s.size()) {
      char d = s[*i];
      if (d == '"') {
        if (!ScanString(s, i)) return false;
        continue;
      }
      if (d == '{' || d == '[') depth++;
      if (d == '}' || d == ']') {
        if (depth == 0) return false;
        if (--depth == 0) {
          ++*i;
          return true;
        }
      }
      ++*i;
    }
    return false;
  }
  size_t start = *i;
  while (*i < s.size() && s[*i] != ',' && s[*i] != '}' && s[*i] != ']' &&
         !isspace(static_cast<unsigned char>(s[*i])))
    ++*i;
  return *i > start;
}

// ---- jansson accessors that name the missing field. ----

Status Field(json_t* obj, const char* key, const std::string& what,
             json_t** out) {
  json_t* v = json_is_object(obj) ? json_object_get(obj, key) : nullptr;
  if (!v) return Status::Fail(what, std::string("missing \"") + key + "\"");
  *out = v;
  return Status();
}

Status GetString(json_t* obj, const char* key, const std::string& what,
                 std::string* out) {
  json_t* v = nullptr;
  RA_RETURN_IF_ERROR(Field(obj, key, what, &v));
  if (!json_is_string(v))
    return Status::Fail(what, std::string("\"") + key + "\" is not a string");
  out->assign(json_string_value(v), json_string_length(v));
  return Status();
}

Status GetInt(json_t* obj, const char* key, const std::string& what,
              int64_t min, int64_t max, int64_t* out) {
  json_t* v = nullptr;
  RA_RETURN_IF_ERROR(Field(obj, key, what, &v));
  if (!json_is_integer(v) || json_integer_value(v) < min ||
      json_integer_value(v) > max)
    return Status::Fail(what, std::string("\"") + key +
                                  "\" is not an integer in range");
  *out = json_integer_value(v);
  return Status();
}

Status GetHex(json_t* obj, const char* key, const std::string& what,
              size_t len, uint8_t* out) {
  std::string s;
  RA_RETURN_IF_ERROR(GetString(obj, key, what, &s));
  Bytes b;
  if (!HexDecode(s, &b).ok() || b.size() != len)
    return Status::Fail(what, std::string("\"") + key + "\" is not " +
                                  std::to_string(len) + " bytes of hex");
  memcpy(out, b.data(), len);
  return Status();
}

Status GetDate(json_t* obj, const char* key, const std::string& what,
               std::time_t* out) {
  std::string s;
  RA_RETURN_IF_ERROR(GetString(obj, key, what, &s));
  if (!ParseIso8601Utc(s, out))
    return Status::Fail(what, std::string("\"") + key + "\" is not a UTC date");
  return Status();
}

Status ParseJson(const std::string& text, const std::string& what,
                 JsonPtr* out) {
  json_error_t err;
  // Duplicate keys would let two readers see two different documents.
  json_t* j = json_loadb(text.data(), text.size(), JSON_REJECT_DUPLICATES, &err);
  if (!j) return Status::Fail(what, std::string("invalid JSON: ") + err.text);
  out->reset(j);
  return Status();
}

Status ParseSvnArray(json_t* tcb, const char* key, const std::string& what,
                     std::array<uint8_t, 16>* out) {
  json_t* arr = nullptr;
  RA_RETURN_IF_ERROR(Field(tcb, key, what, &arr));
  if (!json_is_array(arr) || json_array_size(arr) != 16)
    return Status::Fail(what, std::string("\"") + key +
                                  "\" is not an array of 16 components");
  for (size_t i = 0; i < 16; i++) {
    int64_t svn = 0;
    RA_RETURN_IF_ERROR(
        GetInt(json_array_get(arr, i), "svn", what, 0, 255, &svn));
    (*out)[i] = static_cast<uint8_t>(svn);
  }
  return Status();
}

Status ParseModule(json_t* m, bool with_levels, const std::string& what,
                   TdxTcbInfo::ModuleIdentity* out) {
  if (with_levels) RA_RETURN_IF_ERROR(GetString(m, "id", what, &out->id));
  RA_RETURN_IF_ERROR(GetHex(m, "mrsigner", what, 48, out->mrsigner.data()));
  RA_RETURN_IF_ERROR(GetHex(m, "attributes", what, 8, out->attributes.data()));
  RA_RETURN_IF_ERROR(
      GetHex(m, "attributesMask", what, 8, out->attributes_mask.data()));
  if (!with_levels) return Status();
  json_t* levels = nullptr;
  RA_RETURN_IF_ERROR(Field(m, "tcbLevels", what, &levels));
  if (!json_is_array(levels))
    return Status::Fail(what, "module \"tcbLevels\" is not an array");
  for (size_t i = 0; i < json_array_size(levels); i++) {
    json_t* lvl = json_array_get(levels, i);
    json_t* tcb = nullptr;
    int64_t isvsvn = 0;
    std::string status;
    RA_RETURN_IF_ERROR(Field(lvl, "tcb", what, &tcb));
    RA_RETURN_IF_ERROR(GetInt(tcb, "isvsvn", what, 0, 255, &isvsvn));
    RA_RETURN_IF_ERROR(GetString(lvl, "tcbStatus", what, &status));
    out->levels.emplace_back(static_cast<uint8_t>(isvsvn), status);
  }
  return Status();
}

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (toupper(static_cast<unsigned char>(a[i])) !=
        toupper(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Intel's status lattice (EvaluateTcb.cpp, convergeTcbStatuses).
bool IsKnownPlatformStatus(const std::string& s) {
  static const char* const kKnown[] = {
      "UpToDate",  "SWHardeningNeeded", "ConfigurationNeeded",
      "ConfigurationAndSWHardeningNeeded", "OutOfDate",
      "OutOfDateConfigurationNeeded", "Revoked"};
  for (const char* k : kKnown)
    if (s == k) return true;
  return false;
}

std::string Converge(const std::string& platform,
                     const std::vector<std::string>& components) {
  std::string effective = platform;
  bool out_of_date = std::find(components.begin(), components.end(),
                               "OutOfDate") != components.end();
  bool revoked = std::find(components.begin(), components.end(), "Revoked") !=
                 components.end();
  if (out_of_date) {
    if (platform == "UpToDate" || platform == "SWHardeningNeeded")
      effective = "OutOfDate";
    else if (platform == "ConfigurationNeeded" ||
             platform == "ConfigurationAndSWHardeningNeeded")
      effective = "OutOfDateConfigurationNeeded";
  }
  if (revoked) effective = "Revoked";
  return effective;
}

bool MaskedEqual(const uint8_t* value, const uint8_t* expected,
                 const uint8_t* mask, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((value[i] & mask[i]) != expected[i]) return false;
  return true;
}

}  // namespace

Status ExtractSignedCollateral(const std::string& text, const char* key,
                               std::string* signed_text, Bytes* signature) {
  const std::string what = std::string("collateral ") + key;
  JsonPtr root(nullptr, json_decref);
  RA_RETURN_IF_ERROR(ParseJson(text, what, &root));
  if (!json_is_object(root.get()))
    return Status::Fail(what, "top level is not an object");
  std::string sig_hex;
  RA_RETURN_IF_ERROR(GetString(root.get(), "signature", what, &sig_hex));
  Bytes sig;
  if (!HexDecode(sig_hex, &sig).ok() || sig.size() != 64)
    return Status::Fail(what, "signature is not 64 bytes of hex");

  // Walk the top-level members to find the signed one's exact span.
  size_t i = 0;
  SkipWs(text, &i);
  if (i >= text.size() || text[i] != '{')
    return Status::Fail(what, "top level is not an object");
  ++i;
  bool found = false;
  for (;;) {
    SkipWs(text, &i);
    size_t kstart = i;
    if (!ScanString(text, &i)) return Status::Fail(what, "malformed member");
    std::string name = text.substr(kstart + 1, i - kstart - 2);
    SkipWs(text, &i);
    if (i >= text.size() || text[i] != ':')
      return Status::Fail(what, "malformed member");
    ++i;
    SkipWs(text, &i);
    size_t vstart = i;
    if (!ScanValue(text, &i)) return Status::Fail(what, "malformed value");
    if (name == key) {
      *signed_text = text.substr(vstart, i - vstart);
      found = true;
    }
    SkipWs(text, &i);
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    if (i < text.size() && text[i] == '}') break;
    return Status::Fail(what, "malformed object");
  }
  if (!found) return Status::Fail(what, std::string("missing \"") + key + "\"");
  *signature = std::move(sig);
  return Status();
}

namespace {

// Each entry of "tcbLevels" (an array; non-empty when required) with its
// "tcb" object.
Status ForEachTcbLevel(json_t* o, const std::string& what, bool nonempty,
                       const std::function<Status(json_t* level, json_t* tcb)>& f) {
  json_t* levels = nullptr;
  RA_RETURN_IF_ERROR(Field(o, "tcbLevels", what, &levels));
  if (!json_is_array(levels) || (nonempty && json_array_size(levels) == 0))
    return Status::Fail(what, nonempty ? "\"tcbLevels\" is not a non-empty array"
                                       : "\"tcbLevels\" is not an array");
  for (size_t i = 0; i < json_array_size(levels); i++) {
    json_t* lvl = json_array_get(levels, i);
    json_t* tcb = nullptr;
    RA_RETURN_IF_ERROR(Field(lvl, "tcb", what, &tcb));
    RA_RETURN_IF_ERROR(f(lvl, tcb));
  }
  return Status();
}

Status TcbInfoRest(json_t* o, const std::string& what, TdxTcbInfo* out) {
  TdxTcbInfo& t = *out;
  RA_RETURN_IF_ERROR(GetHex(o, "fmspc", what, 6, t.fmspc.data()));
  RA_RETURN_IF_ERROR(GetHex(o, "pceId", what, 2, t.pce_id.data()));
  json_t* m = json_object_get(o, "tdxModule");
  if (m) {
    RA_RETURN_IF_ERROR(ParseModule(m, false, what, &t.tdx_module));
    t.has_tdx_module = true;
  }
  json_t* ids = json_object_get(o, "tdxModuleIdentities");
  if (ids) {
    if (!json_is_array(ids))
      return Status::Fail(what, "\"tdxModuleIdentities\" is not an array");
    for (size_t i = 0; i < json_array_size(ids); i++) {
      TdxTcbInfo::ModuleIdentity mi;
      RA_RETURN_IF_ERROR(ParseModule(json_array_get(ids, i), true, what, &mi));
      t.module_identities.push_back(std::move(mi));
    }
  }
  return ForEachTcbLevel(o, what, true, [&](json_t* lvl, json_t* tcb) {
    TdxTcbInfo::Level L;
    int64_t pce = 0;
    RA_RETURN_IF_ERROR(ParseSvnArray(tcb, "sgxtcbcomponents", what, &L.sgx_svn));
    RA_RETURN_IF_ERROR(ParseSvnArray(tcb, "tdxtcbcomponents", what, &L.tdx_svn));
    RA_RETURN_IF_ERROR(GetInt(tcb, "pcesvn", what, 0, 65535, &pce));
    L.pce_svn = static_cast<uint16_t>(pce);
    RA_RETURN_IF_ERROR(GetString(lvl, "tcbStatus", what, &L.status));
    // TcbGracePeriod counts from the next newer level's date.
    if (json_object_get(lvl, "tcbDate"))
      RA_RETURN_IF_ERROR(GetDate(lvl, "tcbDate", what, &L.tcb_date));
    t.levels.push_back(std::move(L));
    return Status();
  });
}

Status QeIdentityRest(json_t* o, const std::string& what, QeIdentity* out) {
  QeIdentity& q = *out;
  int64_t v = 0;
  uint8_t b4[4];
  // miscselect is shown as big-endian hex of the 32-bit value.
  RA_RETURN_IF_ERROR(GetHex(o, "miscselect", what, 4, b4));
  q.miscselect = (uint32_t{b4[0]} << 24) | (uint32_t{b4[1]} << 16) |
                 (uint32_t{b4[2]} << 8) | b4[3];
  RA_RETURN_IF_ERROR(GetHex(o, "miscselectMask", what, 4, b4));
  q.miscselect_mask = (uint32_t{b4[0]} << 24) | (uint32_t{b4[1]} << 16) |
                      (uint32_t{b4[2]} << 8) | b4[3];
  RA_RETURN_IF_ERROR(GetHex(o, "attributes", what, 16, q.attributes.data()));
  RA_RETURN_IF_ERROR(
      GetHex(o, "attributesMask", what, 16, q.attributes_mask.data()));
  RA_RETURN_IF_ERROR(GetHex(o, "mrsigner", what, 32, q.mrsigner.data()));
  RA_RETURN_IF_ERROR(GetInt(o, "isvprodid", what, 0, 65535, &v));
  q.isvprodid = static_cast<uint16_t>(v);
  return ForEachTcbLevel(o, what, false, [&](json_t* lvl, json_t* tcb) {
    std::string status;
    RA_RETURN_IF_ERROR(GetInt(tcb, "isvsvn", what, 0, 65535, &v));
    RA_RETURN_IF_ERROR(GetString(lvl, "tcbStatus", what, &status));
    q.levels.emplace_back(static_cast<uint16_t>(v), status);
    return Status();
  });
}

// TCB info and QE identity alike: a JSON object whose "id" and "version"
// must be the ones this code reads, the two dates and the evaluation data
// number; rest() reads what is particular to each.
template <typename T>
Status ParseIntelCollateral(const std::string& json_text, const std::string& what, const char* id,
                            int version, Status (*rest)(json_t*, const std::string&, T*),
                            T* out) {
  JsonPtr j(nullptr, json_decref);
  RA_RETURN_IF_ERROR(ParseJson(json_text, what, &j));
  json_t* o = j.get();
  T t;
  int64_t v = 0;
  RA_RETURN_IF_ERROR(GetString(o, "id", what, &t.id));
  if (t.id != id) return Status::Fail(what, "id \"" + t.id + "\" is not " + id);
  RA_RETURN_IF_ERROR(GetInt(o, "version", what, 0, 1000, &v));
  if (v != version)
    return Status::Fail(what, "version " + std::to_string(v) + " (want " +
                                  std::to_string(version) + ")");
  t.version = static_cast<int>(v);
  RA_RETURN_IF_ERROR(GetDate(o, "issueDate", what, &t.issue_date));
  RA_RETURN_IF_ERROR(GetDate(o, "nextUpdate", what, &t.next_update));
  RA_RETURN_IF_ERROR(GetInt(o, "tcbEvaluationDataNumber", what, 0, INT64_MAX,
                            &t.tcb_evaluation_data_number));
  RA_RETURN_IF_ERROR(rest(o, what, &t));
  *out = std::move(t);
  return Status();
}

}  // namespace

namespace {

// Intel's matching goes over "the sorted collection of TCB levels",
// highest first; Intel's files list them so, and its QVL sorts them
// anyway (TcbLevel::operator>: SGX components, then PCESVN, then TDX
// components, each compared lexicographically).  So do we, stably, so
// that the first level a platform reaches is the highest it reaches
// whatever order a document lists them in.
// Module and QE identity levels: (ISVSVN, status), highest SVN first.
template <typename SvnLevels>
void SortByIsvSvn(SvnLevels* levels) {
  std::stable_sort(levels->begin(), levels->end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
}

void SortTcbLevels(TdxTcbInfo* t) {
  std::stable_sort(t->levels.begin(), t->levels.end(),
                   [](const TdxTcbInfo::Level& a, const TdxTcbInfo::Level& b) {
                     return std::tie(a.sgx_svn, a.pce_svn, a.tdx_svn) >
                            std::tie(b.sgx_svn, b.pce_svn, b.tdx_svn);
                   });
  for (auto& m : t->module_identities) SortByIsvSvn(&m.levels);
}

}  // namespace

Status ParseTdxTcbInfo(const std::string& json_text, TdxTcbInfo* out) {
  RA_RETURN_IF_ERROR(ParseIntelCollateral(json_text, "tcb info", "TDX", 3, TcbInfoRest, out));
  SortTcbLevels(out);
  return Status();
}

Status ParseQeIdentity(const std::string& json_text, QeIdentity* out) {
  RA_RETURN_IF_ERROR(
      ParseIntelCollateral(json_text, "qe identity", "TD_QE", 2, QeIdentityRest, out));
  SortByIsvSvn(&out->levels);
  return Status();
}

const TdxTcbInfo::Level* FindTdxTcbLevel(const TdxQuote& q, const PckExtensions& pck,
                                         const TdxTcbInfo& info) {
  const auto& tee = q.body.tee_tcb_svn;
  const size_t tdx_start = tee[1] > 0 ? 2 : 0;
  for (const auto& L : info.levels) {
    bool ok = true;
    for (size_t i = 0; i < 16 && ok; i++)
      ok = pck.tcb_comp_svn[i] >= L.sgx_svn[i];
    if (!ok || pck.pce_svn < L.pce_svn) continue;
    for (size_t i = tdx_start; i < 16 && ok; i++) ok = tee[i] >= L.tdx_svn[i];
    if (!ok) continue;
    return &L;
  }
  return nullptr;
}

Status CheckQeIdentityMatch(const TdxQuote& q, const QeIdentity& qe) {
  const SgxReportBody& r = q.qe_report;
  if (r.mr_signer != qe.mrsigner)
    return Status::Fail("qe identity", "QE MRSIGNER mismatch");
  if (r.isv_prod_id != qe.isvprodid)
    return Status::Fail("qe identity", "QE ISVPRODID mismatch");
  if ((r.misc_select & qe.miscselect_mask) != qe.miscselect)
    return Status::Fail("qe identity", "QE MISCSELECT mismatch");
  if (!MaskedEqual(r.attributes.data(), qe.attributes.data(),
                   qe.attributes_mask.data(), 16))
    return Status::Fail("qe identity", "QE ATTRIBUTES mismatch");
  return Status();
}

namespace {

const TdxTcbInfo::ModuleIdentity* FindModuleIdentity(const TdxTcbInfo& info, uint8_t version) {
  char want[8];
  snprintf(want, sizeof(want), "TDX_%02X", version);
  for (const auto& mi : info.module_identities)
    if (EqualsIgnoreCase(mi.id, want)) return &mi;
  return nullptr;
}

// The TDX module: its signer and attributes must be the ones Intel lists
// (TdxModuleCheck), and for major versions >= 1 its SVN has its own levels
// (*module_status; "" for version 0, which tdxtcbcomponents judge).
Status TdxModuleStatus(const TdxQuote& q, const TdxTcbInfo& info, std::string* module_status) {
  const std::string what = "tcb status";
  const auto& tee = q.body.tee_tcb_svn;
  const TdxTcbInfo::ModuleIdentity* module = nullptr;
  if (tee[1] > 0) {
    module = FindModuleIdentity(info, tee[1]);
    char name[8];
    snprintf(name, sizeof(name), "TDX_%02X", tee[1]);
    if (!module)
      return Status::Fail(what, std::string("TCB not supported: no TDX module identity ") + name);
  } else if (info.has_tdx_module) {
    module = &info.tdx_module;
  } else {
    return Status::Fail(what, "tcb info has no tdxModule");
  }
  if (module->mrsigner != q.body.mr_signer_seam ||
      !MaskedEqual(q.body.seam_attributes.data(), module->attributes.data(),
                   module->attributes_mask.data(), 8))
    return Status::Fail(what, "TDX module mismatch (MRSIGNERSEAM or "
                              "SEAMATTRIBUTES not as Intel lists)");
  module_status->clear();
  if (tee[1] == 0) return Status();
  for (const auto& lv : module->levels)
    if (tee[0] >= lv.first) {
      *module_status = lv.second;
      break;
    }
  if (module_status->empty())
    return Status::Fail(what, "TCB not supported: TDX module SVN " + std::to_string(tee[0]) +
                                  " below every level");
  if (*module_status != "UpToDate" && *module_status != "OutOfDate" &&
      *module_status != "Revoked")
    return Status::Fail(what, "unrecognised TDX module status \"" + *module_status + "\"");
  return Status();
}

Status QeTcbStatus(const TdxQuote& q, const QeIdentity& qe, std::string* qe_status) {
  qe_status->clear();
  for (const auto& lv : qe.levels)
    if (q.qe_report.isv_svn >= lv.first) {
      *qe_status = lv.second;
      break;
    }
  if (qe_status->empty())
    return Status::Fail("tcb status", "TCB not supported: QE ISVSVN " +
                                          std::to_string(q.qe_report.isv_svn) +
                                          " below every QE identity level");
  if (*qe_status != "UpToDate" && *qe_status != "OutOfDate" && *qe_status != "Revoked" &&
      *qe_status != "ConfigurationNeeded" && *qe_status != "OutOfDateConfigurationNeeded")
    return Status::Fail("tcb status", "unrecognised QE TCB status \"" + *qe_status + "\"");
  return Status();
}

// The status of the first level the PCK's SGX components and PCESVN reach,
// TEE_TCB_SVN aside (QVL's "SGX TCB level"); "" when none.
std::string SgxTcbStatus(const PckExtensions& pck, const TdxTcbInfo& info) {
  for (const auto& L : info.levels) {
    bool ok = pck.pce_svn >= L.pce_svn;
    for (size_t i = 0; i < 16 && ok; i++) ok = pck.tcb_comp_svn[i] >= L.sgx_svn[i];
    if (ok) return L.status;
  }
  return "";
}

bool IsConfigurationNeeded(const std::string& s) {
  return s == "ConfigurationNeeded" || s == "OutOfDateConfigurationNeeded" ||
         s == "ConfigurationAndSWHardeningNeeded";
}

// A TD 1.5 whose TDX module was updated under it (TD-preserving update):
// the quote's TEE_TCB_SVN is the module it was launched on, TEE_TCB_SVN2
// the one it runs on now.  When only the launch module makes it OutOfDate
// and the current one reaches the newest level, Intel reports
// TDRelaunchAdvised (QVL TDRelaunchCheck: relaunching the TD on the
// current module clears it).  *tdx_status is the status so far.
Status ApplyTdRelaunch(const TdxQuote& q, const PckExtensions& pck, const TdxTcbInfo& info,
                       const std::string& module_status, const std::string& qe_status,
                       std::string* tdx_status) {
  if (q.body_type != kTdxBodyTypeTdx15 || qe_status == "OutOfDate" || qe_status == "Revoked" ||
      module_status != "OutOfDate" ||
      (*tdx_status != "OutOfDate" && *tdx_status != "OutOfDateConfigurationNeeded"))
    return Status();
  const std::string sgx = SgxTcbStatus(pck, info);
  if (sgx != "UpToDate" && sgx != "SWHardeningNeeded" && sgx != "ConfigurationNeeded" &&
      sgx != "ConfigurationAndSWHardeningNeeded")
    return Status();
  const auto& svn2 = q.body.tee_tcb_svn2;
  const TdxTcbInfo::Level& latest = info.levels.front();
  uint8_t newest_module_svn = latest.tdx_svn[0];
  if (svn2[1] > 0) {
    const TdxTcbInfo::ModuleIdentity* m = FindModuleIdentity(info, svn2[1]);
    if (!m) return Status::Fail("tcb status", "TDX module mismatch: no identity for TEE_TCB_SVN2");
    if (m->levels.empty()) return Status::Fail("tcb status", "TCB not supported: no module level");
    newest_module_svn = m->levels.front().first;
  }
  if (svn2[0] < newest_module_svn || svn2[2] < latest.tdx_svn[2]) return Status();
  *tdx_status = IsConfigurationNeeded(sgx) || IsConfigurationNeeded(*tdx_status)
                    ? "TDRelaunchAdvisedConfigurationNeeded"
                    : "TDRelaunchAdvised";
  return Status();
}

}  // namespace

Status ComputeTdxTcbStatus(const TdxQuote& q, const PckExtensions& pck,
                           const TdxTcbInfo& info, const QeIdentity* qe,
                           std::string* status) {
  const std::string what = "tcb status";
  const auto& tee = q.body.tee_tcb_svn;
  const TdxTcbInfo::Level* match = FindTdxTcbLevel(q, pck, info);
  if (!match)
    return Status::Fail(what, "TCB not supported: no TCB level matches the "
                              "platform (PCK TCB, PCESVN, TEE_TCB_SVN " +
                                  HexEncode(ByteView(tee.data(), tee.size())) +
                                  ")");
  if (!IsKnownPlatformStatus(match->status))
    return Status::Fail(what, "unrecognised TCB level status \"" +
                                  match->status + "\"");
  std::string module_status, qe_status;
  RA_RETURN_IF_ERROR(TdxModuleStatus(q, info, &module_status));
  if (qe) RA_RETURN_IF_ERROR(QeTcbStatus(q, *qe, &qe_status));
  // Intel's order: the platform level with the module, then the TD
  // relaunch check (TD 1.5), then the QE.
  std::string tdx_status = match->status;
  if (!module_status.empty()) tdx_status = Converge(tdx_status, {module_status});
  RA_RETURN_IF_ERROR(ApplyTdRelaunch(q, pck, info, module_status, qe_status, &tdx_status));
  *status = qe_status.empty() ? tdx_status : Converge(tdx_status, {qe_status});
  return Status();
}

Status LoadCollateralCrls(const std::string& dir,
                          std::vector<X509CrlPtr>* out) {
  std::vector<std::string> names;
  RA_RETURN_IF_ERROR(ListDirSorted(dir, &names));
  std::vector<X509CrlPtr> crls;
  for (const auto& n : names) {
    // Intel's PCS serves each CRL's issuer chain beside it
    // (pckcrl_issuer_chain.pem): certificates, not a CRL.
    if (n.find("crl") == std::string::npos ||
        n.find("chain") != std::string::npos ||
        !(EndsWith(n, ".der") || EndsWith(n, ".pem")))
      continue;
    Bytes data;
    RA_RETURN_IF_ERROR(ReadFileBounded(dir + "/" + n, kMaxCollateralFile, &data));
    X509CrlPtr crl;
    RA_RETURN_IF_ERROR(LoadCrl(data, "crl " + n, &crl));
    crls.push_back(std::move(crl));
  }
  *out = std::move(crls);
  return Status();
}

}  // namespace ra
