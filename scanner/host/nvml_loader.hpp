#pragma once
// NVML (libnvidia-ml.so.1), loaded at run time. envlock never links against
// it: a host without the NVIDIA driver must scan like any other, and the
// library is only ever opened on a live host, never from a scanned image.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace envlock::scanner {

/// The soname the NVIDIA driver installs; the dynamic loader finds it.
inline constexpr std::string_view kNvmlLibrary = "libnvidia-ml.so.1";

/// One GPU as NVML reports it. A field NVML could not answer stays empty / 0.
struct NvmlGpu {
  std::string name;                ///< "NVIDIA H100 80GB HBM3"
  std::string bus;                 ///< "0000:3b:00.0" (normalized, see normalize_pci_bus)
  std::string pci_id;              ///< "10de:2330"
  std::string compute_capability;  ///< "9.0"
  std::int64_t memory_bytes = 0;   ///< total framebuffer memory
};

struct NvmlSnapshot {
  std::string driver;                 ///< nvmlSystemGetDriverVersion, "550.54.14"
  std::vector<NvmlGpu> gpus;          ///< in NVML index order
  std::vector<std::string> warnings;  ///< per-device calls that failed; the rest was kept
};

/// Opens `library` with dlopen, initializes NVML, reads every device and
/// shuts NVML down again. nullopt when the library cannot be loaded (no
/// NVIDIA driver: a clean "no NVML"); an error naming the library and the
/// call when it loads but a required symbol is missing, nvmlInit_v2 or
/// nvmlDeviceGetCount_v2 fails.
Result<std::optional<NvmlSnapshot>> query_nvml(std::string_view library = kNvmlLibrary);

/// "00000000:3B:00.0", "0000:3b:00.0" or "3b:00.0" -> "0000:3b:00.0"
/// (domain at least 4 hex digits, lower case). Text it cannot parse is
/// returned lower-cased.
std::string normalize_pci_bus(std::string_view bus);

}  // namespace envlock::scanner
