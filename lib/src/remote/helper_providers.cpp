// The tpm2-tss providers (tpm, azure-vtpm) in sshd and sshd-session:
// opening runs the helper once to open the real provider (so sshd -t and
// start-up still report a missing TPM), each Collect runs it to open and
// collect; the binding goes in, the items come out.  In sshd-session this
// happens in the monitor's production child, whose deadline kills the
// helper with it.
#include <memory>
#include <string>

#include "common/helper_client.h"
#include "common/helper_wire.h"
#include "provider/providers.h"
#include "provider/tpm_provider.h"

namespace ra {
namespace {

// The helper's own provider calls are bounded by the provider's options
// and, in sshd, by AttestationProviderTimeout; this is the backstop.
constexpr int64_t kProviderHelperMs = 300 * 1000;

class HelperProvider : public EvidenceProvider {
 public:
  explicit HelperProvider(std::string spec) : spec_(std::move(spec)) {}
  Status Collect(const Binding& binding, std::vector<EvidenceItem>* out) override {
    Bytes answer;
    RA_RETURN_IF_ERROR(RunHelper(EncodeProviderRequest(HelperMsg::kCollect, spec_, &binding),
                                 MonotonicMs() + kProviderHelperMs, &answer));
    return DecodeCollectAnswer(answer, out);
  }

 private:
  std::string spec_;
};

Status OpenThroughHelper(const std::string& spec, std::unique_ptr<EvidenceProvider>* out) {
  Bytes answer;
  RA_RETURN_IF_ERROR(RunHelper(EncodeProviderRequest(HelperMsg::kOpen, spec, nullptr),
                               MonotonicMs() + kProviderHelperMs, &answer));
  RA_RETURN_IF_ERROR(DecodeOpenAnswer(answer));
  *out = std::make_unique<HelperProvider>(spec);
  return Status();
}

}  // namespace

// The registry passes what follows the provider's name (";options").
Status OpenTpmProvider(const std::string& options, std::unique_ptr<EvidenceProvider>* out) {
  return OpenThroughHelper("tpm" + options, out);
}

Status OpenAzureVtpmProvider(const std::string& options,
                             std::unique_ptr<EvidenceProvider>* out) {
  return OpenThroughHelper("azure-vtpm" + options, out);
}

}  // namespace ra
