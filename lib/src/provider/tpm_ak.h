// The attestation key (AK) of the `tpm` provider: made by `ssh-attest
// tpm-init`, then loaded for each quote.
//
// The AK is a restricted signing key (fixedTPM, fixedParent,
// sensitiveDataOrigin, userWithAuth, restricted, sign; empty auth): RSA
// 2048 RSASSA-SHA256 or ECC NIST P-256 ECDSA-SHA256.  Its parent is the
// owner hierarchy's storage primary of the TCG template (ECC P-256,
// AES-128-CFB, restricted decrypt, noDA, empty unique), which the TPM
// derives from the owner seed the same way every time, so it is made
// again (CreatePrimary) rather than kept.  The AK is then either
//   - persisted at a handle in 0x81000000..0x81FFFFFF (EvictControl), or
//   - saved to a file as "RASSHAK1" || TPM2B_PUBLIC || TPM2B_PRIVATE (the
//     private part wrapped by the parent: useless off this TPM), which,
//     unlike a saved context, survives a TPM reset (reboot).
// Both need an empty owner authorization (the default).
#pragma once

#include <tss2/tss2_esys.h>

#include <cstdint>
#include <string>

#include "common/status.h"
#include "provider/esys_session.h"

namespace ra {

constexpr uint32_t kTpmPersistentFirst = 0x81000000;
constexpr uint32_t kTpmPersistentLast = 0x81FFFFFF;
constexpr char kTpmAkFileMagic[] = "RASSHAK1";  // 8 bytes, no NUL on disk
constexpr size_t kMaxTpmAkFileLen = 4096;

enum class TpmAkAlg { kRsa2048, kEccP256 };

// Where the AK is: a persistent handle, or a file written by tpm-init.
struct TpmAkRef {
  uint32_t handle = 0;  // nonzero: persistent handle
  std::string file;     // otherwise
};

// "0x81000003" (a persistent handle) or an absolute path.
Status ParseTpmAkRef(const std::string& text, TpmAkRef* out);

// The AK loaded in a session; flushed (file) or closed (handle) on scope exit.
struct LoadedTpmAk {
  explicit LoadedTpmAk(ESYS_CONTEXT* ctx) : tr(ctx) {}
  EsysHandle tr;
  TPM2B_PUBLIC pub = {};
};

// Loads ref (checks a persistent handle exists first, since ESAPI logs a
// failed lookup) and reads its public area.
Status LoadTpmAk(ESYS_CONTEXT* ctx, const TpmAkRef& ref, LoadedTpmAk* out);

struct TpmInitOptions {
  std::string tcti = kDefaultTcti;
  TpmAkAlg alg = TpmAkAlg::kRsa2048;
  TpmAkRef dest;  // a handle to persist at (must be free), or a file to create
};

// Creates an AK as above and stores it at opt.dest; *public_pem is its
// public key as PEM (SubjectPublicKeyInfo), for the client's `TpmAk FILE`.
Status TpmInitAk(const TpmInitOptions& opt, std::string* public_pem);

// The public key of a marshalled TPMT_PUBLIC as PEM.
Status TpmPublicToPem(const TPM2B_PUBLIC& pub, std::string* pem);

}  // namespace ra
