#include "parse/snp_vcek_extensions.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>

#include <memory>

namespace ra {
namespace {

constexpr size_t kMaxHwidLen = 64;
constexpr long kMaxStringLen = 256;

Status Fail(const std::string& detail) {
  return Status::Fail("snp vcek extensions", detail);
}

// The value (extnValue contents) of the single extension oid; *found false
// if absent.  Refuses a second occurrence.
Status FindExtension(X509* cert, const char* oid, bool* found, ByteView* value) {
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> obj(OBJ_txt2obj(oid, 1),
                                                                ASN1_OBJECT_free);
  if (!obj) return Fail(std::string("bad OID ") + oid);
  int idx = X509_get_ext_by_OBJ(cert, obj.get(), -1);
  *found = idx >= 0;
  if (!*found) return Status();
  if (X509_get_ext_by_OBJ(cert, obj.get(), idx) >= 0)
    return Fail(std::string(oid) + " appears twice");
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  if (!data) return Fail(std::string(oid) + " has no value");
  *value = ByteView(ASN1_STRING_get0_data(data), static_cast<size_t>(ASN1_STRING_length(data)));
  return Status();
}

// A DER value that must be exactly one ASN1 item of the given type.
struct TypeFree {
  void operator()(ASN1_TYPE* t) const { ASN1_TYPE_free(t); }
};
Status DecodeOne(ByteView v, const char* oid, std::unique_ptr<ASN1_TYPE, TypeFree>* out) {
  const unsigned char* p = v.data;
  ASN1_TYPE* t = d2i_ASN1_TYPE(nullptr, &p, static_cast<long>(v.size));
  if (!t || p != v.data + v.size) {
    ASN1_TYPE_free(t);
    return Fail(std::string(oid) + " is not a single DER value");
  }
  out->reset(t);
  return Status();
}

Status ReadSpl(X509* cert, const char* oid, bool* has, uint8_t* out) {
  ByteView v;
  RA_RETURN_IF_ERROR(FindExtension(cert, oid, has, &v));
  if (!*has) return Status();
  std::unique_ptr<ASN1_TYPE, TypeFree> t;
  RA_RETURN_IF_ERROR(DecodeOne(v, oid, &t));
  int64_t n = 0;
  if (ASN1_TYPE_get(t.get()) != V_ASN1_INTEGER ||
      ASN1_INTEGER_get_int64(&n, t->value.integer) != 1 || n < 0 || n > 255)
    return Fail(std::string(oid) + " is not an INTEGER in 0..255");
  *out = static_cast<uint8_t>(n);
  return Status();
}

Status ReadString(X509* cert, const char* oid, bool* has, std::string* out) {
  ByteView v;
  RA_RETURN_IF_ERROR(FindExtension(cert, oid, has, &v));
  if (!*has) return Status();
  std::unique_ptr<ASN1_TYPE, TypeFree> t;
  RA_RETURN_IF_ERROR(DecodeOne(v, oid, &t));
  int type = ASN1_TYPE_get(t.get());
  if (type != V_ASN1_IA5STRING && type != V_ASN1_UTF8STRING && type != V_ASN1_PRINTABLESTRING)
    return Fail(std::string(oid) + " is not a string");
  const ASN1_STRING* s = t->value.asn1_string;
  if (ASN1_STRING_length(s) > kMaxStringLen) return Fail(std::string(oid) + " is too long");
  out->assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
              static_cast<size_t>(ASN1_STRING_length(s)));
  return Status();
}

// A hwID of 8 or 64 bytes is taken as it is; one of 10 or 66 that is
// exactly a DER OCTET STRING of 8 or 64 bytes is replaced by its contents.
void UnwrapHwid(ByteView* v) {
  if (v->size == 8 || v->size == kMaxHwidLen) return;
  if (v->size != 8 + 2 && v->size != kMaxHwidLen + 2) return;
  if (v->data[0] != V_ASN1_OCTET_STRING || v->data[1] != v->size - 2) return;
  *v = ByteView(v->data + 2, v->size - 2);
}

}  // namespace

Status ParseSnpVcekExtensions(X509* cert, SnpVcekExtensions* out) {
  if (!cert) return Fail("no certificate");
  SnpVcekExtensions e;
  ByteView v;
  RA_RETURN_IF_ERROR(FindExtension(cert, "1.3.6.1.4.1.3704.1.1", &e.has_struct_version, &v));
  if (e.has_struct_version) {
    std::unique_ptr<ASN1_TYPE, TypeFree> t;
    RA_RETURN_IF_ERROR(DecodeOne(v, "1.3.6.1.4.1.3704.1.1", &t));
    int64_t n = 0;
    if (ASN1_TYPE_get(t.get()) != V_ASN1_INTEGER ||
        ASN1_INTEGER_get_int64(&n, t->value.integer) != 1 || n < 0 || n > 0xFFFF)
      return Fail("structVersion is not a small INTEGER");
    e.struct_version = static_cast<long>(n);
  }
  RA_RETURN_IF_ERROR(
      ReadString(cert, "1.3.6.1.4.1.3704.1.2", &e.has_product_name, &e.product_name));
  RA_RETURN_IF_ERROR(ReadSpl(cert, "1.3.6.1.4.1.3704.1.3.1", &e.has_bl_spl, &e.bl_spl));
  RA_RETURN_IF_ERROR(ReadSpl(cert, "1.3.6.1.4.1.3704.1.3.2", &e.has_tee_spl, &e.tee_spl));
  RA_RETURN_IF_ERROR(ReadSpl(cert, "1.3.6.1.4.1.3704.1.3.3", &e.has_snp_spl, &e.snp_spl));
  RA_RETURN_IF_ERROR(ReadSpl(cert, "1.3.6.1.4.1.3704.1.3.8", &e.has_ucode_spl, &e.ucode_spl));
  RA_RETURN_IF_ERROR(ReadSpl(cert, "1.3.6.1.4.1.3704.1.3.9", &e.has_fmc_spl, &e.fmc_spl));
  RA_RETURN_IF_ERROR(FindExtension(cert, "1.3.6.1.4.1.3704.1.4", &e.has_hwid, &v));
  if (e.has_hwid) {
    // KDS writes the raw chip id, untagged (64 bytes; Turin's 8); a
    // DER OCTET STRING of either size is unwrapped, should KDS ever tag it.
    UnwrapHwid(&v);
    if (v.size == 0 || v.size > kMaxHwidLen)
      return Fail("hwID is " + std::to_string(v.size) + " bytes");
    e.hwid.assign(v.data, v.data + v.size);
  }
  RA_RETURN_IF_ERROR(ReadString(cert, "1.3.6.1.4.1.3704.1.5", &e.has_csp_id, &e.csp_id));
  *out = std::move(e);
  return Status();
}

}  // namespace ra
