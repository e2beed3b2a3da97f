#include "parse/ima_log.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "common/bytes_util.h"

namespace ra {
namespace {

constexpr const char* kCheck = "ima log format";

std::string EntryAt(size_t i) { return "entry " + std::to_string(i) + ": "; }

void PutLe32(Bytes* b, size_t v) {
  for (int i = 0; i < 4; i++) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// The next field (u32 length + bytes) of template data at *pos.
bool NextField(const Bytes& d, size_t* pos, const uint8_t** field, size_t* len) {
  if (d.size() - *pos < 4) return false;
  *len = LoadLe32(d.data() + *pos);
  *pos += 4;
  if (*len > d.size() - *pos) return false;
  *field = d.data() + *pos;
  *pos += *len;
  return true;
}

// Where [f, f + len) lies in e's template data (bounded by
// kMaxImaTemplateDataLen, so it fits).
ImaSpan SpanOf(const ImaEntry& e, const uint8_t* f, size_t len) {
  ImaSpan s;
  s.offset = static_cast<uint32_t>(f - e.template_data.data());
  s.len = static_cast<uint32_t>(len);
  return s;
}

// d-ng: "ALG:" NUL digest.
bool DecodeDigestNg(const uint8_t* f, size_t len, ImaEntry* e) {
  const void* nul = std::memchr(f, 0, len);
  if (nul == nullptr) return false;
  size_t n = static_cast<size_t>(static_cast<const uint8_t*>(nul) - f);
  if (n < 2 || f[n - 1] != ':' || n + 1 == len) return false;
  e->alg_span = SpanOf(*e, f, n - 1);
  e->digest_span = SpanOf(*e, f + n + 1, len - n - 1);
  return true;
}

// d-ngv2: "TYPE:ALG:" NUL digest, TYPE "ima" (a file digest: digest_alg
// is ALG, as d-ng's) or "verity" (an fs-verity digest: "verity:ALG").
bool DecodeDigestNgV2(const uint8_t* f, size_t len, ImaEntry* e) {
  if (!DecodeDigestNg(f, len, e)) return false;
  const std::string alg(reinterpret_cast<const char*>(f), e->alg_span.len);
  size_t colon = alg.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == alg.size()) return false;
  const std::string type = alg.substr(0, colon);
  if (type == "ima") e->alg_span = SpanOf(*e, f + colon + 1, alg.size() - colon - 1);
  else if (type != "verity") return false;
  return true;
}

// "d-ng|n-ng|sig" -> {"d-ng", "n-ng", "sig"}; empty if an id is empty.
std::vector<std::string> SplitTemplateFormat(const std::string& fmt) {
  std::vector<std::string> ids;
  size_t pos = 0;
  while (!fmt.empty() && pos <= fmt.size()) {
    size_t bar = std::min(fmt.find('|', pos), fmt.size());
    ids.push_back(fmt.substr(pos, bar - pos));
    if (ids.back().empty()) return {};
    pos = bar + 1;
  }
  return ids;
}

// The field ids of a template (ima_template.c's built-in formats), or of
// a name that is itself a format ("d-ng|n-ng|sig": ima_template_fmt=,
// whose entries the kernel names by their format).  Empty: unknown,
// carried undecoded.  The built-in templates' ids are split once (a list
// of 10,000 entries of one template asks 10,000 times); a format name's
// go to *own.
const std::vector<std::string>& TemplateFields(const std::string& name,
                                               std::vector<std::string>* own) {
  static const auto* kBuiltin = new std::map<std::string, std::vector<std::string>>{
      {"ima-ng", SplitTemplateFormat("d-ng|n-ng")},
      {"ima-sig", SplitTemplateFormat("d-ng|n-ng|sig")},
      {"ima-buf", SplitTemplateFormat("d-ng|n-ng|buf")},
      {"ima-modsig", SplitTemplateFormat("d-ng|n-ng|sig|d-modsig|modsig")},
      {"ima-ngv2", SplitTemplateFormat("d-ngv2|n-ng")},
      {"ima-sigv2", SplitTemplateFormat("d-ngv2|n-ng|sig")},
      {"evm-sig", SplitTemplateFormat(
                      "d-ng|n-ng|evmsig|xattrnames|xattrlengths|xattrvalues|iuid|igid|imode")}};
  auto it = kBuiltin->find(name);
  if (it != kBuiltin->end()) return it->second;
  own->clear();
  if (name.find('|') != std::string::npos) *own = SplitTemplateFormat(name);
  return *own;
}

// One field of a known id into e; false if it does not fit its format.
bool DecodeField(const std::string& id, const uint8_t* f, size_t len, ImaEntry* e) {
  if (id == "d-ng") return DecodeDigestNg(f, len, e);
  if (id == "d-ngv2") return DecodeDigestNgV2(f, len, e);
  if (id == "n-ng") {
    if (len == 0 || f[len - 1] != 0 || std::memchr(f, 0, len - 1)) return false;
    e->name_span = SpanOf(*e, f, len - 1);
  } else if (id == "sig") {
    e->sig_span = SpanOf(*e, f, len);
  } else if (id == "buf") {
    e->buf_span = SpanOf(*e, f, len);
  }
  return true;
}

// Decodes the fields of the templates TemplateFields knows (as places in
// the template data: ImaEntry says why): the fields must
// fill the template data exactly; the entry is decoded when it has a
// file digest (d-ng or d-ngv2) and a name (n-ng).  Others stay undecoded.
Status DecodeTemplate(size_t index, ImaEntry* e) {
  if (e->template_name == "ima")
    return Status::Fail(kCheck, EntryAt(index) + "legacy template \"ima\" not supported");
  std::vector<std::string> own;
  const std::vector<std::string>& ids = TemplateFields(e->template_name, &own);
  if (ids.empty()) return Status();
  const Bytes& d = e->template_data;
  size_t pos = 0;
  bool digest = false, name = false;
  for (const std::string& id : ids) {
    const uint8_t* f = nullptr;
    size_t len = 0;
    if (!NextField(d, &pos, &f, &len))
      return Status::Fail(kCheck, EntryAt(index) + e->template_name + " fields");
    if (!DecodeField(id, f, len, e))
      return Status::Fail(kCheck, EntryAt(index) + id + " field");
    digest |= id == "d-ng" || id == "d-ngv2";
    name |= id == "n-ng";
  }
  if (pos != d.size()) return Status::Fail(kCheck, EntryAt(index) + e->template_name + " fields");
  e->decoded = digest && name;
  return Status();
}

class Cursor {
 public:
  explicit Cursor(ByteView in) : in_(in) {}
  bool done() const { return pos_ == in_.size; }
  bool U32(uint32_t* v) {
    if (in_.size - pos_ < 4) return false;
    *v = LoadLe32(in_.data + pos_);
    pos_ += 4;
    return true;
  }
  template <typename Out>  // Bytes or std::string
  bool Take(size_t n, Out* out) {
    if (n > in_.size - pos_) return false;
    out->assign(in_.data + pos_, in_.data + pos_ + n);
    pos_ += n;
    return true;
  }

 private:
  ByteView in_;
  size_t pos_ = 0;
};

Status ReadBinaryEntry(Cursor* c, size_t index, size_t hash_len, ImaEntry* e) {
  uint32_t name_len = 0, data_len = 0;
  if (!c->U32(&e->pcr) || !c->Take(hash_len, &e->template_hash) || !c->U32(&name_len))
    return Status::Fail(kCheck, EntryAt(index) + "truncated");
  if (name_len == 0 || name_len > kMaxImaTemplateNameLen || !c->Take(name_len, &e->template_name))
    return Status::Fail(kCheck, EntryAt(index) + "template name length " + std::to_string(name_len));
  if (e->template_name.find('\0') != std::string::npos)
    return Status::Fail(kCheck, EntryAt(index) + "NUL in template name");
  if (e->template_name == "ima")
    return Status::Fail(kCheck, EntryAt(index) + "legacy template \"ima\" not supported");
  if (!c->U32(&data_len) || data_len > kMaxImaTemplateDataLen ||
      !c->Take(data_len, &e->template_data))
    return Status::Fail(kCheck, EntryAt(index) + "template data length " + std::to_string(data_len));
  return DecodeTemplate(index, e);
}

}  // namespace

namespace {

template <typename Out>  // Bytes or std::string
Out Field(const ImaEntry& e, const ImaSpan& s) {
  if (!e.decoded || s.offset > e.template_data.size() || s.len > e.template_data.size() - s.offset)
    return Out();
  const uint8_t* p = e.template_data.data() + s.offset;
  return Out(p, p + s.len);
}

}  // namespace

std::string ImaEntry::digest_alg() const { return Field<std::string>(*this, alg_span); }
Bytes ImaEntry::file_digest() const { return Field<Bytes>(*this, digest_span); }
std::string ImaEntry::file_name() const { return Field<std::string>(*this, name_span); }
Bytes ImaEntry::signature() const { return Field<Bytes>(*this, sig_span); }
Bytes ImaEntry::buf() const { return Field<Bytes>(*this, buf_span); }

bool ImaEntry::violation() const {
  for (uint8_t b : template_hash)
    if (b != 0) return false;
  return true;
}

Status ParseImaBinaryLog(ByteView in, size_t template_hash_len, ImaLog* out) {
  if (in.size > kMaxImaLogLen) return Status::Fail(kCheck, "larger than " + std::to_string(kMaxImaLogLen));
  if (template_hash_len == 0 || template_hash_len > 64)
    return Status::Fail(kCheck, "template hash length " + std::to_string(template_hash_len));
  ImaLog log;
  log.template_hash_len = template_hash_len;
  Cursor c(in);
  // A typical entry is 100-200 bytes; growing the vector would move
  // every entry again (a 10,000-entry list is parsed in a few ms).
  log.entries.reserve(in.size / 96);
  while (!c.done()) {
    ImaEntry e;
    RA_RETURN_IF_ERROR(ReadBinaryEntry(&c, log.entries.size(), template_hash_len, &e));
    log.entries.push_back(std::move(e));
  }
  if (log.entries.empty()) return Status::Fail(kCheck, "no entries");
  *out = std::move(log);
  return Status();
}

Status ParseImaBinaryLogAnyHash(ByteView in, ImaLog* out) {
  Status first;
  for (size_t len : {20, 32, 48, 64}) {
    Status s = ParseImaBinaryLog(in, len, out);
    if (s.ok()) return s;
    if (len == 20) first = s;
  }
  return first;
}

namespace {

// Rebuilds ima-ng / ima-sig / ima-buf template data from the ASCII fields
// after the template name: "ALG:HEX NAME" [" " HEX].
Status AsciiTemplateData(size_t index, const std::string& rest, ImaEntry* e) {
  bool extra = e->template_name == "ima-sig" || e->template_name == "ima-buf";
  if (!extra && e->template_name != "ima-ng")
    return Status::Fail(kCheck, EntryAt(index) + "template \"" + e->template_name +
                                    "\" not supported in the ASCII list");
  size_t sp = rest.find(' ');
  size_t colon = rest.find(':');
  if (sp == std::string::npos || colon == std::string::npos || colon > sp || colon == 0)
    return Status::Fail(kCheck, EntryAt(index) + "digest field");
  std::string alg = rest.substr(0, colon);
  Bytes digest;
  if (!HexDecode(rest.substr(colon + 1, sp - colon - 1), &digest).ok() || digest.empty())
    return Status::Fail(kCheck, EntryAt(index) + "digest field");
  std::string name = rest.substr(sp + 1);
  Bytes last;
  if (extra) {
    size_t lsp = name.rfind(' ');
    if (lsp == std::string::npos || !HexDecode(name.substr(lsp + 1), &last).ok())
      return Status::Fail(kCheck, EntryAt(index) + "last field");
    name.resize(lsp);
  }
  if (name.empty() || name.find('\0') != std::string::npos)
    return Status::Fail(kCheck, EntryAt(index) + "name field");
  Bytes& d = e->template_data;
  PutLe32(&d, alg.size() + 2 + digest.size());
  d.insert(d.end(), alg.begin(), alg.end());
  d.push_back(':');
  d.push_back(0);
  d.insert(d.end(), digest.begin(), digest.end());
  PutLe32(&d, name.size() + 1);
  d.insert(d.end(), name.begin(), name.end());
  d.push_back(0);
  if (extra) {
    PutLe32(&d, last.size());
    d.insert(d.end(), last.begin(), last.end());
  }
  return DecodeTemplate(index, e);
}

Status ParseAsciiLine(size_t index, std::string line, size_t* hash_len, ImaEntry* e) {
  if (!line.empty() && line[0] == ' ') line.erase(0, 1);  // "%2d " pads PCRs below 10
  size_t a = line.find(' ');
  size_t b = a == std::string::npos ? a : line.find(' ', a + 1);
  size_t c = b == std::string::npos ? b : line.find(' ', b + 1);
  if (c == std::string::npos) return Status::Fail(kCheck, EntryAt(index) + "too few fields");
  std::string pcr = line.substr(0, a);
  if (pcr.empty() || pcr.size() > 2 || pcr.find_first_not_of("0123456789") != std::string::npos)
    return Status::Fail(kCheck, EntryAt(index) + "PCR");
  e->pcr = static_cast<uint32_t>(std::stoul(pcr));
  if (!HexDecode(line.substr(a + 1, b - a - 1), &e->template_hash).ok() ||
      e->template_hash.empty() || e->template_hash.size() > 64 ||
      (*hash_len != 0 && e->template_hash.size() != *hash_len))
    return Status::Fail(kCheck, EntryAt(index) + "template hash");
  *hash_len = e->template_hash.size();
  e->template_name = line.substr(b + 1, c - b - 1);
  if (e->template_name.empty() || e->template_name.size() > kMaxImaTemplateNameLen)
    return Status::Fail(kCheck, EntryAt(index) + "template name");
  return AsciiTemplateData(index, line.substr(c + 1), e);
}

}  // namespace

Status ParseImaAsciiLog(const std::string& text, ImaLog* out) {
  if (text.size() > kMaxImaLogLen) return Status::Fail(kCheck, "larger than " + std::to_string(kMaxImaLogLen));
  if (text.empty() || text.back() != '\n') return Status::Fail(kCheck, "not newline-terminated");
  ImaLog log;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    ImaEntry e;
    RA_RETURN_IF_ERROR(ParseAsciiLine(log.entries.size(), text.substr(pos, nl - pos),
                                      &log.template_hash_len, &e));
    log.entries.push_back(std::move(e));
    pos = nl + 1;
  }
  *out = std::move(log);
  return Status();
}

}  // namespace ra
