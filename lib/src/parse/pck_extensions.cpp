#include "parse/pck_extensions.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <memory>

#include "common/openssl_ptr.h"

namespace ra {
namespace {

const char kCheck[] = "pck sgx extension";

// DER of OID 1.2.840.113741.1.13.1 (without tag and length).
const uint8_t kSgxExtOid[] = {0x2a, 0x86, 0x48, 0x86, 0xf8,
                              0x4d, 0x01, 0x0d, 0x01};

constexpr uint8_t kTagInteger = 0x02;
constexpr uint8_t kTagOctetString = 0x04;
constexpr uint8_t kTagOid = 0x06;
constexpr uint8_t kTagSequence = 0x30;

// One TLV from the front of *in; only definite lengths up to 3 length bytes
// (nothing in a certificate extension is near 16 MiB).
bool ReadTlv(ByteView* in, uint8_t want_tag, ByteView* value) {
  if (in->size < 2 || in->data[0] != want_tag) return false;
  size_t len = in->data[1];
  size_t hdr = 2;
  if (len & 0x80) {
    size_t nbytes = len & 0x7f;
    if (nbytes == 0 || nbytes > 3 || in->size < 2 + nbytes) return false;
    len = 0;
    for (size_t i = 0; i < nbytes; i++) len = (len << 8) | in->data[2 + i];
    hdr += nbytes;
  }
  if (in->size - hdr < len) return false;
  *value = ByteView(in->data + hdr, len);
  in->data += hdr + len;
  in->size -= hdr + len;
  return true;
}

// Is oid == 1.2.840.113741.1.13.1 followed by the given arcs (each < 128)?
bool OidIs(ByteView oid, std::initializer_list<uint8_t> arcs) {
  if (oid.size != sizeof(kSgxExtOid) + arcs.size()) return false;
  if (memcmp(oid.data, kSgxExtOid, sizeof(kSgxExtOid)) != 0) return false;
  size_t i = sizeof(kSgxExtOid);
  for (uint8_t a : arcs)
    if (oid.data[i++] != a) return false;
  return true;
}

// Non-negative DER INTEGER that fits max.
bool ReadUint(ByteView v, uint32_t max, uint32_t* out) {
  if (v.size == 0 || v.size > 5 || (v.data[0] & 0x80)) return false;
  uint64_t x = 0;
  for (size_t i = 0; i < v.size; i++) x = (x << 8) | v.data[i];
  if (x > max) return false;
  *out = static_cast<uint32_t>(x);
  return true;
}

Status ParseTcb(ByteView tcb_seq, PckExtensions* out) {
  bool seen[19] = {};
  while (tcb_seq.size > 0) {
    ByteView item, oid;
    if (!ReadTlv(&tcb_seq, kTagSequence, &item) ||
        !ReadTlv(&item, kTagOid, &oid))
      return Status::Fail(kCheck, "malformed TCB entry");
    if (oid.size != sizeof(kSgxExtOid) + 2) continue;  // unknown: ignore
    uint8_t arc = oid.data[oid.size - 1];
    if (!OidIs(oid, {0x02, arc}) || arc < 1 || arc > 18) continue;
    ByteView val;
    if (arc == 18) {
      if (!ReadTlv(&item, kTagOctetString, &val) || val.size != 16)
        return Status::Fail(kCheck, "malformed CPUSVN");
      memcpy(out->cpu_svn.data(), val.data, 16);
    } else {
      uint32_t x = 0;
      if (!ReadTlv(&item, kTagInteger, &val) ||
          !ReadUint(val, arc == 17 ? 0xffff : 0xff, &x))
        return Status::Fail(kCheck, "malformed TCB component " +
                                        std::to_string(arc));
      if (arc == 17)
        out->pce_svn = static_cast<uint16_t>(x);
      else
        out->tcb_comp_svn[arc - 1] = static_cast<uint8_t>(x);
    }
    seen[arc] = true;
  }
  for (int i = 1; i <= 18; i++)
    if (!seen[i])
      return Status::Fail(kCheck, "TCB component " + std::to_string(i) +
                                      " missing");
  return Status();
}

}  // namespace

Status ParsePckSgxExtension(ByteView der, PckExtensions* out) {
  PckExtensions ext;
  ByteView top;
  if (!ReadTlv(&der, kTagSequence, &top) || der.size != 0)
    return Status::Fail(kCheck, "not a single DER SEQUENCE");
  bool have_tcb = false, have_pceid = false, have_fmspc = false;
  while (top.size > 0) {
    ByteView item, oid, val;
    if (!ReadTlv(&top, kTagSequence, &item) || !ReadTlv(&item, kTagOid, &oid))
      return Status::Fail(kCheck, "malformed entry");
    if (OidIs(oid, {0x02})) {
      if (!ReadTlv(&item, kTagSequence, &val))
        return Status::Fail(kCheck, "malformed TCB");
      RA_RETURN_IF_ERROR(ParseTcb(val, &ext));
      have_tcb = true;
    } else if (OidIs(oid, {0x03})) {
      if (!ReadTlv(&item, kTagOctetString, &val) || val.size != 2)
        return Status::Fail(kCheck, "malformed PCE-ID");
      memcpy(ext.pce_id.data(), val.data, 2);
      have_pceid = true;
    } else if (OidIs(oid, {0x04})) {
      if (!ReadTlv(&item, kTagOctetString, &val) || val.size != 6)
        return Status::Fail(kCheck, "malformed FMSPC");
      memcpy(ext.fmspc.data(), val.data, 6);
      have_fmspc = true;
    }
  }
  if (!have_tcb) return Status::Fail(kCheck, "TCB missing");
  if (!have_pceid) return Status::Fail(kCheck, "PCE-ID missing");
  if (!have_fmspc) return Status::Fail(kCheck, "FMSPC missing");
  *out = ext;
  return Status();
}

namespace {

Status FromX509(X509* cert, PckExtensions* out) {
  Asn1ObjectPtr obj(OBJ_txt2obj("1.2.840.113741.1.13.1", 1));
  if (!obj) return Status::Fail(kCheck, "OID setup failed");
  int idx = X509_get_ext_by_OBJ(cert, obj.get(), -1);
  if (idx < 0) return Status::Fail(kCheck, "certificate has no SGX extension");
  X509_EXTENSION* ext = X509_get_ext(cert, idx);
  ASN1_OCTET_STRING* data = ext ? X509_EXTENSION_get_data(ext) : nullptr;
  if (!data) return Status::Fail(kCheck, "empty SGX extension");
  return ParsePckSgxExtension(
      ByteView(ASN1_STRING_get0_data(data),
               static_cast<size_t>(ASN1_STRING_length(data))),
      out);
}

}  // namespace

Status PckExtensionsFromX509(X509* cert, PckExtensions* out) {
  if (cert == nullptr) return Status::Fail(kCheck, "no certificate");
  return FromX509(cert, out);
}

Status PckExtensionsFromCertDer(ByteView cert_der, PckExtensions* out) {
  const unsigned char* p = cert_der.data;
  if (cert_der.size > 1 << 20) return Status::Fail(kCheck, "certificate too large");
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size)));
  if (!cert) {
    // OpenSSL queued why; drop it, or the next unrelated OpenSSL failure
    // on this thread would be reported with this stale reason (and the
    // queue would grow with every unreadable certificate a peer sends).
    ERR_clear_error();
    return Status::Fail(kCheck, "certificate is not valid DER");
  }
  return FromX509(cert.get(), out);
}

Status PckExtensionsFromPem(const std::string& pem, PckExtensions* out) {
  if (pem.size() > 1 << 20) return Status::Fail(kCheck, "PEM too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Status::Fail(kCheck, "out of memory");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    ERR_clear_error();  // as above: no stale reason for a later failure
    return Status::Fail(kCheck, "no PEM certificate in the chain");
  }
  return FromX509(cert.get(), out);
}

}  // namespace ra
