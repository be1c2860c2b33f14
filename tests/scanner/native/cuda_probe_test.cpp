#include "scanner/native/cuda_probe.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/support/native_build.hpp"
#include "support/paths.hpp"

namespace envlock::scanner {
namespace {

using native_test::read_file;
using native_test::TempDir;
using native_test::write_file;

std::string fixture(const std::string& name) {
  return read_file(std::string(ENVLOCK_FIXTURES) + "/native/cuda/" + name);
}

TEST(CudaProbe, Components) {
  EXPECT_EQ(cuda_component("libcudart.so.12.1.105"), "cudart");
  EXPECT_EQ(cuda_component("libcudart.so"), "cudart");
  EXPECT_EQ(cuda_component("libcublasLt.so.12"), "cublaslt");
  EXPECT_EQ(cuda_component("libcublas.so.12"), "cublas");
  EXPECT_EQ(cuda_component("libcudnn_ops_infer.so.8"), "cudnn");
  EXPECT_EQ(cuda_component("libcudnn.so.9.1.0"), "cudnn");
  EXPECT_EQ(cuda_component("libnccl.so.2"), "nccl");
  EXPECT_EQ(cuda_component("libnvrtc-builtins.so.12.1"), "nvrtc");
  EXPECT_EQ(cuda_component("libcudartx.so.1"), "");
  EXPECT_EQ(cuda_component("libc.so.6"), "");
  EXPECT_EQ(cuda_component("cudart.so"), "");
}

TEST(CudaProbe, HeaderVersions) {
  EXPECT_EQ(header_version("cudnn", fixture("cudnn_version.h")), "8.9.2");
  EXPECT_EQ(header_version("nccl", fixture("nccl.h")), "2.18.3");
  EXPECT_EQ(header_version("cudart", fixture("cuda_runtime_api.h")), "12.1");
  EXPECT_EQ(header_version("cublas", fixture("cublas_api.h")), "12.1.3");
  EXPECT_EQ(header_version("cudnn", "#define CUDNN_MAJOR 8\n"), "");
  EXPECT_EQ(header_version("cudart", "#define CUDART_VERSION abc\n"), "");
  EXPECT_EQ(header_version("nvrtc", fixture("nccl.h")), "");
  EXPECT_EQ(header_version("nosuch", ""), "");
}

/// A tree like pip's nvidia-* wheels plus a system CUDA in /usr/local/cuda.
class CudaProbeTree : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* lib : {"site/nvidia/cudnn/lib/libcudnn.so.8", "site/nvidia/cudnn/lib/libcudnn_ops_infer.so.8",
                            "site/nvidia/nccl/lib/libnccl.so.2", "usr/local/cuda/lib64/libcudart.so.11.8.89",
                            "site/nvidia/cuda_runtime/lib/libcudart.so.12", "site/nvidia/cublas/lib/libcublas.so.12"})
      write_file(root / lib, "");
    std::filesystem::create_symlink("libcudart.so.11.8.89", root / "usr/local/cuda/lib64/libcudart.so.11.0");
    write_file(root / "site/nvidia/cudnn/include/cudnn_version.h", fixture("cudnn_version.h"));
    write_file(root / "site/nvidia/nccl/include/nccl.h", fixture("nccl.h"));
    // A header of another major version must not relabel cuBLAS 12.
    write_file(root / "usr/local/cuda/include/cublas_api.h",
               "#define CUBLAS_VER_MAJOR 11\n#define CUBLAS_VER_MINOR 11\n#define CUBLAS_VER_PATCH 3\n");
  }
  lockfile::Native native(const std::string& path, const std::string& soname) {
    lockfile::Native n;
    n.path = path;
    n.soname = soname;
    return n;
  }
  TempDir root;
};

TEST_F(CudaProbeTree, VersionsFromNamesLinksAndHeaders) {
  DiskFileSystem fs(root.path());
  std::vector<lockfile::Native> natives = {
      native("/site/nvidia/cudnn/lib/libcudnn.so.8", "libcudnn.so.8"),
      native("/site/nvidia/cudnn/lib/libcudnn_ops_infer.so.8", "libcudnn_ops_infer.so.8"),
      native("/site/nvidia/nccl/lib/libnccl.so.2", "libnccl.so.2"),
      native("/usr/local/cuda/lib64/libcudart.so.11.0", "libcudart.so.11.0"),
      native("/site/nvidia/cuda_runtime/lib/libcudart.so.12", "libcudart.so.12"),
      native("/site/nvidia/cublas/lib/libcublas.so.12", "libcublas.so.12"),
      native("/usr/lib/x86_64-linux-gnu/libc.so.6", "libc.so.6"),
  };
  lockfile::Fingerprint fp;
  probe_cuda(natives, fs, fp);
  EXPECT_EQ(fp.cuda, (std::map<std::string, std::string>{{"cublas", "12"},
                                                         {"cudart", "12, 11.8.89"},
                                                         {"cudnn", "8.9.2"},
                                                         {"nccl", "2.18.3"}}));
}

TEST_F(CudaProbeTree, NoCudaLibrariesNoTable) {
  DiskFileSystem fs(root.path());
  lockfile::Fingerprint fp;
  probe_cuda({native("/usr/lib/libz.so.1", "libz.so.1")}, fs, fp);
  EXPECT_TRUE(fp.cuda.empty());
}

}  // namespace
}  // namespace envlock::scanner
