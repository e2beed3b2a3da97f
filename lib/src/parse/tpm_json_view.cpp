#include "parse/tpm_json_view.h"

#include <jansson.h>

#include <cstdlib>

#include "common/bytes_util.h"
#include "parse/tpm_alg.h"

namespace ra {
namespace {

json_t* Hex(ByteView b) { return json_string(HexEncode(b).c_str()); }
// nullptr for text JSON cannot carry as it is (a NUL, invalid UTF-8);
// callers then show the bytes in hex.
json_t* Str(const std::string& s) {
  if (s.find('\0') != std::string::npos) return nullptr;
  return json_stringn(s.data(), s.size());
}
json_t* StrOrHex(const std::string& s) {
  json_t* j = Str(s);
  return j ? j : Hex(ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

// Clocks, offsets and lengths: jansson's integers are signed 64-bit.
json_t* U64(uint64_t v) { return json_integer(static_cast<json_int_t>(v)); }

std::string Dump(json_t* j) {
  char* text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
  std::string out = text ? text : "null";
  free(text);
  json_decref(j);
  return out;
}

// The decoded fields of an event, or its data in hex.
void AddEventInfo(const TcgEvent& e, json_t* o) {
  TcgEventInfo i;
  if (!DecodeTcgEvent(e, &i).ok()) {
    json_object_set_new(o, "data", Hex(e.data));
    json_object_set_new(o, "data_error", json_true());
    return;
  }
  bool any = false;
  auto add = [&](const char* key, json_t* v) {
    json_object_set_new(o, key, v);
    any = true;
  };
  // Firmware text is not always UTF-8 without NULs: hex then.
  if (!i.text.empty()) add("text", StrOrHex(i.text));
  if (i.has_startup_locality) add("startup_locality", json_integer(i.startup_locality));
  if (i.has_separator) add("separator", json_integer(i.separator));
  // The structured events as sub-objects; o* leaves out a guid text that
  // Str cannot carry, as json_object_set_new does with nullptr.
  if (i.has_efi_variable)
    add("efi_variable", json_pack("{s:o*, s:o, s:o}", "guid", Str(i.efi_guid), "name",
                                  StrOrHex(i.efi_name), "data", Hex(i.efi_data)));
  if (i.has_image_load)
    add("image_load", json_pack("{s:o, s:o, s:o}", "location", U64(i.image_location), "length",
                                U64(i.image_length), "device_path", Hex(i.device_path)));
  if (i.has_blob)
    add("blob", json_pack("{s:o, s:o}", "base", U64(i.blob_base), "length", U64(i.blob_length)));
  if (i.has_tagged_event)
    add("tagged_event", json_pack("{s:o, s:o}", "id", json_integer(i.tagged_event_id), "data",
                                  Hex(i.tagged_event_data)));
  if (!any) json_object_set_new(o, "data", Hex(e.data));
}

}  // namespace

std::string TpmQuoteToJson(const TpmQuote& q) {
  json_t* o = json_object();
  json_object_set_new(o, "magic", json_integer(q.magic));
  json_object_set_new(o, "type", json_integer(q.type));
  json_object_set_new(o, "qualified_signer", Hex(q.qualified_signer));
  json_object_set_new(o, "extra_data", Hex(q.extra_data));
  json_object_set_new(o, "clock", U64(q.clock));
  json_object_set_new(o, "reset_count", json_integer(q.reset_count));
  json_object_set_new(o, "restart_count", json_integer(q.restart_count));
  json_object_set_new(o, "safe", json_boolean(q.safe));
  json_object_set_new(o, "firmware_version", Hex(Bytes{
      static_cast<uint8_t>(q.firmware_version >> 56), static_cast<uint8_t>(q.firmware_version >> 48),
      static_cast<uint8_t>(q.firmware_version >> 40), static_cast<uint8_t>(q.firmware_version >> 32),
      static_cast<uint8_t>(q.firmware_version >> 24), static_cast<uint8_t>(q.firmware_version >> 16),
      static_cast<uint8_t>(q.firmware_version >> 8), static_cast<uint8_t>(q.firmware_version)}));
  json_t* sel = json_array();
  for (const auto& s : q.pcr_select) {
    json_t* b = json_object();
    json_object_set_new(b, "bank", Str(TpmHashName(s.hash_alg)));
    json_t* pcrs = json_array();
    for (uint32_t p : s.pcrs) json_array_append_new(pcrs, json_integer(p));
    json_object_set_new(b, "pcrs", pcrs);
    json_array_append_new(sel, b);
  }
  json_object_set_new(o, "pcr_select", sel);
  json_object_set_new(o, "pcr_digest", Hex(q.pcr_digest));
  return Dump(o);
}

std::string TcgEventLogToJson(const TcgEventLog& log) {
  json_t* o = json_object();
  json_object_set_new(o, "crypto_agile", json_boolean(log.crypto_agile));
  if (log.crypto_agile)
    json_object_set_new(o, "spec_version", Str(std::to_string(log.spec_version_major) + "." +
                                               std::to_string(log.spec_version_minor) + "." +
                                               std::to_string(log.spec_errata)));
  json_t* algs = json_array();
  for (const auto& a : log.algorithms) {
    json_t* v = json_object();
    json_object_set_new(v, "alg", Str(TpmHashName(a.alg)));
    json_object_set_new(v, "size", json_integer(a.size));
    json_array_append_new(algs, v);
  }
  json_object_set_new(o, "algorithms", algs);
  json_t* events = json_array();
  for (const auto& e : log.events) {
    json_t* v = json_object();
    json_object_set_new(v, "offset", U64(e.offset));
    json_object_set_new(v, "pcr", json_integer(e.pcr_index));
    json_object_set_new(v, "type", Str(TcgEventTypeName(e.event_type)));
    json_t* d = json_object();
    for (const auto& dg : e.digests) json_object_set_new(d, TpmHashName(dg.alg).c_str(), Hex(dg.digest));
    json_object_set_new(v, "digests", d);
    AddEventInfo(e, v);
    json_array_append_new(events, v);
  }
  json_object_set_new(o, "events", events);
  return Dump(o);
}

std::string ImaLogToJson(const ImaLog& log) {
  json_t* o = json_object();
  json_object_set_new(o, "template_hash_len", U64(log.template_hash_len));
  json_t* entries = json_array();
  for (const auto& e : log.entries) {
    json_t* v = json_object();
    json_object_set_new(v, "pcr", json_integer(e.pcr));
    json_object_set_new(v, "template_hash", Hex(e.template_hash));
    json_object_set_new(v, "template", StrOrHex(e.template_name));
    if (e.violation()) json_object_set_new(v, "violation", json_true());
    if (e.decoded) {
      json_object_set_new(v, "digest_alg", StrOrHex(e.digest_alg()));
      json_object_set_new(v, "digest", Hex(e.file_digest()));
      json_object_set_new(v, "name", StrOrHex(e.file_name()));
      if (e.template_name == "ima-sig") json_object_set_new(v, "signature", Hex(e.signature()));
      if (e.template_name == "ima-buf") json_object_set_new(v, "buf", Hex(e.buf()));
    } else {
      json_object_set_new(v, "template_data", Hex(e.template_data));
    }
    json_array_append_new(entries, v);
  }
  json_object_set_new(o, "entries", entries);
  return Dump(o);
}

}  // namespace ra
