// libFuzzer target for the /proc text parsers of the hardware probes:
// /proc/cpuinfo (x86 and arm64 layouts), /proc/meminfo, and the NVIDIA
// driver's version and information files. Any bytes must parse without
// crashing or hanging, and what comes out must keep the parsers' promises.
// Seeds: fixtures/fuzz/cpuinfo/.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scanner/host/cpu_probe.hpp"
#include "scanner/host/gpu_probe.hpp"
#include "scanner/host/nvml_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace envlock::scanner;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const CpuInfo info = parse_cpuinfo(text);
  // Flags are sorted, unique, bounded tokens with no whitespace.
  if (!std::is_sorted(info.flags.begin(), info.flags.end())) __builtin_trap();
  if (std::adjacent_find(info.flags.begin(), info.flags.end()) != info.flags.end()) __builtin_trap();
  for (const auto& f : info.flags) {
    if (f.empty() || f.size() > 64 || f.find_first_of(" \t\n") != std::string::npos) __builtin_trap();
  }
  if (info.logical < 0 || info.sockets < 0) __builtin_trap();
  // Merging never invents a flag that neither side had.
  const auto merged = merge_cpu_flags(info.flags, {"avx", "sse2"});
  for (const auto& f : merged) {
    if (!std::binary_search(info.flags.begin(), info.flags.end(), f) && f != "avx" && f != "sse2") {
      __builtin_trap();
    }
  }

  if (auto total = parse_meminfo_total(text); total && *total < 0) __builtin_trap();

  const auto gpu = parse_nvidia_information(text);
  if (!gpu.bus.empty() && normalize_pci_bus(gpu.bus) != gpu.bus) __builtin_trap();  // a fixed point
  const auto driver = parse_nvidia_driver_version(text);
  if (driver.size() > 32 || driver.find_first_not_of("0123456789.") != std::string::npos) {
    __builtin_trap();
  }
  return 0;
}
