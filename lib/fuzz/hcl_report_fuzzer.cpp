// libFuzzer target: Azure's HCL report (ra::ParseHclReport) and the
// runtime JSON it carries (ra::ParseAzureRuntimeJson) on arbitrary bytes.
// Both parsers get every input: an HCL report fails the JSON parser at its
// first byte and JSON fails the report's "HCLA" check, so one corpus holds
// both kinds (fuzz/gen_seeds.py: the real Azure TDX report from the shared
// vectors, variants of its header, and runtime JSON documents).  A report
// that parses has its runtime JSON parsed too, as the verifier does.
//
// Invariants (abort on violation), re-derived from the input bytes rather
// than taken from the parser: a report that parses starts with HCLA, its
// sizes agree with each other and with what is there, the hardware report
// and runtime JSON are exactly the bytes at their offsets; runtime data
// that parses is a JSON object whose user-data (if any) is the 64 bytes
// its hex spells and whose HCLAkPub n/e are the key's strings; failures
// name their check and say why.
#include <jansson.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz_checks.h"
#include "common/bytes_util.h"
#include "parse/hcl_report.h"

namespace {

using fuzz::CheckFailureIs;
using fuzz::Die;

uint32_t Le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void CheckReport(const uint8_t* data, size_t size, const ra::HclReport& r) {
  if (size < ra::kHclRuntimeJsonOffset || size > ra::kMaxHclReportLen)
    Die("accepted a report of " + std::to_string(size) + " bytes");
  if (memcmp(data, "HCLA", 4) != 0) Die("accepted a report without HCLA");
  const uint8_t* rt = data + ra::kHclRuntimeHeaderOffset;
  const uint32_t json_size = Le32(rt + 16);
  if (r.version != Le32(data + 4) || r.report_size != Le32(data + 8) ||
      r.request_type != Le32(data + 12) || r.status != Le32(data + 16) ||
      r.runtime_data_version != Le32(rt + 4) || r.report_type != Le32(rt + 8) ||
      r.hash_type != Le32(rt + 12))
    Die("a header field differs from the bytes");
  size_t hw_len = r.report_type == ra::kHclReportTypeTdx   ? ra::kTdReportLen
                  : r.report_type == ra::kHclReportTypeSnp ? ra::kHclHwReportLen
                                                           : 0;
  if (hw_len == 0) Die("accepted report type " + std::to_string(r.report_type));
  if (r.hash_type < ra::kHclHashSha256 || r.hash_type > ra::kHclHashSha512)
    Die("accepted hash type " + std::to_string(r.hash_type));
  if (r.hw_report.size() != hw_len ||
      memcmp(r.hw_report.data(), data + ra::kHclHeaderLen, hw_len) != 0)
    Die("hardware report is not the bytes at offset 32");
  if (json_size == 0 || json_size > ra::kMaxRuntimeJsonLen ||
      json_size > size - ra::kHclRuntimeJsonOffset || r.runtime_json.size() != json_size ||
      memcmp(r.runtime_json.data(), data + ra::kHclRuntimeJsonOffset, json_size) != 0)
    Die("runtime JSON is not the declared bytes at offset 1236");
  if (Le32(rt) != json_size + ra::kHclRuntimeHeaderLen ||
      r.report_size != ra::kHclRuntimeJsonOffset + json_size)
    Die("accepted sizes that disagree");
  if (r.report_type == ra::kHclReportTypeTdx) {
    std::array<uint8_t, 64> rd = ra::TdReportReportData(r.hw_report);
    if (memcmp(rd.data(), data + ra::kHclHeaderLen + ra::kTdReportReportDataOffset, 64) != 0)
      Die("REPORTDATA is not TD report bytes 128..191");
  }
}

void CheckRuntime(const uint8_t* data, size_t size, const ra::AzureRuntimeData& d) {
  json_error_t err;
  json_t* doc = json_loadb(reinterpret_cast<const char*>(data), size, JSON_REJECT_DUPLICATES,
                           &err);
  if (!json_is_object(doc)) Die("accepted runtime data that is not a JSON object");
  const json_t* ud = json_object_get(doc, "user-data");
  if ((ud != nullptr) != d.has_user_data) Die("has_user_data is wrong");
  if (ud != nullptr) {
    if (!json_is_string(ud) || json_string_length(ud) != 128 || d.user_data.size() != 64)
      Die("accepted a user-data that is not 128 hex digits");
    std::string lower(json_string_value(ud), 128);
    for (char& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    if (ra::HexEncode(ra::ByteView(d.user_data.data(), 64)) != lower)
      Die("user-data bytes differ from its hex");
  } else if (!d.user_data.empty()) {
    Die("user-data bytes without a user-data member");
  }
  std::string n, e;
  const json_t* keys = json_object_get(doc, "keys");
  size_t i;
  const json_t* k;
  json_array_foreach(keys, i, k) {
    const json_t* kid = json_object_get(k, "kid");
    if (json_is_string(kid) && strcmp(json_string_value(kid), "HCLAkPub") == 0 &&
        json_string_length(kid) == 8) {
      if (!n.empty()) Die("accepted two HCLAkPub keys");
      const json_t* jn = json_object_get(k, "n");
      const json_t* je = json_object_get(k, "e");
      if (!json_is_string(jn) || !json_is_string(je)) Die("accepted HCLAkPub without n/e");
      n.assign(json_string_value(jn), json_string_length(jn));
      e.assign(json_string_value(je), json_string_length(je));
    }
  }
  if (n != d.ak_pub_n || e != d.ak_pub_e) Die("HCLAkPub n/e differ from the document");
  json_decref(doc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ra::HclReport r;
  ra::Status s = ra::ParseHclReport(ra::ByteView(data, size), &r);
  CheckFailureIs(s, "hcl report");
  if (s.ok()) {
    CheckReport(data, size, r);
    ra::AzureRuntimeData d;
    ra::Status js = ra::ParseAzureRuntimeJson(
        ra::ByteView(r.runtime_json.data(), r.runtime_json.size()), &d);
    CheckFailureIs(js, "azure runtime data");
    if (js.ok()) CheckRuntime(r.runtime_json.data(), r.runtime_json.size(), d);
  }

  ra::AzureRuntimeData d;
  s = ra::ParseAzureRuntimeJson(ra::ByteView(data, size), &d);
  CheckFailureIs(s, "azure runtime data");
  if (s.ok()) CheckRuntime(data, size, d);
  return 0;
}
