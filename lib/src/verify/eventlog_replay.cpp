#include "verify/eventlog_replay.h"

#include <openssl/crypto.h>

#include <cstring>

#include "common/bytes_util.h"
#include "common/openssl_error.h"
#include "verify/digest_hasher.h"

namespace ra {
namespace {

constexpr const char* kCheck = "event log replay";

// value = H(value || digest); value.size() is H's size.
Status Extend(DigestHasher* h, Bytes* value, const Bytes& digest) {
  if (digest.size() != value->size()) return Status::Fail(kCheck, "digest size");
  if (!h->Hash(value->data(), value->size(), digest.data(), digest.size(), value->data()))
    return Status::Fail(kCheck, OpenSslError());
  return Status();
}

std::string At(const TcgEvent& e) {
  return "event at offset " + std::to_string(e.offset) + " (PCR " +
         std::to_string(e.pcr_index) + ", " + TcgEventTypeName(e.event_type) + ")";
}

Bytes InitialPcr(uint32_t pcr, size_t size) {
  return Bytes(size, pcr >= 17 && pcr <= 22 ? 0xFF : 0x00);
}

// StartupLocality sets PCR 0's initial value; only before PCR 0 moves.
Status ApplyNoAction(const TcgEvent& e, ReplayedPcrs* r) {
  TcgEventInfo info;
  if (!DecodeTcgEvent(e, &info).ok() || !info.has_startup_locality) return Status();
  if (e.pcr_index != 0 || (r->extended & 1u) || r->has_startup_locality)
    return Status::Fail(kCheck, At(e) + ": StartupLocality after PCR 0 was set");
  r->has_startup_locality = true;
  r->startup_locality = info.startup_locality;
  r->value[0].back() = info.startup_locality;
  return Status();
}

}  // namespace

Status ReplayTcgEventLog(const TcgEventLog& log, uint16_t hash_alg, ReplayedPcrs* out) {
  const EVP_MD* md = TpmHashMd(hash_alg);
  if (md == nullptr) return Status::Fail(kCheck, "cannot replay bank " + TpmHashName(hash_alg));
  bool declared = false;
  for (const auto& a : log.algorithms) declared |= a.alg == hash_alg;
  if (!declared) return Status::Fail(kCheck, "the log has no " + TpmHashName(hash_alg) + " bank");
  DigestHasher h(md);
  ReplayedPcrs r;
  r.hash_alg = hash_alg;
  for (uint32_t i = 0; i < kTpmMaxPcrs; i++) r.value[i] = InitialPcr(i, TpmHashSize(hash_alg));
  for (const TcgEvent& e : log.events) {
    if (e.event_type == kEvNoAction) {
      RA_RETURN_IF_ERROR(ApplyNoAction(e, &r));
      continue;
    }
    if (e.pcr_index >= kTpmMaxPcrs) return Status::Fail(kCheck, At(e) + ": no such PCR");
    const Bytes* d = e.DigestFor(hash_alg);
    if (d == nullptr) return Status::Fail(kCheck, At(e) + ": no " + TpmHashName(hash_alg) + " digest");
    RA_RETURN_IF_ERROR(Extend(&h, &r.value[e.pcr_index], *d));
    r.extended |= 1u << e.pcr_index;
  }
  *out = std::move(r);
  return Status();
}

Status CheckReplayedPcrs(const ReplayedPcrs& replayed, const TpmPcrValues& quoted,
                         const std::vector<uint32_t>& pcr_indices) {
  const std::string bank = TpmHashName(replayed.hash_alg);
  auto b = quoted.find(replayed.hash_alg);
  for (uint32_t pcr : pcr_indices) {
    if (pcr >= kTpmMaxPcrs) return Status::Fail(kCheck, "no PCR " + std::to_string(pcr));
    const Bytes* q = nullptr;
    if (b != quoted.end()) {
      auto it = b->second.find(pcr);
      if (it != b->second.end()) q = &it->second;
    }
    if (q == nullptr)
      return Status::Fail(kCheck, "PCR " + std::to_string(pcr) + " (" + bank + ") not quoted");
    const Bytes& v = replayed.value[pcr];
    if (q->size() != v.size() || CRYPTO_memcmp(q->data(), v.data(), v.size()) != 0)
      return Status::Fail(kCheck, "the log does not reproduce PCR " + std::to_string(pcr) +
                                      " (" + bank + ")");
  }
  return Status();
}

std::vector<uint32_t> ExtendedPcrs(const ReplayedPcrs& replayed) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < kTpmMaxPcrs; i++)
    if (replayed.extended & (1u << i)) out.push_back(i);
  return out;
}

Status ReplayCcelRtmrs(const TcgEventLog& log, std::array<Rtmr, 4>* out) {
  DigestHasher h(EVP_sha384());
  std::array<Bytes, 4> rtmr;
  for (auto& r : rtmr) r.assign(48, 0);
  for (const TcgEvent& e : log.events) {
    if (e.event_type == kEvNoAction || e.pcr_index == 0) continue;
    if (e.pcr_index > 4) return Status::Fail(kCheck, At(e) + ": no such MR index");
    const Bytes* d = e.DigestFor(kTpmAlgSha384);
    if (d == nullptr) return Status::Fail(kCheck, At(e) + ": no sha384 digest");
    RA_RETURN_IF_ERROR(Extend(&h, &rtmr[e.pcr_index - 1], *d));
  }
  for (size_t i = 0; i < 4; i++) std::memcpy((*out)[i].data(), rtmr[i].data(), 48);
  return Status();
}

Status CheckReplayedRtmrs(const std::array<Rtmr, 4>& replayed,
                          const std::array<Rtmr, 4>& quoted) {
  for (size_t i = 0; i < 4; i++)
    if (CRYPTO_memcmp(replayed[i].data(), quoted[i].data(), 48) != 0)
      return Status::Fail(kCheck, "the log does not reproduce RTMR" + std::to_string(i));
  return Status();
}

namespace {

bool DigestIs(DigestHasher* h, const Bytes& want, const uint8_t* data, size_t len) {
  uint8_t d[EVP_MAX_MD_SIZE];
  return h->Hash(data, len, nullptr, 0, d) && CRYPTO_memcmp(d, want.data(), want.size()) == 0;
}

}  // namespace

Status CheckTcgEventDataDigest(const TcgEvent& e, uint16_t alg) {
  const char* check = "event data digest";
  const EVP_MD* md = TpmHashMd(alg);
  const Bytes* want = e.DigestFor(alg);
  if (md == nullptr || want == nullptr || want->size() != TpmHashSize(alg))
    return Status::Fail(check, At(e) + ": no " + TpmHashName(alg) + " digest");
  DigestHasher h(md);
  switch (e.event_type) {
    case kEvSeparator:
    case kEvEfiAction:
    case kEvEfiVariableDriverConfig:
    case kEvEfiVariableAuthority:
      if (DigestIs(&h, *want, e.data.data(), e.data.size())) return Status();
      break;
    case kEvEfiVariableBoot:
    case kEvEfiVariableBoot2: {
      if (DigestIs(&h, *want, e.data.data(), e.data.size())) return Status();
      TcgEventInfo info;
      if (DecodeTcgEvent(e, &info).ok() &&
          DigestIs(&h, *want, info.efi_data.data(), info.efi_data.size()))
        return Status();
      break;
    }
    default:
      return Status::Fail(check, At(e) + ": not checkable");
  }
  return Status::Fail(check, At(e) + ": the data is not what was measured");
}

Status EfiSecureBootEnabled(const TcgEventLog& log, uint16_t alg, bool* enabled) {
  static const char kEfiGlobalVariable[] = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
  const TcgEvent* found = nullptr;
  TcgEventInfo info;
  for (const TcgEvent& e : log.events) {
    if (e.pcr_index != 7 || e.event_type != kEvEfiVariableDriverConfig) continue;
    TcgEventInfo i;
    if (DecodeTcgEvent(e, &i).ok() && i.efi_name == "SecureBoot" && i.efi_guid == kEfiGlobalVariable) {
      found = &e;
      info = std::move(i);
    }
  }
  if (found == nullptr) return Status::Fail("secure boot", "no SecureBoot variable event in PCR 7");
  RA_RETURN_IF_ERROR(CheckTcgEventDataDigest(*found, alg));
  *enabled = info.efi_data.size() == 1 && info.efi_data[0] == 1;
  return Status();
}

}  // namespace ra
