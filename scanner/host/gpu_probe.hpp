#pragma once
// The GPU part of [hardware]: which accelerators the host has, their driver,
// compute capability and memory. Three sources, merged by PCI bus id:
//   - PCI devices under /sys/bus/pci/devices (vendor, device, class): every
//     NVIDIA (0x10de) or AMD (0x1002) display controller (class 0x03xxxx);
//   - the NVIDIA kernel driver's /proc/driver/nvidia/{version,gpus/*/information};
//   - NVML, on a live host only, when libnvidia-ml.so.1 loads (nvml_loader.hpp).
// /proc and /sys are read through the FileSystem, so recorded trees replay.

#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"
#include "scanner/host/nvml_loader.hpp"

namespace envlock::scanner {

/// What one /proc/driver/nvidia/gpus/<bus>/information file says.
struct NvidiaGpuInfo {
  std::string model;  ///< "Model:"
  std::string bus;    ///< "Bus Location:", normalized; "" when absent
};

/// Parses an NVIDIA "information" file ("Key: \t value" lines). Never fails;
/// unknown lines are skipped.
NvidiaGpuInfo parse_nvidia_information(std::string_view text);

/// The driver version in /proc/driver/nvidia/version ("NVRM version: NVIDIA
/// UNIX x86_64 Kernel Module  535.161.08  ..."), or "" when there is none.
std::string parse_nvidia_driver_version(std::string_view text);

/// Fills fp.hardware->gpus (creating fp.hardware), sorted by bus id; no GPU
/// leaves it empty, which is a valid, recorded state. NVML is asked only when
/// host.is_live(); a library that cannot be loaded is silently "no NVML", one that
/// loads and fails becomes a diagnostic, as does an unreadable /proc file.
void probe_gpus(const FileSystem& host, lockfile::Fingerprint& fp,
                std::string_view nvml_library = kNvmlLibrary);

}  // namespace envlock::scanner
