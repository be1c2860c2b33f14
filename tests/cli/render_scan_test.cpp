#include "cli/render_scan.hpp"

#include <gtest/gtest.h>

#include "cli/render_test_support.hpp"

namespace envlock::cli {
namespace {

TEST(RenderScan, SampleExactly) {
  EXPECT_EQ(render_scan(testing::sample_fingerprint(), RenderOptions{}),
            "envlock scan of python:/usr/bin/python3\n"
            "digest sha256:" + std::string(64, 'a') + "\n"
            "\n"
            "Python 3.11.7\n"
            "  implementation  cpython\n"
            "  abi             cp311\n"
            "  platform        linux_x86_64\n"
            "  executable      /usr/bin/python3\n"
            "  prefix          /usr\n"
            "  site dirs       /usr/local/lib/python3.11/dist-packages\n"
            "                  /usr/lib/python3/dist-packages\n"
            "\n"
            "System\n"
            "  os     debian 12, x86_64, kernel 6.1.0\n"
            "  glibc  2.36\n"
            "\n"
            "Packages (7)\n"
            "  name    version      installer  location\n"
            "  myapp   1.0.0        pip        /usr/local/lib/python3.11/dist-packages\n"
            "  mylib   0.3.0        pip        /usr/local/lib/python3.11/dist-packages\n"
            "  numpy   1.26.4       pip        /usr/local/lib/python3.11/dist-packages\n"
            "  six     1.16.0       pip        /usr/local/lib/python3.11/dist-packages\n"
            "  six     1.15.0       debian     /usr/lib/python3/dist-packages (shadowed)\n"
            "  tarpkg  1.0          pip        /usr/local/lib/python3.11/dist-packages\n"
            "  torch   2.1.0+cu118  pip        /usr/local/lib/python3.11/dist-packages\n");
}

TEST(RenderScan, HardwareNativeIntegrityAndDiagnostics) {
  lockfile::Fingerprint fp;
  lockfile::Hardware hw;
  hw.cpu.vendor = "AuthenticAMD";
  hw.cpu.model = "AMD EPYC 9654";
  hw.cpu.cores = 2;
  hw.cpu.flags = {"avx", "avx2"};
  lockfile::Gpu gpu;
  gpu.vendor = "nvidia";
  gpu.model = "NVIDIA H100 80GB HBM3";
  gpu.driver = "580.159.04";
  gpu.compute_capability = "9.0";
  gpu.memory_bytes = 85899345920;
  hw.gpus = {gpu};
  fp.hardware = hw;
  fp.cuda = {{"cudart", "12.1.105"}};
  fp.env = {{"OMP_NUM_THREADS", "4"}};
  lockfile::Native so;
  so.path = "/site/numpy/_core.so";
  so.owner = "numpy";
  so.resolved = {{"libc.so.6", "/lib/libc.so.6"}, {"libopenblas.so.0", ""}};
  lockfile::Native libc;
  libc.path = "/lib/libc.so.6";
  libc.owner = "system";
  fp.native = {so, libc};
  fp.integrity = {lockfile::FileProblem{"numpy/x.py", "numpy", "/site", "modified", "sha256=a", "sha256=b"},
                  lockfile::FileProblem{"evil.pth", "", "/site", "unowned", "", ""}};
  fp.diagnostics = {lockfile::Diagnostic{"/site/bad.dist-info", "METADATA: line 3: no colon"}};
  EXPECT_EQ(render_scan(fp, RenderOptions{}),
            "envlock scan\n"
            "\n"
            "System\n"
            "  cpu                  AMD EPYC 9654 (AuthenticAMD), 2 cores, 2 flags\n"
            "  gpu                  NVIDIA H100 80GB HBM3 (nvidia), driver 580.159.04, compute 9.0, 80.0 GiB\n"
            "  cuda cudart          12.1.105\n"
            "  env OMP_NUM_THREADS  4\n"
            "\n"
            "Packages (0)\n"
            "  (none)\n"
            "\n"
            "Native objects (2, 1 from the system)\n"
            "  1 needed library does not resolve:\n"
            "    libopenblas.so.0  needed by /site/numpy/_core.so\n"
            "\n"
            "Integrity problems (2)\n"
            "  modified  numpy      numpy/x.py\n"
            "  unowned   (unowned)  evil.pth\n"
            "\n"
            "Diagnostics (1)\n"
            "  /site/bad.dist-info: METADATA: line 3: no colon\n");
}

TEST(RenderScan, HostileValuesStayOnTheirLine) {
  auto fp = testing::sample_fingerprint();
  fp.packages[2].version = "1.0\n\x1b[2Jgotcha";
  fp.diagnostics = {lockfile::Diagnostic{"x\ry", "bad \xff byte"}};
  RenderOptions opts;
  const std::string text = render_scan(fp, opts);
  EXPECT_NE(text.find("  numpy   1.0\\n\\x1b[2Jgotcha  pip"), std::string::npos) << text;
  EXPECT_NE(text.find("  x\\ry: bad \\xff byte\n"), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  opts.color = true;
  EXPECT_NE(render_scan(fp, opts).find("\x1b[1mPackages (7)\x1b[0m\n"), std::string::npos);
}

TEST(RenderScan, LongListsAreCut) {
  lockfile::Fingerprint fp;
  for (int i = 0; i < 60; ++i) {
    fp.integrity.push_back(lockfile::FileProblem{"f" + std::to_string(i), "p", "/s", "modified", "", ""});
  }
  const std::string text = render_scan(fp, RenderOptions{});
  EXPECT_NE(text.find("  modified  p  f49\n  ... and 10 more\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("f50"), std::string::npos);
}

}  // namespace
}  // namespace envlock::cli
