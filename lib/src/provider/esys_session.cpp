#include "provider/esys_session.h"

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

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

}  // namespace ra
