#include "provider/esys_session.h"

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <algorithm>
#include <cstdlib>

namespace ra {

Status TpmFail(const std::string& check, const std::string& what, TSS2_RC rc) {
  return Status::Fail(check, what + ": " + Tss2_RC_Decode(rc));
}

void QuietTss2Log() { setenv("TSS2_LOG", "all+NONE", 0); }

EsysSession::~EsysSession() {
  if (ctx_) Esys_Finalize(&ctx_);
  if (tcti_) Tss2_TctiLdr_Finalize(&tcti_);
}

Status EsysSession::Open(const std::string& check, const std::string& conf) {
  TSS2_RC rc = Tss2_TctiLdr_Initialize(conf.c_str(), &tcti_);
  if (rc != TSS2_RC_SUCCESS) return TpmFail(check, "TPM connection " + conf, rc);
  rc = Esys_Initialize(&ctx_, tcti_, nullptr);
  if (rc != TSS2_RC_SUCCESS) return TpmFail(check, "ESAPI initialization", rc);
  rc = Esys_SetTimeout(ctx_, kEsysTimeoutMs);
  if (rc != TSS2_RC_SUCCESS) return TpmFail(check, "ESAPI timeout", rc);
  return Status();
}

void EsysHandle::Reset() {
  if (tr_ != ESYS_TR_NONE) {
    if (transient_)
      Esys_FlushContext(ctx_, tr_);
    else
      Esys_TR_Close(ctx_, &tr_);
  }
  tr_ = ESYS_TR_NONE;
  transient_ = false;
}

Status HandleDefined(ESYS_CONTEXT* ctx, const std::string& check, uint32_t handle,
                     bool* defined) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* cap = nullptr;
  TSS2_RC rc = Esys_GetCapability(ctx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                  TPM2_CAP_HANDLES, handle, 1, &more, &cap);
  if (rc != TSS2_RC_SUCCESS) return TpmFail(check, "listing TPM handles", rc);
  *defined = cap->data.handles.count >= 1 && cap->data.handles.handle[0] == handle;
  Esys_Free(cap);
  return Status();
}

Status NvIndexOpen(ESYS_CONTEXT* ctx, const std::string& check, uint32_t index, ESYS_TR* tr,
                   uint16_t* size) {
  TSS2_RC rc = Esys_TR_FromTPMPublic(ctx, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, tr);
  if (rc != TSS2_RC_SUCCESS) return TpmFail(check, "NV index lookup", rc);
  TPM2B_NV_PUBLIC* pub = nullptr;
  TPM2B_NAME* name = nullptr;
  rc = Esys_NV_ReadPublic(ctx, *tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
  if (rc != TSS2_RC_SUCCESS) return TpmFail(check, "NV read public", rc);
  *size = pub->nvPublic.dataSize;
  Esys_Free(pub);
  Esys_Free(name);
  return Status();
}

namespace {

uint16_t NvChunkSize(ESYS_CONTEXT* ctx) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* cap = nullptr;
  uint16_t chunk = 512;  // every TPM can do this much
  TSS2_RC rc = Esys_GetCapability(ctx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                  TPM2_CAP_TPM_PROPERTIES, TPM2_PT_NV_BUFFER_MAX, 1, &more,
                                  &cap);
  if (rc == TSS2_RC_SUCCESS && cap->data.tpmProperties.count == 1 &&
      cap->data.tpmProperties.tpmProperty[0].property == TPM2_PT_NV_BUFFER_MAX) {
    uint32_t v = cap->data.tpmProperties.tpmProperty[0].value;
    chunk = static_cast<uint16_t>(std::min<uint32_t>(
        std::max<uint32_t>(v, 64), sizeof(TPM2B_MAX_NV_BUFFER::buffer)));
  }
  Esys_Free(cap);
  return chunk;
}

}  // namespace

Status NvIndexRead(ESYS_CONTEXT* ctx, const std::string& check, ESYS_TR tr, uint16_t size,
                   const std::string& what, Bytes* out) {
  const uint16_t chunk = NvChunkSize(ctx);
  Bytes data;
  data.reserve(size);
  while (data.size() < size) {
    uint16_t n = static_cast<uint16_t>(std::min<size_t>(chunk, size - data.size()));
    TPM2B_MAX_NV_BUFFER* part = nullptr;
    TSS2_RC rc = Esys_NV_Read(ctx, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                              ESYS_TR_NONE, n, static_cast<uint16_t>(data.size()), &part);
    if (rc != TSS2_RC_SUCCESS) return TpmFail(check, "reading " + what, rc);
    // A TPM answering with more (or less) than asked is not trusted to
    // have answered this read at all.
    bool ok = part->size == n;
    if (ok) data.insert(data.end(), part->buffer, part->buffer + n);
    Esys_Free(part);
    if (!ok) return Status::Fail(check, "NV read returned another length than asked");
  }
  *out = std::move(data);
  return Status();
}

}  // namespace ra
