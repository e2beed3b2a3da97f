// The AMD extensions of a VCEK or VLEK certificate (AMD's "Versioned Chip
// Endorsement Key (VCEK) Certificate and KDS Interface Specification",
// publication 57230), OIDs under 1.3.6.1.4.1.3704.1:
//
//   .1 structVersion INTEGER     .2 productName IA5String ("Milan-B0",
//   "Genoa", "Turin", ...)       .3.1 blSPL  .3.2 teeSPL  .3.3 snpSPL
//   .3.8 ucodeSPL  .3.9 fmcSPL (Turin)   (INTEGER each, 0..255)
//   .4 hwID: the chip's CHIP_ID, the extension's raw 64 bytes (Turin:
//      8, structVersion 1; a DER OCTET STRING of either is unwrapped)
//      (VCEK only)
//   .5 csp_id IA5String: the cloud provider a VLEK was issued to (VLEK only)
//
// An extension that is present but malformed, or present twice, is
// refused (check "snp vcek extensions"); absent ones are reported absent.
// Whether they match a report is verify/'s business.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <string>

#include "common/status.h"

namespace ra {

struct SnpVcekExtensions {
  bool has_struct_version = false;
  long struct_version = 0;
  bool has_product_name = false;
  std::string product_name;
  bool has_bl_spl = false, has_tee_spl = false, has_snp_spl = false;
  bool has_ucode_spl = false, has_fmc_spl = false;
  uint8_t bl_spl = 0, tee_spl = 0, snp_spl = 0, ucode_spl = 0, fmc_spl = 0;
  bool has_hwid = false;
  Bytes hwid;
  bool has_csp_id = false;
  std::string csp_id;
};

Status ParseSnpVcekExtensions(X509* cert, SnpVcekExtensions* out);

}  // namespace ra
