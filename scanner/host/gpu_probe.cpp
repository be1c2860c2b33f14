#include "scanner/host/gpu_probe.hpp"

#include <charconv>
#include <cstdio>
#include <map>
#include <optional>

#include "base/text.hpp"

namespace envlock::scanner {
namespace {

constexpr std::uint64_t kSmallFileLimit = 64 << 10;
constexpr std::size_t kMaxPciDevices = 4096;
constexpr std::uint32_t kVendorNvidia = 0x10de;
constexpr std::uint32_t kVendorAmd = 0x1002;
constexpr std::uint32_t kClassDisplay = 0x03;  // PCI base class: display controller

/// A sysfs hex attribute ("0x10de\n").
std::optional<std::uint32_t> parse_hex(std::string_view s) {
  s = trim(s);
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<std::uint32_t> read_hex(const FileSystem& host, const std::string& path) {
  auto text = host.read(path, kSmallFileLimit);
  if (!text) return std::nullopt;
  return parse_hex(*text);
}

std::string hex4(std::uint32_t v) {
  char out[8];
  std::snprintf(out, sizeof out, "%04x", v & 0xffffu);
  return out;
}

template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  for (std::string_view line : Lines(text)) fn(line);
}

using GpuMap = std::map<std::string, lockfile::Gpu>;

lockfile::Gpu& slot(GpuMap& gpus, const std::string& bus) {
  auto& gpu = gpus[bus];
  gpu.bus = bus;
  return gpu;
}

void add_pci_devices(const FileSystem& host, GpuMap& gpus) {
  const std::string root = "/sys/bus/pci/devices";
  auto entries = host.list(root);
  if (!entries) return;  // no sysfs (an image, a root tree): nothing to say
  std::size_t seen = 0;
  for (const auto& e : *entries) {
    if (++seen > kMaxPciDevices) break;
    std::string dir = root + "/" + e.name;  // a symlink into /sys/devices on a live host
    auto cls = read_hex(host, dir + "/class");
    if (!cls || (*cls >> 16) != kClassDisplay) continue;
    auto vendor = read_hex(host, dir + "/vendor");
    if (!vendor || (*vendor != kVendorNvidia && *vendor != kVendorAmd)) continue;
    auto device = read_hex(host, dir + "/device");
    auto& gpu = slot(gpus, normalize_pci_bus(e.name));
    gpu.vendor = *vendor == kVendorNvidia ? "nvidia" : "amd";
    gpu.pci_id = hex4(*vendor) + ":" + (device ? hex4(*device) : "");
    if (*vendor == kVendorAmd) {
      // amdgpu publishes these; other drivers do not, and that is fine.
      if (auto name = host.read(dir + "/product_name", kSmallFileLimit)) {
        gpu.model = std::string(trim(*name));
      }
      if (auto vram = host.read(dir + "/mem_info_vram_total", kSmallFileLimit)) {
        std::int64_t bytes = 0;
        auto t = trim(*vram);
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), bytes);
        if (ec == std::errc() && end == t.data() + t.size() && bytes > 0) gpu.memory_bytes = bytes;
      }
    }
  }
}

void add_nvidia_proc(const FileSystem& host, GpuMap& gpus, lockfile::Fingerprint& fp) {
  const std::string root = "/proc/driver/nvidia";
  std::string driver;
  if (auto text = host.read(root + "/version", kSmallFileLimit)) {
    driver = parse_nvidia_driver_version(*text);
  } else if (host.exists(root + "/version")) {
    fp.diagnostics.push_back({root + "/version", text.error().message});
  }
  if (auto entries = host.list(root + "/gpus")) {
    for (const auto& e : *entries) {
      std::string path = root + "/gpus/" + e.name + "/information";
      auto text = host.read(path, kSmallFileLimit);
      if (!text) {
        fp.diagnostics.push_back({path, text.error().message});
        continue;
      }
      auto info = parse_nvidia_information(*text);
      auto& gpu = slot(gpus, info.bus.empty() ? normalize_pci_bus(e.name) : info.bus);
      gpu.vendor = "nvidia";
      if (!info.model.empty()) gpu.model = info.model;
    }
  }
  // One kernel module drives every NVIDIA GPU of the host.
  if (!driver.empty()) {
    for (auto& [bus, gpu] : gpus)
      if (gpu.vendor == "nvidia") gpu.driver = driver;
  }
}

void add_nvml(GpuMap& gpus, lockfile::Fingerprint& fp, std::string_view library) {
  auto snap = query_nvml(library);
  if (!snap) {
    fp.diagnostics.push_back({std::string(library), snap.error().message});
    return;
  }
  if (!*snap) return;  // no NVIDIA driver on this host
  for (const auto& w : (*snap)->warnings) fp.diagnostics.push_back({std::string(library), w});
  std::size_t index = 0;
  for (const auto& n : (*snap)->gpus) {
    // Without a bus id NVML's answer cannot be matched to PCI; keep it apart.
    std::string bus = n.bus.empty() ? "nvml:" + std::to_string(index) : n.bus;
    ++index;
    auto& gpu = slot(gpus, bus);
    gpu.vendor = "nvidia";
    if (!n.name.empty()) gpu.model = n.name;
    if (!(*snap)->driver.empty()) gpu.driver = (*snap)->driver;
    if (!n.pci_id.empty()) gpu.pci_id = n.pci_id;
    if (!n.compute_capability.empty()) gpu.compute_capability = n.compute_capability;
    if (n.memory_bytes > 0) gpu.memory_bytes = n.memory_bytes;
  }
}

}  // namespace

NvidiaGpuInfo parse_nvidia_information(std::string_view text) {
  NvidiaGpuInfo info;
  for_each_line(text, [&](std::string_view line) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    auto key = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    if (key == "Model" && info.model.empty()) info.model = std::string(value);
    if (key == "Bus Location" && info.bus.empty() && !value.empty()) {
      info.bus = normalize_pci_bus(value);
    }
  });
  return info;
}

std::string parse_nvidia_driver_version(std::string_view text) {
  std::string version;
  for_each_line(text, [&](std::string_view line) {
    if (!version.empty() || !line.starts_with("NVRM version:")) return;
    // "... Kernel Module  535.161.08  Tue Mar ..." and the open module's
    // "... Open Kernel Module for x86_64  550.54.14  Release Build ...":
    // the version is the first dotted number after "Module".
    auto at = line.find("Module");
    if (at == std::string_view::npos) return;
    std::string_view rest = line.substr(at + 6);
    std::size_t i = 0;
    while (i < rest.size()) {
      while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
      std::size_t j = i;
      while (j < rest.size() && rest[j] != ' ' && rest[j] != '\t') ++j;
      auto token = rest.substr(i, j - i);
      bool dotted = !token.empty() && token.find('.') != std::string_view::npos &&
                    token.find_first_not_of("0123456789.") == std::string_view::npos &&
                    token.front() != '.';
      if (dotted && token.size() <= 32) {
        version = std::string(token);
        return;
      }
      i = j;
    }
  });
  return version;
}

void probe_gpus(const FileSystem& host, lockfile::Fingerprint& fp, std::string_view nvml_library) {
  if (!fp.hardware) fp.hardware.emplace();
  GpuMap gpus;
  add_pci_devices(host, gpus);
  add_nvidia_proc(host, gpus, fp);
  if (host.is_live()) add_nvml(gpus, fp, nvml_library);
  auto& out = fp.hardware->gpus;
  out.clear();
  for (auto& [bus, gpu] : gpus) out.push_back(std::move(gpu));
}

}  // namespace envlock::scanner
