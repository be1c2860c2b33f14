#include "scanner/host/gpu_probe.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/host/nvml_loader.hpp"
#include "support/paths.hpp"

namespace envlock::scanner {
namespace {

namespace fs = std::filesystem;

std::string host_root(const std::string& name) {
  return std::string(ENVLOCK_FIXTURES) + "/hosts/" + name;
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

/// A fresh, empty directory under the test temp dir.
fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::path(testing::TempDir()) / ("gpu_probe_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A stand-in libnvidia-ml with two A100s at the nvidia-2gpu fixture's bus ids,
// written against the documented C signatures. Defines change its behaviour.
constexpr const char* kFakeNvml = R"(
#include <string.h>
typedef struct { int index; } device;
static device devices[2] = {{0}, {1}};
int nvmlInit_v2(void) {
#ifdef FAIL_INIT
  return 9;
#endif
  return 0;
}
int nvmlShutdown(void) { return 0; }
const char* nvmlErrorString(int rc) {
  return rc == 9 ? "Driver Not Loaded" : rc == 3 ? "Not Supported" : "Unknown Error";
}
#ifndef NO_COUNT
int nvmlDeviceGetCount_v2(unsigned* n) { *n = 2; return 0; }
#endif
int nvmlDeviceGetHandleByIndex_v2(unsigned i, device** out) {
  if (i > 1) return 2;
  *out = &devices[i];
  return 0;
}
int nvmlDeviceGetName(device* d, char* buf, unsigned len) {
  (void)d;
  strncpy(buf, "NVIDIA A100-SXM4-80GB", len);
  return 0;
}
int nvmlSystemGetDriverVersion(char* buf, unsigned len) {
  strncpy(buf, "535.161.08", len);
  return 0;
}
int nvmlDeviceGetCudaComputeCapability(device* d, int* major, int* minor) {
  if (d->index == 1) return 3;
  *major = 8;
  *minor = 0;
  return 0;
}
int nvmlDeviceGetMemoryInfo(device* d, unsigned long long* m) {
  (void)d;
  m[0] = 85899345920ULL; m[1] = 1; m[2] = 2;
  return 0;
}
struct pci { char legacy[16]; unsigned domain, bus, device, id, subsystem; char bus_id[32]; };
int nvmlDeviceGetPciInfo_v3(device* d, struct pci* p) {
  memset(p, 0, sizeof *p);
  strcpy(p->bus_id, d->index ? "00000000:D8:00.0" : "00000000:3B:00.0");
  p->id = 0x20b210deu;
  return 0;
}
)";

/// Builds the fake NVML with `cc` in a temp dir and returns its path.
std::string build_fake_nvml(const std::string& name, const std::string& defines = "") {
  fs::path dir = fresh_dir("nvml_" + name);
  write(dir / "nvml.c", kFakeNvml);
  fs::path lib = dir / "libnvidia-ml.so.1";
  std::string cmd = "cc -shared -fPIC " + defines + " -o '" + lib.string() + "' '" +
                    (dir / "nvml.c").string() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return lib.string();
}

// A recorded host seen as the live one (is_live()), so that NVML is asked
// while /proc and /sys come from the fixture.
class RecordedLiveHost final : public FileSystem {
 public:
  explicit RecordedLiveHost(const std::string& root) : inner_(root) {}
  Result<FileStat> stat(std::string_view path) const override { return inner_.stat(path); }
  Result<FileStat> lstat(std::string_view path) const override { return inner_.lstat(path); }
  Result<std::vector<DirEntry>> list(std::string_view dir) const override {
    return inner_.list(dir);
  }
  Result<std::string> read(std::string_view path, std::uint64_t max_bytes) const override {
    return inner_.read(path, max_bytes);
  }
  Result<std::string> read_prefix(std::string_view path, std::uint64_t max_bytes) const override {
    return inner_.read_prefix(path, max_bytes);
  }
  Result<std::string> readlink(std::string_view path) const override {
    return inner_.readlink(path);
  }
  Result<std::string> realpath(std::string_view path) const override {
    return inner_.realpath(path);
  }
  Result<void> read_chunks(
      std::string_view path,
      const std::function<void(const char* data, std::size_t size)>& sink) const override {
    return inner_.read_chunks(path, sink);
  }
  bool is_live() const override { return true; }
  std::string describe() const override { return inner_.describe(); }

 private:
  DiskFileSystem inner_;
};

lockfile::Fingerprint probe(const std::string& root, bool live = false,
                            std::string_view nvml = kNvmlLibrary) {
  lockfile::Fingerprint fp;
  if (live) {
    probe_gpus(RecordedLiveHost(root), fp, nvml);
  } else {
    probe_gpus(DiskFileSystem(root), fp, nvml);
  }
  return fp;
}

TEST(GpuProbe, NvidiaHostWithTwoGpusFromProcAndSysfs) {
  auto fp = probe(host_root("nvidia-2gpu"));
  ASSERT_TRUE(fp.hardware.has_value());
  const auto& gpus = fp.hardware->gpus;
  ASSERT_EQ(gpus.size(), 2u);  // the BMC's VGA, the NIC and the NVSwitch are not GPUs
  EXPECT_EQ(gpus[0].bus, "0000:3b:00.0");
  EXPECT_EQ(gpus[1].bus, "0000:d8:00.0");
  for (const auto& g : gpus) {
    EXPECT_EQ(g.vendor, "nvidia");
    EXPECT_EQ(g.model, "NVIDIA A100-SXM4-80GB");
    EXPECT_EQ(g.driver, "535.161.08");
    EXPECT_EQ(g.pci_id, "10de:20b2");
    EXPECT_EQ(g.compute_capability, "");  // only NVML knows it
    EXPECT_EQ(g.memory_bytes, 0);
  }
  EXPECT_TRUE(fp.diagnostics.empty());
}

TEST(GpuProbe, NoGpuIsAnEmptyRecordedList) {
  auto fp = probe(host_root("no-gpu"));
  ASSERT_TRUE(fp.hardware.has_value());
  EXPECT_TRUE(fp.hardware->gpus.empty());
  EXPECT_TRUE(fp.diagnostics.empty());
}

TEST(GpuProbe, TreeWithoutProcOrSysHasNoGpus) {
  auto fp = probe(fresh_dir("empty").string());
  ASSERT_TRUE(fp.hardware.has_value());
  EXPECT_TRUE(fp.hardware->gpus.empty());
  EXPECT_TRUE(fp.diagnostics.empty());
}

TEST(GpuProbe, AmdGpuFromSysfs) {
  fs::path root = fresh_dir("amd");
  fs::path dev = root / "sys/bus/pci/devices/0000:c1:00.0";
  write(dev / "vendor", "0x1002\n");
  write(dev / "device", "0x740c\n");
  write(dev / "class", "0x038000\n");
  write(dev / "product_name", "AMD Instinct MI250X\n");
  write(dev / "mem_info_vram_total", "68702699520\n");
  auto fp = probe(root.string());
  ASSERT_EQ(fp.hardware->gpus.size(), 1u);
  const auto& g = fp.hardware->gpus[0];
  EXPECT_EQ(g.vendor, "amd");
  EXPECT_EQ(g.model, "AMD Instinct MI250X");
  EXPECT_EQ(g.pci_id, "1002:740c");
  EXPECT_EQ(g.bus, "0000:c1:00.0");
  EXPECT_EQ(g.memory_bytes, 68702699520);
  EXPECT_EQ(g.driver, "");
}

TEST(GpuProbe, NvidiaGpuWithoutDriverStillCounts) {
  fs::path root = fresh_dir("nodriver");
  fs::path dev = root / "sys/bus/pci/devices/0000:01:00.0";
  write(dev / "vendor", "0x10de\n");
  write(dev / "device", "0x2330\n");
  write(dev / "class", "0x030200\n");
  write(root / "sys/bus/pci/devices/0000:01:00.1/vendor", "0x10de\n");  // its audio function
  write(root / "sys/bus/pci/devices/0000:01:00.1/class", "0x040300\n");
  write(root / "sys/bus/pci/devices/0000:02:00.0/vendor", "garbage\n");
  write(root / "sys/bus/pci/devices/0000:02:00.0/class", "0x0302\n");
  auto fp = probe(root.string());
  ASSERT_EQ(fp.hardware->gpus.size(), 1u);
  EXPECT_EQ(fp.hardware->gpus[0].pci_id, "10de:2330");
  EXPECT_EQ(fp.hardware->gpus[0].model, "");
  EXPECT_EQ(fp.hardware->gpus[0].driver, "");
}

TEST(GpuProbe, UnreadableInformationIsADiagnostic) {
  fs::path root = fresh_dir("badinfo");
  fs::create_directories(root / "proc/driver/nvidia/gpus/0000:3b:00.0/information");  // a dir
  auto fp = probe(root.string());
  EXPECT_TRUE(fp.hardware->gpus.empty());
  ASSERT_EQ(fp.diagnostics.size(), 1u);
  EXPECT_EQ(fp.diagnostics[0].subject, "/proc/driver/nvidia/gpus/0000:3b:00.0/information");
  EXPECT_EQ(fp.diagnostics[0].message,
            "/proc/driver/nvidia/gpus/0000:3b:00.0/information: not a regular file");
}

TEST(ParseNvidia, DriverVersionFromEveryModuleFlavour) {
  EXPECT_EQ(parse_nvidia_driver_version(
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.161.08  Tue Mar  5 "
                "22:42:15 UTC 2024\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14) \n"),
            "535.161.08");
  EXPECT_EQ(parse_nvidia_driver_version(
                "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.14  Release "
                "Build  (dvs-builder@U16-I3-B03-4-3)  Thu Feb 22 01:25:25 UTC 2024\n"),
            "550.54.14");
  EXPECT_EQ(parse_nvidia_driver_version(
                "NVRM version: NVIDIA UNIX aarch64 Kernel Module  570.86.15  Thu Jan 23 "
                "22:50:17 UTC 2025\n"),
            "570.86.15");
  EXPECT_EQ(parse_nvidia_driver_version("GCC version: 12.2.0\n"), "");
  EXPECT_EQ(parse_nvidia_driver_version("NVRM version: NVIDIA Kernel Module .5 x\n"), "");
  EXPECT_EQ(parse_nvidia_driver_version(""), "");
}

TEST(ParseNvidia, InformationFile) {
  auto info = parse_nvidia_information(
      "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 10\nBus Location: \t 0000:62:00.0\n");
  EXPECT_EQ(info.model, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(info.bus, "0000:62:00.0");
  auto empty = parse_nvidia_information("garbage\n:\nModel:\n");
  EXPECT_EQ(empty.model, "");
  EXPECT_EQ(empty.bus, "");
}

TEST(NormalizePciBus, NvmlSysfsAndShortForms) {
  EXPECT_EQ(normalize_pci_bus("00000000:3B:00.0"), "0000:3b:00.0");
  EXPECT_EQ(normalize_pci_bus("0000:3b:00.0"), "0000:3b:00.0");
  EXPECT_EQ(normalize_pci_bus("3b:00.1"), "0000:3b:00.1");
  EXPECT_EQ(normalize_pci_bus("10000:01:00.0"), "10000:01:00.0");  // VMD domains
  EXPECT_EQ(normalize_pci_bus("Not:A:Bus"), "not:a:bus");
  EXPECT_EQ(normalize_pci_bus("0000:3b:40.0"), "0000:3b:40.0");  // device > 0x1f: kept as text
  EXPECT_EQ(normalize_pci_bus(""), "");
}

TEST(Nvml, MissingLibraryIsCleanlyNoNvml) {
  auto r = query_nvml("libenvlock-no-such-nvml.so.1");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->has_value());
  // And the live probe stays silent about it.
  auto fp = probe(host_root("no-gpu"), /*live=*/true, "libenvlock-no-such-nvml.so.1");
  EXPECT_TRUE(fp.hardware->gpus.empty());
  EXPECT_TRUE(fp.diagnostics.empty());
}

TEST(Nvml, ReadsEveryDeviceThroughTheDocumentedCalls) {
  auto lib = build_fake_nvml("ok");
  auto r = query_nvml(lib);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->has_value());
  const auto& snap = **r;
  EXPECT_EQ(snap.driver, "535.161.08");
  ASSERT_EQ(snap.gpus.size(), 2u);
  EXPECT_EQ(snap.gpus[0].name, "NVIDIA A100-SXM4-80GB");
  EXPECT_EQ(snap.gpus[0].bus, "0000:3b:00.0");
  EXPECT_EQ(snap.gpus[0].pci_id, "10de:20b2");
  EXPECT_EQ(snap.gpus[0].compute_capability, "8.0");
  EXPECT_EQ(snap.gpus[0].memory_bytes, 85899345920);
  EXPECT_EQ(snap.gpus[1].bus, "0000:d8:00.0");
  EXPECT_EQ(snap.gpus[1].compute_capability, "");
  ASSERT_EQ(snap.warnings.size(), 1u);
  EXPECT_EQ(snap.warnings[0], "GPU 1: nvmlDeviceGetCudaComputeCapability failed: Not Supported");
}

TEST(Nvml, InitFailureIsAnError) {
  auto lib = build_fake_nvml("fail_init", "-DFAIL_INIT");
  auto r = query_nvml(lib);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, lib + ": nvmlInit_v2 failed: Driver Not Loaded");
}

TEST(Nvml, MissingRequiredSymbolIsAnError) {
  auto lib = build_fake_nvml("no_count", "-DNO_COUNT");
  auto r = query_nvml(lib);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, lib + ": missing symbol nvmlDeviceGetCount_v2");
}

TEST(GpuProbe, LiveProbeMergesNvmlIntoProcAndSysfsByBusId) {
  auto lib = build_fake_nvml("merge");
  auto fp = probe(host_root("nvidia-2gpu"), /*live=*/true, lib);
  const auto& gpus = fp.hardware->gpus;
  ASSERT_EQ(gpus.size(), 2u);
  EXPECT_EQ(gpus[0].bus, "0000:3b:00.0");
  EXPECT_EQ(gpus[0].compute_capability, "8.0");
  EXPECT_EQ(gpus[0].memory_bytes, 85899345920);
  EXPECT_EQ(gpus[0].driver, "535.161.08");
  EXPECT_EQ(gpus[1].bus, "0000:d8:00.0");
  EXPECT_EQ(gpus[1].compute_capability, "");
  EXPECT_EQ(gpus[1].model, "NVIDIA A100-SXM4-80GB");
  ASSERT_EQ(fp.diagnostics.size(), 1u);
  EXPECT_EQ(fp.diagnostics[0].subject, lib);
  EXPECT_EQ(fp.diagnostics[0].message,
            "GPU 1: nvmlDeviceGetCudaComputeCapability failed: Not Supported");
}

TEST(GpuProbe, LiveNvmlFailureIsADiagnostic) {
  auto lib = build_fake_nvml("live_fail", "-DFAIL_INIT");
  auto fp = probe(host_root("nvidia-2gpu"), /*live=*/true, lib);
  EXPECT_EQ(fp.hardware->gpus.size(), 2u);  // /proc and sysfs still count
  ASSERT_EQ(fp.diagnostics.size(), 1u);
  EXPECT_EQ(fp.diagnostics[0].message, lib + ": nvmlInit_v2 failed: Driver Not Loaded");
}

TEST(GpuLive, ProbeOfThisHost) {
  DiskFileSystem live = DiskFileSystem::live_host();
  lockfile::Fingerprint fp;
  probe_gpus(live, fp);
  ASSERT_TRUE(fp.hardware.has_value());
  for (const auto& g : fp.hardware->gpus) {
    std::cout << "[gpu-live] " << g.bus << " " << g.vendor << " " << g.pci_id << " '" << g.model
              << "' driver=" << g.driver << " cc=" << g.compute_capability
              << " memory=" << g.memory_bytes << "\n";
    EXPECT_FALSE(g.bus.empty());
    EXPECT_TRUE(g.vendor == "nvidia" || g.vendor == "amd") << g.vendor;
  }
  for (const auto& d : fp.diagnostics) std::cout << "[gpu-live] " << d.subject << ": " << d.message << "\n";
}

}  // namespace
}  // namespace envlock::scanner
