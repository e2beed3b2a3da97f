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
  if (!i.text.empty()) {
    // Firmware text is not always UTF-8 without NULs: hex then.
    json_object_set_new(o, "text", StrOrHex(i.text));
    any = true;
  }
  if (i.has_startup_locality) {
    json_object_set_new(o, "startup_locality", json_integer(i.startup_locality));
    any = true;
  }
  if (i.has_separator) {
    json_object_set_new(o, "separator", json_integer(i.separator));
    any = true;
  }
  if (i.has_efi_variable) {
    json_t* v = json_object();
    json_object_set_new(v, "guid", Str(i.efi_guid));
    json_object_set_new(v, "name", StrOrHex(i.efi_name));
    json_object_set_new(v, "data", Hex(i.efi_data));
    json_object_set_new(o, "efi_variable", v);
    any = true;
  }
  if (i.has_image_load) {
    json_t* v = json_object();
    json_object_set_new(v, "location", json_integer(static_cast<json_int_t>(i.image_location)));
    json_object_set_new(v, "length", json_integer(static_cast<json_int_t>(i.image_length)));
    json_object_set_new(v, "device_path", Hex(i.device_path));
    json_object_set_new(o, "image_load", v);
    any = true;
  }
  if (i.has_blob) {
    json_t* v = json_object();
    json_object_set_new(v, "base", json_integer(static_cast<json_int_t>(i.blob_base)));
    json_object_set_new(v, "length", json_integer(static_cast<json_int_t>(i.blob_length)));
    json_object_set_new(o, "blob", v);
    any = true;
  }
  if (i.has_tagged_event) {
    json_t* v = json_object();
    json_object_set_new(v, "id", json_integer(i.tagged_event_id));
    json_object_set_new(v, "data", Hex(i.tagged_event_data));
    json_object_set_new(o, "tagged_event", v);
    any = true;
  }
  if (!any) json_object_set_new(o, "data", Hex(e.data));
}

}  // namespace

std::string TpmQuoteToJson(const TpmQuote& q) {
  json_t* o = json_object();
  json_object_set_new(o, "magic", json_integer(q.magic));
  json_object_set_new(o, "type", json_integer(q.type));
  json_object_set_new(o, "qualified_signer", Hex(q.qualified_signer));
  json_object_set_new(o, "extra_data", Hex(q.extra_data));
  json_object_set_new(o, "clock", json_integer(static_cast<json_int_t>(q.clock)));
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
    json_object_set_new(v, "offset", json_integer(static_cast<json_int_t>(e.offset)));
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
  json_object_set_new(o, "template_hash_len", json_integer(static_cast<json_int_t>(log.template_hash_len)));
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
