#include "parse/tdx_quote.h"

#include <jansson.h>

#include <cstring>
#include <memory>

#include "common/bytes_util.h"
#include "parse/pck_extensions.h"

namespace ra {
namespace {

const char kCheck[] = "tdx quote";

// A cursor over one length-delimited region.  Every read is checked against
// the bytes left in that region, so a lying length can only make a read
// fail, never run past the buffer.
class Reader {
 public:
  explicit Reader(ByteView v) : p_(v.data), left_(v.size) {}
  size_t left() const { return left_; }
  const uint8_t* pos() const { return p_; }

  Status Need(size_t n, const char* field) const {
    if (n <= left_) return Status();
    return Status::Fail(kCheck, std::string(field) + " truncated (need " +
                                    std::to_string(n) + ", have " +
                                    std::to_string(left_) + ")");
  }
  Status Take(size_t n, const char* field, const uint8_t** out) {
    RA_RETURN_IF_ERROR(Need(n, field));
    *out = p_;
    p_ += n;
    left_ -= n;
    return Status();
  }
  template <size_t N>
  Status Array(const char* field, std::array<uint8_t, N>* out) {
    const uint8_t* b = nullptr;
    RA_RETURN_IF_ERROR(Take(N, field, &b));
    memcpy(out->data(), b, N);
    return Status();
  }
  Status U16(const char* field, uint16_t* out) {
    const uint8_t* b = nullptr;
    RA_RETURN_IF_ERROR(Take(2, field, &b));
    *out = LoadLe16(b);
    return Status();
  }
  Status U32(const char* field, uint32_t* out) {
    const uint8_t* b = nullptr;
    RA_RETURN_IF_ERROR(Take(4, field, &b));
    *out = LoadLe32(b);
    return Status();
  }
  // A sub-region of n bytes, consumed from this one.
  Status Sub(size_t n, const char* field, Reader* out) {
    const uint8_t* b = nullptr;
    RA_RETURN_IF_ERROR(Take(n, field, &b));
    *out = Reader(ByteView(b, n));
    return Status();
  }

 private:
  const uint8_t* p_;
  size_t left_;
};

// Nested structures must be filled exactly by what they declare: slack
// inside a signed or certified container is a sign of a confused encoder or
// an attempt to smuggle data, and Intel's format has none.
Status ExpectEmpty(const Reader& r, const char* container) {
  if (r.left() == 0) return Status();
  return Status::Fail(kCheck, std::string(container) + " has " +
                                  std::to_string(r.left()) +
                                  " unparsed bytes");
}

Status ParseSgxReportBody(Reader r, SgxReportBody* out) {
  std::array<uint8_t, 28> reserved1;
  std::array<uint8_t, 32> reserved2;
  std::array<uint8_t, 96> reserved3;
  std::array<uint8_t, 60> reserved4;
  RA_RETURN_IF_ERROR(r.Array("QE report cpu_svn", &out->cpu_svn));
  RA_RETURN_IF_ERROR(r.U32("QE report misc_select", &out->misc_select));
  RA_RETURN_IF_ERROR(r.Array("QE report reserved", &reserved1));
  RA_RETURN_IF_ERROR(r.Array("QE report attributes", &out->attributes));
  RA_RETURN_IF_ERROR(r.Array("QE report mr_enclave", &out->mr_enclave));
  RA_RETURN_IF_ERROR(r.Array("QE report reserved", &reserved2));
  RA_RETURN_IF_ERROR(r.Array("QE report mr_signer", &out->mr_signer));
  RA_RETURN_IF_ERROR(r.Array("QE report reserved", &reserved3));
  RA_RETURN_IF_ERROR(r.U16("QE report isv_prod_id", &out->isv_prod_id));
  RA_RETURN_IF_ERROR(r.U16("QE report isv_svn", &out->isv_svn));
  RA_RETURN_IF_ERROR(r.Array("QE report reserved", &reserved4));
  RA_RETURN_IF_ERROR(r.Array("QE report report_data", &out->report_data));
  return ExpectEmpty(r, "QE report");
}

Status ParseTdBody(Reader r, uint16_t body_type, TdReportBody* b) {
  RA_RETURN_IF_ERROR(r.Array("tee_tcb_svn", &b->tee_tcb_svn));
  RA_RETURN_IF_ERROR(r.Array("mrseam", &b->mr_seam));
  RA_RETURN_IF_ERROR(r.Array("mrsignerseam", &b->mr_signer_seam));
  RA_RETURN_IF_ERROR(r.Array("seam_attributes", &b->seam_attributes));
  RA_RETURN_IF_ERROR(r.Array("td_attributes", &b->td_attributes));
  RA_RETURN_IF_ERROR(r.Array("xfam", &b->xfam));
  RA_RETURN_IF_ERROR(r.Array("mrtd", &b->mr_td));
  RA_RETURN_IF_ERROR(r.Array("mrconfigid", &b->mr_config_id));
  RA_RETURN_IF_ERROR(r.Array("mrowner", &b->mr_owner));
  RA_RETURN_IF_ERROR(r.Array("mrownerconfig", &b->mr_owner_config));
  for (auto& rt : b->rtmr) RA_RETURN_IF_ERROR(r.Array("rtmr", &rt));
  RA_RETURN_IF_ERROR(r.Array("report_data", &b->report_data));
  if (body_type == kTdxBodyTypeTdx15) {
    RA_RETURN_IF_ERROR(r.Array("tee_tcb_svn2", &b->tee_tcb_svn2));
    RA_RETURN_IF_ERROR(r.Array("mrservicetd", &b->mr_service_td));
  }
  return ExpectEmpty(r, "TD report body");
}

// Header: version, key type, TEE type.
Status ParseHeader(Reader& r, TdxQuote* q) {
  RA_RETURN_IF_ERROR(r.Need(kTdxHeaderLen, "header"));
  RA_RETURN_IF_ERROR(r.U16("version", &q->version));
  if (q->version != 4 && q->version != 5)
    return Status::Fail(kCheck, "unsupported version " + std::to_string(q->version) +
                                    " (want 4 or 5)");
  RA_RETURN_IF_ERROR(r.U16("attestation key type", &q->att_key_type));
  if (q->att_key_type != kTdxAttKeyTypeEcdsaP256)
    return Status::Fail(kCheck, "attestation key type " + std::to_string(q->att_key_type) +
                                    " is not ECDSA-P256 (2)");
  RA_RETURN_IF_ERROR(r.U32("tee type", &q->tee_type));
  if (q->tee_type != kTdxTeeType)
    return Status::Fail(kCheck, "tee type " + std::to_string(q->tee_type) +
                                    " is not TDX (0x81)");
  RA_RETURN_IF_ERROR(r.Array("reserved", &q->reserved));
  RA_RETURN_IF_ERROR(r.Array("qe vendor id", &q->qe_vendor_id));
  return r.Array("user data", &q->user_data);
}

// Body (v5: behind a descriptor that names its type and size).
Status ParseBody(Reader& r, TdxQuote* q) {
  if (q->version == 5) {
    RA_RETURN_IF_ERROR(r.U16("body type", &q->body_type));
    RA_RETURN_IF_ERROR(r.U32("body size", &q->body_size));
    size_t want = q->body_type == kTdxBodyTypeTdx10   ? kTdxBody10Len
                  : q->body_type == kTdxBodyTypeTdx15 ? kTdxBody15Len
                                                      : 0;
    if (want == 0)
      return Status::Fail(kCheck, "unsupported body type " + std::to_string(q->body_type) +
                                      " (want 2 or 3)");
    if (q->body_size != want)
      return Status::Fail(kCheck, "body size " + std::to_string(q->body_size) +
                                      " does not match body type " +
                                      std::to_string(q->body_type) + " (" +
                                      std::to_string(want) + ")");
  }
  Reader body(ByteView{});
  RA_RETURN_IF_ERROR(r.Sub(q->body_size, "TD report body", &body));
  return ParseTdBody(body, q->body_type, &q->body);
}

// Certification data type 6: the QE report, its signature, the QE auth
// data, then the PCK chain (type 5).
Status ParseQeCertData(Reader& cd, TdxQuote* q) {
  Reader qe_report(ByteView{});
  const uint8_t* qe_start = cd.pos();
  RA_RETURN_IF_ERROR(cd.Sub(kSgxReportBodyLen, "QE report", &qe_report));
  q->qe_report_raw.assign(qe_start, qe_start + kSgxReportBodyLen);
  RA_RETURN_IF_ERROR(ParseSgxReportBody(qe_report, &q->qe_report));
  RA_RETURN_IF_ERROR(cd.Array("QE report signature", &q->qe_report_signature));
  uint16_t auth_len = 0;
  RA_RETURN_IF_ERROR(cd.U16("QE auth data length", &auth_len));
  const uint8_t* auth = nullptr;
  RA_RETURN_IF_ERROR(cd.Take(auth_len, "QE auth data", &auth));
  q->qe_auth_data.assign(auth, auth + auth_len);
  RA_RETURN_IF_ERROR(cd.U16("PCK certification data type", &q->pck_cert_data_type));
  if (q->pck_cert_data_type != kCertDataPckChain)
    return Status::Fail(kCheck, "PCK certification data type " +
                                    std::to_string(q->pck_cert_data_type) +
                                    " is not a PEM chain (5)");
  uint32_t chain_len = 0;
  RA_RETURN_IF_ERROR(cd.U32("PCK certification data size", &chain_len));
  const uint8_t* chain = nullptr;
  RA_RETURN_IF_ERROR(cd.Take(chain_len, "PCK certificate chain", &chain));
  q->pck_chain_pem.assign(reinterpret_cast<const char*>(chain), chain_len);
  return ExpectEmpty(cd, "certification data");
}

// Signature data: quote signature, attestation key, certification data.
Status ParseSignatureData(Reader& r, TdxQuote* q) {
  RA_RETURN_IF_ERROR(r.U32("signature data length", &q->signature_data_len));
  Reader sig(ByteView{});
  RA_RETURN_IF_ERROR(r.Sub(q->signature_data_len, "signature data", &sig));
  q->trailing_bytes = r.left();
  RA_RETURN_IF_ERROR(sig.Array("quote signature", &q->signature));
  RA_RETURN_IF_ERROR(sig.Array("attestation key", &q->attestation_key));
  RA_RETURN_IF_ERROR(sig.U16("certification data type", &q->cert_data_type));
  if (q->cert_data_type != kCertDataQeReport)
    return Status::Fail(kCheck, "certification data type " +
                                    std::to_string(q->cert_data_type) +
                                    " is not QE report (6)");
  RA_RETURN_IF_ERROR(sig.U32("certification data size", &q->cert_data_size));
  Reader cd(ByteView{});
  RA_RETURN_IF_ERROR(sig.Sub(q->cert_data_size, "certification data", &cd));
  RA_RETURN_IF_ERROR(ExpectEmpty(sig, "signature data"));
  return ParseQeCertData(cd, q);
}

}  // namespace

Status ParseTdxQuote(ByteView in, TdxQuote* out) {
  if (!out) return Status::Fail(kCheck, "no output");
  if (!in.data && in.size) return Status::Fail(kCheck, "no input");
  TdxQuote q;
  Reader r(in);
  RA_RETURN_IF_ERROR(ParseHeader(r, &q));
  RA_RETURN_IF_ERROR(ParseBody(r, &q));
  q.signed_region.assign(in.data, r.pos());
  RA_RETURN_IF_ERROR(ParseSignatureData(r, &q));
  *out = std::move(q);
  return Status();
}

namespace {

using JsonPtr = std::unique_ptr<json_t, decltype(&json_decref)>;

void SetHex(json_t* obj, const char* key, ByteView v) {
  json_object_set_new(obj, key, json_string(HexEncode(v).c_str()));
}
template <size_t N>
void SetHex(json_t* obj, const char* key, const std::array<uint8_t, N>& a) {
  SetHex(obj, key, ByteView(a.data(), N));
}

}  // namespace

std::string TdxQuoteToJson(const TdxQuote& q) {
  JsonPtr obj(json_object(), json_decref);
  if (!obj) return "{}";
  json_t* o = obj.get();
  json_object_set_new(o, "version", json_integer(q.version));
  json_object_set_new(o, "tee_type", json_integer(q.tee_type));
  json_object_set_new(o, "body_type", json_integer(q.body_type));
  // FMSPC comes from the (unverified) PCK leaf certificate; "" when the
  // chain or the extension cannot be read, so inspect still shows the rest.
  PckExtensions ext;
  std::string fmspc;
  if (PckExtensionsFromPem(q.pck_chain_pem, &ext).ok())
    fmspc = HexEncode(ByteView(ext.fmspc.data(), ext.fmspc.size()));
  json_object_set_new(o, "fmspc", json_string(fmspc.c_str()));
  const TdReportBody& b = q.body;
  SetHex(o, "tee_tcb_svn", b.tee_tcb_svn);
  SetHex(o, "mrseam", b.mr_seam);
  SetHex(o, "mrsignerseam", b.mr_signer_seam);
  SetHex(o, "seam_attributes", b.seam_attributes);
  SetHex(o, "td_attributes", b.td_attributes);
  SetHex(o, "xfam", b.xfam);
  SetHex(o, "mrtd", b.mr_td);
  SetHex(o, "mrconfigid", b.mr_config_id);
  SetHex(o, "mrowner", b.mr_owner);
  SetHex(o, "mrownerconfig", b.mr_owner_config);
  static const char* const kRtmr[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
  for (size_t i = 0; i < 4; i++) SetHex(o, kRtmr[i], b.rtmr[i]);
  SetHex(o, "report_data", b.report_data);
  if (q.body_type == kTdxBodyTypeTdx15) {
    SetHex(o, "tee_tcb_svn2", b.tee_tcb_svn2);
    SetHex(o, "mrservicetd", b.mr_service_td);
  }
  json_object_set_new(o, "trailing_bytes",
                      json_integer(static_cast<json_int_t>(q.trailing_bytes)));
  std::unique_ptr<char, decltype(&free)> s(json_dumps(o, JSON_INDENT(2)),
                                           free);
  return s ? std::string(s.get()) : std::string("{}");
}

}  // namespace ra
