#include "common/evidence_bundle.h"

#include <jansson.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "common/base64.h"

namespace ra {
namespace {

const char kCheck[] = "evidence bundle";

struct JsonDeleter {
  void operator()(json_t* j) const { json_decref(j); }
};
using Json = std::unique_ptr<json_t, JsonDeleter>;

Status CheckItem(const EvidenceItem& item, size_t index) {
  Status s = CheckEvidenceType(item.type);
  if (!s.ok()) return Status::Fail(kCheck, "item " + std::to_string(index) + ": " + s.detail());
  if (item.data.size() > RA_MAX_EVIDENCE_ITEM_LEN)
    return Status::Fail(kCheck, "item " + std::to_string(index) + " (" + item.type + ") of " +
                                    std::to_string(item.data.size()) + " bytes exceeds " +
                                    std::to_string(RA_MAX_EVIDENCE_ITEM_LEN));
  return Status();
}

Status ParseItem(const json_t* j, size_t index, EvidenceItem* out) {
  const std::string at = "item " + std::to_string(index);
  if (!json_is_object(j)) return Status::Fail(kCheck, at + " is not an object");
  const json_t* type = json_object_get(j, "type");
  const json_t* data = json_object_get(j, "data");
  if (!json_is_string(type) || !json_is_string(data) || json_object_size(j) != 2)
    return Status::Fail(kCheck, at + " must have exactly the strings \"type\" and \"data\"");
  out->type.assign(json_string_value(type), json_string_length(type));
  if (out->type.size() != std::strlen(out->type.c_str()))
    return Status::Fail(kCheck, at + ": type contains a NUL");
  size_t b64len = json_string_length(data);
  if (b64len > (RA_MAX_EVIDENCE_ITEM_LEN + 2) / 3 * 4)
    return Status::Fail(kCheck, at + " (" + out->type + ") exceeds " +
                                    std::to_string(RA_MAX_EVIDENCE_ITEM_LEN) + " bytes");
  Status s = Base64Decode(std::string(json_string_value(data), b64len), &out->data);
  if (!s.ok()) return Status::Fail(kCheck, at + " (" + out->type + "): data: " + s.message());
  return CheckItem(*out, index);
}

}  // namespace

Status CheckEvidenceType(const std::string& type) {
  if (type.empty()) return Status::Fail("evidence type", "empty evidence type");
  if (type.size() > RA_MAX_EVIDENCE_TYPE_LEN)
    return Status::Fail("evidence type", "evidence type longer than " +
                                             std::to_string(RA_MAX_EVIDENCE_TYPE_LEN) + " bytes");
  for (unsigned char c : type)
    if (c <= 0x20 || c >= 0x7f || c == ',')
      return Status::Fail("evidence type",
                          "evidence type has a character outside printable ASCII or a comma");
  return Status();
}

bool LooksLikeEvidenceBundle(const std::string& text) {
  size_t i = text.find_first_not_of(" \t\r\n");
  return i != std::string::npos && text[i] == '{';
}

Status ParseEvidenceBundle(const std::string& text, std::vector<EvidenceItem>* out) {
  if (text.size() > kMaxEvidenceBundleLen)
    return Status::Fail(kCheck, "larger than " + std::to_string(kMaxEvidenceBundleLen) + " bytes");
  json_error_t jerr;
  Json root(json_loadb(text.data(), text.size(), JSON_REJECT_DUPLICATES, &jerr));
  if (!root)
    return Status::Fail(kCheck, "not JSON (line " + std::to_string(jerr.line) + ": " +
                                    jerr.text + ")");
  if (!json_is_object(root.get())) return Status::Fail(kCheck, "not a JSON object");
  const json_t* version = json_object_get(root.get(), "version");
  if (!json_is_integer(version) || json_integer_value(version) != kEvidenceBundleVersion)
    return Status::Fail(kCheck, "unknown version (this reader knows version " +
                                    std::to_string(kEvidenceBundleVersion) + ")");
  const json_t* items = json_object_get(root.get(), "items");
  // "verdict": what a verifier concluded when it saved the file (ssh's
  // AttestationEvidenceFile); read past, never trusted: the items are
  // what a reader verifies.
  const json_t* verdict = json_object_get(root.get(), "verdict");
  if (verdict != nullptr && !json_is_object(verdict))
    return Status::Fail(kCheck, "\"verdict\" is not an object");
  if (!json_is_array(items) || json_object_size(root.get()) != (verdict ? 3u : 2u))
    return Status::Fail(kCheck, "must have exactly \"version\" and the array \"items\" "
                                "(and optionally the object \"verdict\")");
  if (json_array_size(items) > RA_MAX_EVIDENCE_ITEMS)
    return Status::Fail(kCheck, std::to_string(json_array_size(items)) + " items (at most " +
                                    std::to_string(RA_MAX_EVIDENCE_ITEMS) + ")");
  std::vector<EvidenceItem> list(json_array_size(items));
  for (size_t i = 0; i < list.size(); i++)
    RA_RETURN_IF_ERROR(ParseItem(json_array_get(items, i), i, &list[i]));
  *out = std::move(list);
  return Status();
}

Status EvidenceBundleJson(const std::vector<EvidenceItem>& items, std::string* out) {
  if (items.size() > RA_MAX_EVIDENCE_ITEMS)
    return Status::Fail(kCheck, "more than " + std::to_string(RA_MAX_EVIDENCE_ITEMS) + " items");
  Json arr(json_array());
  for (size_t i = 0; i < items.size(); i++) {
    RA_RETURN_IF_ERROR(CheckItem(items[i], i));
    json_t* it = json_object();
    if (it == nullptr || json_array_append_new(arr.get(), it) != 0 ||
        json_object_set_new(it, "type",
                            json_stringn(items[i].type.data(), items[i].type.size())) != 0 ||
        json_object_set_new(it, "data", json_string(Base64Encode(items[i].data).c_str())) != 0)
      return Status::Fail(kCheck, "out of memory");
  }
  Json root(json_object());
  if (!root ||
      json_object_set_new(root.get(), "version", json_integer(kEvidenceBundleVersion)) != 0 ||
      json_object_set(root.get(), "items", arr.get()) != 0)
    return Status::Fail(kCheck, "out of memory");
  char* s = json_dumps(root.get(), JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (s == nullptr) return Status::Fail(kCheck, "out of memory");
  *out = std::string(s) + "\n";
  free(s);
  return Status();
}

}  // namespace ra
