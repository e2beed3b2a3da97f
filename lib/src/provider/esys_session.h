// One TCTI + ESAPI connection to a TPM, as the providers that talk to a TPM
// (azure-vtpm, tpm) and `ssh-attest tpm-init` open it: every command
// bounded by a timeout, tpm2-tss's own stderr logging off, errors as a
// Status naming the check and the TSS return code.
#pragma once

#include <tss2/tss2_esys.h>

#include <cstdint>
#include <string>

#include "common/status.h"

namespace ra {

constexpr const char* kDefaultTcti = "device:/dev/tpmrm0";
// Per TPM command.  An RSA key generation on a slow TPM takes seconds.
constexpr int32_t kEsysTimeoutMs = 10000;

// check: what failed ("azure-vtpm"); what: the step; rc: the TSS code.
Status TpmFail(const std::string& check, const std::string& what, TSS2_RC rc);

// tpm2-tss logs its errors to stderr (sshd's log, ssh-attest's one-line
// contract); they come back as return codes and are reported with the
// check that failed.  An operator's own TSS2_LOG is left alone.
void QuietTss2Log();

class EsysSession {
 public:
  EsysSession() = default;
  ~EsysSession();
  EsysSession(const EsysSession&) = delete;
  EsysSession& operator=(const EsysSession&) = delete;

  // conf: a tpm2-tss TCTI configuration ("device:/dev/tpmrm0",
  // "swtpm:host=127.0.0.1,port=N").
  Status Open(const std::string& check, const std::string& conf);
  ESYS_CONTEXT* ctx() { return ctx_; }

 private:
  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* ctx_ = nullptr;
};

// An ESYS_TR closed (or, for a transient object, flushed) on every path.
class EsysHandle {
 public:
  explicit EsysHandle(ESYS_CONTEXT* c) : ctx_(c) {}
  ~EsysHandle() { Reset(); }
  EsysHandle(const EsysHandle&) = delete;
  EsysHandle& operator=(const EsysHandle&) = delete;
  ESYS_TR* out() { Reset(); return &tr_; }
  ESYS_TR get() const { return tr_; }
  // A transient object (loaded, created) is flushed from the TPM rather
  // than only forgotten by ESAPI.
  void set_transient(bool t) { transient_ = t; }
  void Reset();

 private:
  ESYS_CONTEXT* ctx_;
  ESYS_TR tr_ = ESYS_TR_NONE;
  bool transient_ = false;
};

// Whether a handle (an NV index, a persistent object) is defined.  Asked
// as a capability rather than by looking the handle up, because a failed
// lookup makes tpm2-tss log to stderr.
Status HandleDefined(ESYS_CONTEXT* ctx, const std::string& check, uint32_t handle,
                     bool* defined);
inline Status NvIndexDefined(ESYS_CONTEXT* ctx, const std::string& check, uint32_t index,
                             bool* defined) {
  return HandleDefined(ctx, check, index, defined);
}
// Looks the NV index up (*tr) and reads its public area: its size.
Status NvIndexOpen(ESYS_CONTEXT* ctx, const std::string& check, uint32_t index, ESYS_TR* tr,
                   uint16_t* size);
// size bytes of an open NV index with owner authorization, in the chunks
// the TPM takes (TPM_PT_NV_BUFFER_MAX); what names it in errors.
Status NvIndexRead(ESYS_CONTEXT* ctx, const std::string& check, ESYS_TR tr, uint16_t size,
                   const std::string& what, Bytes* out);

}  // namespace ra
