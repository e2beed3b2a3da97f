#include "parse/tpm_pcrs.h"

#include <jansson.h>

#include <memory>

#include "common/bytes_util.h"
#include "parse/tpm_alg.h"

namespace ra {
namespace {

constexpr const char* kCheck = "tpm pcrs format";

struct JsonDecref {
  void operator()(json_t* j) const { json_decref(j); }
};

// "0".."31": decimal digits, no sign, no leading zero.
bool ParsePcrIndex(const char* key, uint32_t* out) {
  size_t n = 0;
  uint32_t v = 0;
  for (; key[n] != '\0'; n++) {
    if (key[n] < '0' || key[n] > '9' || n >= 2) return false;
    v = v * 10 + static_cast<uint32_t>(key[n] - '0');
  }
  if (n == 0 || (n == 2 && key[0] == '0') || v >= kTpmMaxPcrs) return false;
  *out = v;
  return true;
}

Status ParseBank(const char* name, const json_t* bank, TpmPcrValues* out) {
  uint16_t alg = 0;
  if (!TpmHashFromName(name, &alg))
    return Status::Fail(kCheck, std::string("unknown bank \"") + name + "\"");
  if (!json_is_object(bank))
    return Status::Fail(kCheck, std::string("bank ") + name + " is not an object");
  auto& values = (*out)[alg];
  const char* key;
  json_t* v;
  json_object_foreach(const_cast<json_t*>(bank), key, v) {
    uint32_t index = 0;
    if (!ParsePcrIndex(key, &index))
      return Status::Fail(kCheck, std::string(name) + ": bad PCR index \"" + key + "\"");
    if (!json_is_string(v))
      return Status::Fail(kCheck, std::string(name) + " PCR " + key + " is not a string");
    Bytes value;
    Status s = HexDecode(json_string_value(v), &value);
    if (!s.ok() || value.size() != TpmHashSize(alg))
      return Status::Fail(kCheck, std::string(name) + " PCR " + key +
                                      " is not " + std::to_string(TpmHashSize(alg)) +
                                      " bytes of hex");
    values[index] = std::move(value);
  }
  return Status();
}

}  // namespace

Status ParseTpmPcrsJson(const std::string& text, TpmPcrValues* out) {
  if (text.size() > kMaxTpmPcrsJsonLen)
    return Status::Fail(kCheck, "larger than " + std::to_string(kMaxTpmPcrsJsonLen));
  json_error_t err;
  std::unique_ptr<json_t, JsonDecref> doc(
      json_loadb(text.data(), text.size(), JSON_REJECT_DUPLICATES, &err));
  if (!doc) return Status::Fail(kCheck, err.text);
  if (!json_is_object(doc.get())) return Status::Fail(kCheck, "not a JSON object");
  TpmPcrValues pcrs;
  const char* key;
  json_t* bank;
  json_object_foreach(doc.get(), key, bank) {
    RA_RETURN_IF_ERROR(ParseBank(key, bank, &pcrs));
  }
  *out = std::move(pcrs);
  return Status();
}

std::string TpmPcrsToJson(const TpmPcrValues& pcrs) {
  std::string s = "{";
  for (const auto& bank : pcrs) {
    if (s.size() > 1) s += ",";
    s += "\"" + TpmHashName(bank.first) + "\":{";
    bool first = true;
    for (const auto& v : bank.second) {
      if (!first) s += ",";
      first = false;
      s += "\"" + std::to_string(v.first) + "\":\"" + HexEncode(v.second) + "\"";
    }
    s += "}";
  }
  return s + "}";
}

}  // namespace ra
