// A software SEV-SNP for tests and the demo: its own "AMD" (an ARK and an
// ASK, RSA, signing RSASSA-PSS SHA-384 as AMD does), a VCEK (EC P-384)
// carrying AMD's extensions for the chip's TCB and hwID, and reports of
// version 3 signed by the VCEK exactly as the PSP signs them.  Only a
// verifier given DIR/ark.pem as its SNP trust anchor accepts them.
//
// Not registered as a provider here: provider "sim-snp:DIR" and
// `ssh-attest sim-init --snp DIR` are wired by the integrator on top of
// SimSnpInit / SimSnpGetReport.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <ctime>
#include <string>
#include <vector>

#include "common/status.h"
#include "parse/snp_report.h"
#include "provider/ossl_util.h"

namespace ra {

// What the simulated chip and guest are.
struct SimSnpGuest {
  SnpProduct product = SnpProduct::kMilan;
  SnpTcbParts tcb{0, 4, 0, 22, 213};  // fmc (Turin only), bl, tee, snp, ucode
  std::array<uint8_t, 64> chip_id{};
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  uint64_t policy = 0x30000;  // SMT allowed, reserved bit 17; bit 19 = debug
  uint32_t vmpl = 0;
  uint64_t platform_info = 0x1;
  // Signed by a VLEK (SimSnpIssueVlek): SIGNING_KEY 1, CHIP_ID zero, as
  // a cloud provider's VLEK-signed reports are.
  bool vlek = false;
  // VERSION: 3, or 2 (no CPUID fields, as firmware before 1.55 wrote).
  uint32_t version = 3;
};

// The chain and keys, in memory.
struct SimSnpChain {
  ossl::PkeyPtr ark_key, ask_key, vcek_key;
  ossl::X509Ptr ark, ask, vcek;
};

struct SimSnpChainOptions {
  int rsa_bits = 4096;  // AMD's size; tests may use less for speed
  std::time_t not_before = 0;  // 0: now - 1 day
  long valid_days = 3650;
};

// A fresh ARK -> ASK -> VCEK for guest (product names, TCB and hwID in
// the VCEK).  Fails with check "sim snp".
Status SimSnpMakeChain(const SimSnpGuest& guest, const SimSnpChainOptions& options,
                       SimSnpChain* out);

// One more VCEK from chain's ASK, for guest (another chip or TCB): what a
// KDS emulator serves when told to answer for the wrong chip.
Status SimSnpIssueVcek(const SimSnpChain& chain, const SimSnpGuest& guest,
                       const SimSnpChainOptions& options, ossl::X509Ptr* vcek,
                       ossl::PkeyPtr* key);

// A VLEK chain from chain's ARK: an ASVK ("SEV-VLEK-<product>", RSA-PSS
// as AMD signs) and a VLEK (EC P-384, "SEV-VLEK") with the TCB and
// productName extensions and csp_id, and no hwID (a VLEK names no chip).
struct SimSnpVlek {
  ossl::PkeyPtr asvk_key, vlek_key;
  ossl::X509Ptr asvk, vlek;
};
Status SimSnpIssueVlek(const SimSnpChain& chain, const SimSnpGuest& guest,
                       const SimSnpChainOptions& options, const std::string& csp_id,
                       SimSnpVlek* out);

// A version 3 report for guest with report_data, signed by vcek_key.
Status SimSnpSignReport(const SimSnpGuest& guest, const std::array<uint8_t, 64>& report_data,
                        EVP_PKEY* vcek_key, Bytes* report);

// The extended report's certificate table: VCEK, ASK, ARK (DER).
Status SimSnpCertTable(const SimSnpChain& chain, Bytes* table);

// A CRL the ARK signs (RSA-PSS SHA-384), revoking the given certificates,
// valid from last_update for a week.
Status SimSnpMakeCrl(const SimSnpChain& chain, const std::vector<X509*>& revoked,
                     std::time_t last_update, Bytes* der);

// On disk: DIR (mode 0700) gets ark.pem, ask.pem, vcek.pem, vcek.key
// (0600) and guest.conf ("name HEX" lines: product, tcb, chip_id,
// measurement, host_data, policy, vmpl).  Refuses a DIR that has them.
struct SimSnpInitOptions {
  SnpProduct product = SnpProduct::kMilan;
  std::string measurement_hex;  // 96 hex digits; empty: random
  bool debug = false;           // guest policy bit 19
  int rsa_bits = 4096;          // ARK and ASK key size (tests use less)
};
Status SimSnpInit(const std::string& dir, const SimSnpInitOptions& options);

// A report for report_data and the certificate table, from DIR.
Status SimSnpGetReport(const std::string& dir, const std::array<uint8_t, 64>& report_data,
                       Bytes* report, Bytes* cert_table);

constexpr const char* kSimSnpArkPem = "ark.pem";
constexpr const char* kSimSnpAskPem = "ask.pem";
constexpr const char* kSimSnpVcekPem = "vcek.pem";
constexpr const char* kSimSnpVcekKey = "vcek.key";
constexpr const char* kSimSnpGuestConf = "guest.conf";

}  // namespace ra
