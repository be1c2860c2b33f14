#include "scanner/host/nvml_loader.hpp"

#include <dlfcn.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace envlock::scanner {
namespace {

// The few NVML types envlock needs, declared from the documented C API
// (docs.nvidia.com/deploy/nvml-api); no NVIDIA header is needed to build.
using nvmlReturn_t = int;
constexpr nvmlReturn_t kNvmlSuccess = 0;
struct nvmlDevice_st;
using nvmlDevice_t = nvmlDevice_st*;
struct NvmlMemory {  // nvmlMemory_t
  unsigned long long total, free, used;
};
struct NvmlPciInfo {  // nvmlPciInfo_t as filled by nvmlDeviceGetPciInfo_v3
  char busIdLegacy[16];
  unsigned int domain, bus, device;
  unsigned int pciDeviceId;  ///< device id << 16 | vendor id
  unsigned int pciSubSystemId;
  char busId[32];
};
constexpr unsigned kNameBufferSize = 96;    // NVML_DEVICE_NAME_V2_BUFFER_SIZE
constexpr unsigned kDriverBufferSize = 80;  // NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE
constexpr unsigned kMaxDevices = 256;

using InitFn = nvmlReturn_t (*)();
using ShutdownFn = nvmlReturn_t (*)();
using ErrorStringFn = const char* (*)(nvmlReturn_t);
using GetCountFn = nvmlReturn_t (*)(unsigned int*);
using GetHandleFn = nvmlReturn_t (*)(unsigned int, nvmlDevice_t*);
using GetNameFn = nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned int);
using GetDriverFn = nvmlReturn_t (*)(char*, unsigned int);
using GetCapabilityFn = nvmlReturn_t (*)(nvmlDevice_t, int*, int*);
using GetMemoryFn = nvmlReturn_t (*)(nvmlDevice_t, NvmlMemory*);
using GetPciFn = nvmlReturn_t (*)(nvmlDevice_t, NvmlPciInfo*);

struct LibraryHandle {
  void* handle;
  ~LibraryHandle() { ::dlclose(handle); }
};

template <class Fn>
Fn symbol(void* handle, const char* name) {
  return reinterpret_cast<Fn>(::dlsym(handle, name));
}

/// A NUL-terminated C buffer as a string, never reading past its end.
std::string from_buffer(const char* buf, std::size_t size) {
  return std::string(buf, ::strnlen(buf, size));
}

std::string hex4(unsigned v) {
  char out[8];
  std::snprintf(out, sizeof out, "%04x", v & 0xffffu);
  return out;
}

}  // namespace

std::string normalize_pci_bus(std::string_view bus) {
  std::string lower;
  for (char c : bus) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string_view s = lower;
  auto hex = [](std::string_view part, unsigned long long& out) {
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out, 16);
    return ec == std::errc() && end == part.data() + part.size() && !part.empty();
  };
  unsigned long long domain = 0, bus_no = 0, dev = 0, fn = 0;
  auto last_colon = s.rfind(':');
  auto dot = s.rfind('.');
  if (last_colon == std::string_view::npos || dot == std::string_view::npos || dot < last_colon) {
    return lower;
  }
  auto head = s.substr(0, last_colon);
  auto first_colon = head.rfind(':');
  bool ok = hex(s.substr(last_colon + 1, dot - last_colon - 1), dev) &&
            hex(s.substr(dot + 1), fn);
  if (first_colon == std::string_view::npos) {
    ok = ok && hex(head, bus_no);
  } else {
    ok = ok && hex(head.substr(0, first_colon), domain) && hex(head.substr(first_colon + 1), bus_no);
  }
  if (!ok || domain > 0xffffffffull || bus_no > 0xff || dev > 0x1f || fn > 7) return lower;
  char out[32];
  std::snprintf(out, sizeof out, "%04llx:%02llx:%02llx.%llx", domain, bus_no, dev, fn);
  return out;
}

Result<std::optional<NvmlSnapshot>> query_nvml(std::string_view library) {
  std::string lib(library);
  void* handle = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return std::optional<NvmlSnapshot>{};
  LibraryHandle guard{handle};

  auto init = symbol<InitFn>(handle, "nvmlInit_v2");
  auto shutdown = symbol<ShutdownFn>(handle, "nvmlShutdown");
  auto get_count = symbol<GetCountFn>(handle, "nvmlDeviceGetCount_v2");
  auto get_handle = symbol<GetHandleFn>(handle, "nvmlDeviceGetHandleByIndex_v2");
  auto missing = [&](const char* name) { return fail(lib + ": missing symbol " + name); };
  if (!init) return missing("nvmlInit_v2");
  if (!shutdown) return missing("nvmlShutdown");
  if (!get_count) return missing("nvmlDeviceGetCount_v2");
  if (!get_handle) return missing("nvmlDeviceGetHandleByIndex_v2");
  // Older drivers lack some of these; a missing one costs a field, not the scan.
  auto error_string = symbol<ErrorStringFn>(handle, "nvmlErrorString");
  auto get_name = symbol<GetNameFn>(handle, "nvmlDeviceGetName");
  auto get_driver = symbol<GetDriverFn>(handle, "nvmlSystemGetDriverVersion");
  auto get_capability = symbol<GetCapabilityFn>(handle, "nvmlDeviceGetCudaComputeCapability");
  auto get_memory = symbol<GetMemoryFn>(handle, "nvmlDeviceGetMemoryInfo");
  auto get_pci = symbol<GetPciFn>(handle, "nvmlDeviceGetPciInfo_v3");

  auto describe = [&](nvmlReturn_t rc) {
    const char* text = error_string ? error_string(rc) : nullptr;
    return text ? std::string(text) : "error " + std::to_string(rc);
  };

  if (nvmlReturn_t rc = init(); rc != kNvmlSuccess) {
    return fail(lib + ": nvmlInit_v2 failed: " + describe(rc));
  }
  NvmlSnapshot snap;
  unsigned int count = 0;
  if (nvmlReturn_t rc = get_count(&count); rc != kNvmlSuccess) {
    shutdown();
    return fail(lib + ": nvmlDeviceGetCount_v2 failed: " + describe(rc));
  }
  if (count > kMaxDevices) count = kMaxDevices;

  if (get_driver) {
    char buf[kDriverBufferSize] = {};
    if (nvmlReturn_t rc = get_driver(buf, sizeof buf); rc == kNvmlSuccess) {
      snap.driver = from_buffer(buf, sizeof buf);
    } else {
      snap.warnings.push_back("nvmlSystemGetDriverVersion failed: " + describe(rc));
    }
  }
  for (unsigned int i = 0; i < count; ++i) {
    std::string where = "GPU " + std::to_string(i) + ": ";
    nvmlDevice_t dev = nullptr;
    if (nvmlReturn_t rc = get_handle(i, &dev); rc != kNvmlSuccess) {
      snap.warnings.push_back(where + "nvmlDeviceGetHandleByIndex_v2 failed: " + describe(rc));
      continue;
    }
    NvmlGpu gpu;
    if (get_name) {
      char buf[kNameBufferSize] = {};
      if (nvmlReturn_t rc = get_name(dev, buf, sizeof buf); rc == kNvmlSuccess) {
        gpu.name = from_buffer(buf, sizeof buf);
      } else {
        snap.warnings.push_back(where + "nvmlDeviceGetName failed: " + describe(rc));
      }
    }
    if (get_pci) {
      NvmlPciInfo pci{};
      if (nvmlReturn_t rc = get_pci(dev, &pci); rc == kNvmlSuccess) {
        gpu.bus = normalize_pci_bus(from_buffer(pci.busId, sizeof pci.busId));
        gpu.pci_id = hex4(pci.pciDeviceId & 0xffffu) + ":" + hex4(pci.pciDeviceId >> 16);
      } else {
        snap.warnings.push_back(where + "nvmlDeviceGetPciInfo_v3 failed: " + describe(rc));
      }
    }
    if (get_capability) {
      int major = 0, minor = 0;
      if (nvmlReturn_t rc = get_capability(dev, &major, &minor); rc == kNvmlSuccess) {
        gpu.compute_capability = std::to_string(major) + "." + std::to_string(minor);
      } else {
        snap.warnings.push_back(where + "nvmlDeviceGetCudaComputeCapability failed: " +
                                describe(rc));
      }
    }
    if (get_memory) {
      NvmlMemory mem{};
      if (nvmlReturn_t rc = get_memory(dev, &mem); rc == kNvmlSuccess) {
        gpu.memory_bytes = mem.total > static_cast<unsigned long long>(INT64_MAX) ? INT64_MAX
                               : static_cast<std::int64_t>(mem.total);
      } else {
        snap.warnings.push_back(where + "nvmlDeviceGetMemoryInfo failed: " + describe(rc));
      }
    }
    snap.gpus.push_back(std::move(gpu));
  }
  shutdown();
  return std::optional<NvmlSnapshot>{std::move(snap)};
}

}  // namespace envlock::scanner
