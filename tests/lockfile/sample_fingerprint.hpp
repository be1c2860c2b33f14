#pragma once
// A fingerprint with every field set, for the lockfile codec tests.

#include "lockfile/fingerprint.hpp"

namespace envlock::lockfile::testing {

inline Fingerprint sample_fingerprint() {
  Fingerprint fp;
  fp.envlock.generator = "envlock 0.1.0";
  fp.envlock.created = "2026-11-27T10:31:00Z";
  fp.envlock.target = "python:/usr/bin/python3";
  Python py;
  py.implementation = "cpython";
  py.version = "3.11.7";
  py.abi = "cp311";
  py.platform = "linux_x86_64";
  py.prefix = "/usr";
  py.executable = "/usr/bin/python3.11";
  py.site_dirs = {"/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3/dist-packages"};
  fp.python = py;

  Package numpy;
  numpy.name = "numpy";
  numpy.raw_name = "NumPy";
  numpy.version = "1.26.4";
  numpy.installer = "pip";
  numpy.location = "/usr/lib/python3/dist-packages";
  numpy.metadata = "sha256:" + std::string(64, 'a');
  numpy.requires_dist = {"pytest>=7; extra == \"test\"", "hypothesis"};
  numpy.requires_python = ">=3.9";
  numpy.files = {1234, "sha256:" + std::string(64, 'b')};
  numpy.format = "dist-info";
  numpy.requested = true;
  numpy.wheel_tags = {"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"};
  numpy.direct_url = "https://example.org/numpy-1.26.4.whl";
  numpy.direct_kind = "archive";
  numpy.direct_hash = "sha256=" + std::string(64, 'c');
  numpy.shadowed = true;
  Package certifi;
  certifi.name = "certifi";
  certifi.version = "2024.2.2";
  certifi.location = "/usr/lib/python3/dist-packages";
  certifi.format = "egg-info";
  certifi.bytecode_pinned = 1;
  certifi.direct_url = "file:///src/certifi";
  certifi.direct_kind = "editable";
  certifi.editable = FileSummary{2, "sha256:" + std::string(64, '5')};
  certifi.channel = "https://conda.anaconda.org/conda-forge/noarch";
  certifi.build = "pyhd8ed1ab_0";
  certifi.conda_name = "certifi";
  fp.packages = {numpy, certifi};  // out of order on purpose
  fp.bytecode = {{"__pycache__/certifi.cpython-311.pyc", "certifi", "/src/certifi",
                  std::string(64, '6')}};

  Native so;
  so.path = "/usr/lib/python3/dist-packages/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so";
  so.owner = "numpy";
  so.sha256 = std::string(64, 'd');
  so.needed = {"libopenblas.so.0", "libc.so.6", "libmissing.so.1"};
  so.resolved = {{"libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/libopenblas.so.0"},
                 {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"},
                 {"libmissing.so.1", ""}};
  so.glibc_max = "2.17";
  so.version_needs = {"GLIBC_2.17", "GLIBC_2.2.5"};
  Native libc;
  libc.path = "/lib/x86_64-linux-gnu/libc.so.6";
  libc.owner = "system";
  libc.soname = "libc.so.6";
  libc.sha256 = std::string(64, 'e');
  fp.native = {so, libc};

  Os os;
  os.arch = "x86_64";
  os.kernel = "6.1.0";
  os.id = "debian";
  os.version_id = "12";
  os.glibc = "2.36";
  os.libstdcxx = "12.2.0";
  os.glibcxx_max = "GLIBCXX_3.4.30";
  fp.os = os;

  Hardware hw;
  hw.cpu.vendor = "AuthenticAMD";
  hw.cpu.model = "AMD EPYC 9654";
  hw.cpu.flags = {"avx2", "avx", "avx512f"};
  hw.cpu.cores = 2;
  hw.cpu.sockets = 1;
  hw.cpu.family = "25";
  hw.cpu.model_id = "17";
  hw.cpu.stepping = "1";
  hw.cpu.memory_bytes = 8589934592;
  Gpu gpu;
  gpu.vendor = "nvidia";
  gpu.model = "NVIDIA H100 80GB HBM3";
  gpu.driver = "580.159.04";
  gpu.compute_capability = "9.0";
  gpu.memory_bytes = 85899345920;
  gpu.pci_id = "10de:2330";
  gpu.bus = "0000:3b:00.0";
  hw.gpus = {gpu};
  fp.hardware = hw;

  fp.env = {{"OMP_NUM_THREADS", "8"}, {"LD_LIBRARY_PATH", "/opt/lib"}};
  fp.cuda = {{"cudart", "12.1.105"}, {"cublas", "12.1.3.1"}};
  Image im;
  im.reference = "registry.example.org/app:1.0";
  im.manifest_digest = "sha256:" + std::string(64, '1');
  im.config_digest = "sha256:" + std::string(64, '2');
  im.tags = {"app:1.0"};
  im.platform = "linux/amd64";
  im.layers = {"sha256:" + std::string(64, '3'), "sha256:" + std::string(64, '4')};
  fp.image = im;
  fp.integrity = {{"numpy/__init__.py", "numpy", "/usr/lib/python3/dist-packages", "modified",
                   "sha256=abc", "sha256=def"}};
  fp.diagnostics = {{"/usr/lib/python3/dist-packages/broken-1.0.dist-info",
                     "METADATA: missing Name"}};
  return fp;
}

}  // namespace envlock::lockfile::testing
