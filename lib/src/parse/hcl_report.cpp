#include "parse/hcl_report.h"

#include <jansson.h>

#include <cstring>

#include "common/bytes_util.h"
#include "parse/jwt_token.h"

namespace ra {
namespace {

const char kCheck[] = "hcl report";
const char kRuntimeCheck[] = "azure runtime data";
const uint8_t kHclSignature[4] = {'H', 'C', 'L', 'A'};

}  // namespace

Status ParseHclReport(ByteView data, HclReport* out) {
  if (data.size < kHclRuntimeJsonOffset)
    return Status::Fail(kCheck, "truncated (need " + std::to_string(kHclRuntimeJsonOffset) +
                                    " bytes, have " + std::to_string(data.size) + ")");
  if (data.size > kMaxHclReportLen)
    return Status::Fail(kCheck, "larger than " + std::to_string(kMaxHclReportLen) + " bytes");
  const uint8_t* p = data.data;
  if (std::memcmp(p, kHclSignature, sizeof(kHclSignature)) != 0)
    return Status::Fail(kCheck, "signature is not HCLA");
  HclReport r;
  r.version = LoadLe32(p + 4);
  r.report_size = LoadLe32(p + 8);
  r.request_type = LoadLe32(p + 12);
  r.status = LoadLe32(p + 16);

  const uint8_t* rt = p + kHclRuntimeHeaderOffset;
  const uint32_t data_size = LoadLe32(rt);
  r.runtime_data_version = LoadLe32(rt + 4);
  r.report_type = LoadLe32(rt + 8);
  r.hash_type = LoadLe32(rt + 12);
  const uint32_t json_size = LoadLe32(rt + 16);

  size_t hw_len = 0;
  if (r.report_type == kHclReportTypeTdx) hw_len = kTdReportLen;
  else if (r.report_type == kHclReportTypeSnp) hw_len = kHclHwReportLen;
  else return Status::Fail(kCheck, "unknown report type " + std::to_string(r.report_type));
  if (r.hash_type != kHclHashSha256 && r.hash_type != kHclHashSha384 &&
      r.hash_type != kHclHashSha512)
    return Status::Fail(kCheck, "unknown hash type " + std::to_string(r.hash_type));

  // Each size is compared against what is left, never added to an offset
  // first, so no value can wrap around.
  const size_t left = data.size - kHclRuntimeJsonOffset;
  if (json_size == 0 || json_size > kMaxRuntimeJsonLen || json_size > left)
    return Status::Fail(kCheck, "runtime data size " + std::to_string(json_size) +
                                    " (1.." + std::to_string(kMaxRuntimeJsonLen) +
                                    ", and at most the " + std::to_string(left) +
                                    " bytes left)");
  // The three sizes describe one layout; a report where they disagree was
  // not made by the HCL and its runtime bytes cannot be located reliably.
  if (data_size != json_size + kHclRuntimeHeaderLen)
    return Status::Fail(kCheck, "runtime header data size " + std::to_string(data_size) +
                                    " disagrees with the runtime data size " +
                                    std::to_string(json_size));
  if (r.report_size != kHclRuntimeJsonOffset + json_size)
    return Status::Fail(kCheck, "report size " + std::to_string(r.report_size) +
                                    " disagrees with the runtime data size " +
                                    std::to_string(json_size));

  r.hw_report.assign(p + kHclHeaderLen, p + kHclHeaderLen + hw_len);
  r.runtime_json.assign(p + kHclRuntimeJsonOffset, p + kHclRuntimeJsonOffset + json_size);
  *out = std::move(r);
  return Status();
}

std::array<uint8_t, 64> TdReportReportData(const Bytes& td_report) {
  std::array<uint8_t, 64> rd{};
  if (td_report.size() >= kTdReportReportDataOffset + rd.size())
    std::memcpy(rd.data(), td_report.data() + kTdReportReportDataOffset, rd.size());
  return rd;
}

Status ParseAzureRuntimeJson(ByteView json, AzureRuntimeData* out) {
  if (json.size == 0 || json.size > kMaxRuntimeJsonLen)
    return Status::Fail(kRuntimeCheck, "empty or larger than " +
                                           std::to_string(kMaxRuntimeJsonLen) + " bytes");
  JsonPtr doc;
  RA_RETURN_IF_ERROR(ParseJsonObject(std::string(json.data, json.data + json.size),
                                     kRuntimeCheck, &doc));
  AzureRuntimeData r;
  std::string hex;
  RA_RETURN_IF_ERROR(
      JsonGetString(doc.get(), "user-data", kRuntimeCheck, &hex, &r.has_user_data));
  if (r.has_user_data &&
      (hex.size() != 2 * kRuntimeUserDataLen || !HexDecode(hex, &r.user_data).ok()))
    return Status::Fail(kRuntimeCheck, "user-data is not 128 hex digits");

  const json_t* keys = json_object_get(doc.get(), "keys");
  if (keys != nullptr) {
    if (!json_is_array(keys)) return Status::Fail(kRuntimeCheck, "keys is not an array");
    size_t i;
    const json_t* k;
    json_array_foreach(keys, i, k) {
      if (!json_is_object(k))
        return Status::Fail(kRuntimeCheck, "keys[" + std::to_string(i) + "] is not an object");
      std::string kid;
      bool has_kid = false;
      RA_RETURN_IF_ERROR(JsonGetString(k, "kid", kRuntimeCheck, &kid, &has_kid));
      if (kid != "HCLAkPub") continue;
      if (!r.ak_pub_n.empty())
        return Status::Fail(kRuntimeCheck, "HCLAkPub given twice");
      RA_RETURN_IF_ERROR(JsonGetString(k, "n", kRuntimeCheck, &r.ak_pub_n));
      RA_RETURN_IF_ERROR(JsonGetString(k, "e", kRuntimeCheck, &r.ak_pub_e));
      if (r.ak_pub_n.empty() || r.ak_pub_e.empty())
        return Status::Fail(kRuntimeCheck, "HCLAkPub has an empty n or e");
    }
  }
  *out = std::move(r);
  return Status();
}

}  // namespace ra
