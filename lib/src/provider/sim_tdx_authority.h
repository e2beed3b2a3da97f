// The software TDX's "manufacturer": a test PCK certificate chain (root,
// intermediate, PCK leaf carrying Intel's SGX extension), the PCK and
// attestation keys, and the TD's measurements.  `ssh-attest sim-init DIR`
// writes them; the sim provider reads them.  Only a policy that names
// DIR/root.pem as its TDX trust anchor accepts what this signs.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "parse/tdx_quote.h"

namespace ra {

struct SimInitOptions {
  std::string mrtd_hex;           // 96 hex digits; empty: random
  std::string mrconfigid_hex;     // 96 hex digits; empty: zero
  std::string mrowner_hex;        // 96 hex digits; empty: zero
  std::string td_attributes_hex;  // 16 hex digits, quote byte order; empty: default
  std::string xfam_hex;           // 16 hex digits, quote byte order; empty: default
  bool debug = false;             // set TDATTRIBUTES bit 0 (DEBUG)
  // A CCEL event log (SimBuildCcel) whose replay gives the RTMRs, sent by
  // the provider as a tdx-eventlog item; kernel names its RTMR1 kernel.
  bool eventlog = false;
  std::string kernel = "vmlinuz";
};

// Creates DIR (mode 0700) if needed and writes root.pem, chain.pem (leaf,
// intermediate, root), pck.key and attestation.key (mode 0600), td.conf
// and, with options.eventlog, the TD's CCEL (acpi/CCEL, acpi/data/CCEL:
// SimBuildCcel; td.conf's RTMRs are then its replay).
// A DIR that already holds the whole set keeps its keys and certificates
// and gets a new td.conf and CCEL (or loses its CCEL, without
// options.eventlog) only: new measurements, same trust anchor, a TD whose
// software changed; a DIR holding only part of the set is refused,
// so keys are never replaced behind a policy's back.
Status SimInit(const std::string& dir, const SimInitOptions& options);

// td.conf: "name HEX" lines; byte strings as they appear in the quote.
// They are the fields of the TD report body the sim's quotes carry:
// tee_tcb_svn, mrseam, td_attributes, xfam, mrtd and rtmr0-3, and
// (optional, older files lack them: zero when absent) mrconfigid, mrowner
// and mrownerconfig.  MRSIGNERSEAM and SEAMATTRIBUTES stay zero, as for
// Intel's own TDX module; REPORTDATA is each quote's.
using SimTdConfig = TdReportBody;

Status LoadSimTdConfig(const std::string& path, SimTdConfig* out);

// The TDX module and the quoting enclave of a sim TD, for the Azure path's
// test doubles (the vTPM's HCL report, the IMDS quote endpoint):
// SimMakeTdReport writes the 1024-byte TD report the module would for
// report_data, MACed with a key derived from DIR's attestation key as the
// CPU MACs real ones; SimQuoteTdReport checks that MAC (and the hashes it
// covers), as the quoting enclave does, then signs a quote over the
// report's fields.
Status SimMakeTdReport(const std::string& dir, const std::array<uint8_t, 64>& report_data,
                       Bytes* out);
Status SimQuoteTdReport(const std::string& dir, ByteView td_report, Bytes* quote);

// The sim TD's CCEL (provider/sim_tdx_eventlog.cpp): the 56-byte ACPI
// table and a 64 KiB log area, laid out as Linux shows them under
// /sys/firmware/acpi/tables, and the RTMRs its replay gives.  Events
// (each digest SHA-384 of its text): RTMR0 "ra-ssh sim firmware boot
// HEX(boot_id)" and a separator; RTMR1 "ra-ssh sim kernel KERNEL",
// "ra-ssh sim initrd" and a separator; RTMR2 "ra-ssh sim cmdline ...";
// RTMR3 "ra-ssh sim runtime".
struct SimCcel {
  Bytes table;
  Bytes area;
  std::array<std::array<uint8_t, 48>, 4> rtmr{};
};
Status SimBuildCcel(const std::string& kernel, const std::array<uint8_t, 16>& boot_id,
                    SimCcel* out);

// File names inside a sim directory.
constexpr const char* kSimRootPem = "root.pem";
constexpr const char* kSimChainPem = "chain.pem";
constexpr const char* kSimPckKey = "pck.key";
constexpr const char* kSimAttestationKey = "attestation.key";
constexpr const char* kSimTdConf = "td.conf";
// As /sys/firmware/acpi/tables: acpi/CCEL and acpi/data/CCEL.
constexpr const char* kSimAcpiDir = "acpi";

}  // namespace ra
