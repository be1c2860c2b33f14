#include "scanner/host/env_probe.hpp"

#include <gtest/gtest.h>

namespace envlock::scanner {
namespace {

TEST(EnvProbe, RecordsLoadingAndNumericsVariablesOnly) {
  lockfile::Fingerprint fp;
  probe_env({"PATH=/usr/bin", "HOME=/root", "LD_LIBRARY_PATH=/opt/cuda/lib64", "LD_PRELOAD=",
             "PYTHONHASHSEED=0", "OMP_NUM_THREADS=8", "MKL_CBWR=AVX2", "OPENBLAS_CORETYPE=Haswell",
             "CUDA_VISIBLE_DEVICES=0,1", "CUBLAS_WORKSPACE_CONFIG=:4096:8",
             "TF_ENABLE_ONEDNN_OPTS=0", "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True",
             "XLA_FLAGS=--xla_gpu_deterministic_ops", "TERM=xterm", "MKL=not-a-prefix-match"},
            fp);
  std::map<std::string, std::string> want = {
      {"CUBLAS_WORKSPACE_CONFIG", ":4096:8"},
      {"CUDA_VISIBLE_DEVICES", "0,1"},
      {"LD_LIBRARY_PATH", "/opt/cuda/lib64"},
      {"LD_PRELOAD", ""},
      {"MKL_CBWR", "AVX2"},
      {"OMP_NUM_THREADS", "8"},
      {"OPENBLAS_CORETYPE", "Haswell"},
      {"PYTHONHASHSEED", "0"},
      {"PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:True"},
      {"TF_ENABLE_ONEDNN_OPTS", "0"},
      {"XLA_FLAGS", "--xla_gpu_deterministic_ops"},
  };
  EXPECT_EQ(fp.env, want);
  EXPECT_TRUE(fp.diagnostics.empty());
}

TEST(EnvProbe, FirstOccurrenceWinsAndMalformedEntriesAreSkipped) {
  lockfile::Fingerprint fp;
  probe_env({"OMP_NUM_THREADS=4", "OMP_NUM_THREADS=16", "=value", "JUSTANAME", "KMP_AFFINITY=a=b"},
            fp);
  EXPECT_EQ(fp.env, (std::map<std::string, std::string>{{"KMP_AFFINITY", "a=b"},
                                                         {"OMP_NUM_THREADS", "4"}}));
}

TEST(EnvProbe, LeavesOtherEntriesAlone) {
  lockfile::Fingerprint fp;
  fp.env["JAX_PLATFORMS"] = "cpu";
  probe_env({"GOMP_SPINCOUNT=0"}, fp);
  EXPECT_EQ(fp.env.size(), 2u);
}

TEST(EnvProbe, OverlongValueIsADiagnostic) {
  lockfile::Fingerprint fp;
  probe_env({"LD_LIBRARY_PATH=" + std::string(kMaxEnvValue + 1, 'x'),
             "PYTHONPATH=" + std::string(kMaxEnvValue, 'y')},
            fp);
  EXPECT_EQ(fp.env.count("LD_LIBRARY_PATH"), 0u);
  EXPECT_EQ(fp.env["PYTHONPATH"].size(), kMaxEnvValue);
  ASSERT_EQ(fp.diagnostics.size(), 1u);
  EXPECT_EQ(fp.diagnostics[0].subject, "env:LD_LIBRARY_PATH");
  EXPECT_EQ(fp.diagnostics[0].message,
            "value is 32769 bytes, over the 32768-byte limit; not recorded");
}

TEST(IsRecordedEnv, ExactNamesAndPrefixFamilies) {
  for (const char* name : {"LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONHASHSEED", "OMP_NUM_THREADS",
                           "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "CUDA_VISIBLE_DEVICES",
                           "CUBLAS_WORKSPACE_CONFIG", "TF_CPP_MIN_LOG_LEVEL", "PYTORCH_JIT",
                           "PYTHONPATH", "NVIDIA_VISIBLE_DEVICES", "CUDA_HOME", "KMP_BLOCKTIME",
                           "GOMP_CPU_AFFINITY", "XLA_FLAGS", "JAX_ENABLE_X64",
                           "NVIDIA_TF32_OVERRIDE"}) {
    EXPECT_TRUE(is_recorded_env(name)) << name;
  }
  for (const char* name : {"PATH", "HOME", "LD_BIND_NOW", "TF_", "MKL", "CUDA_VISIBLE_DEVICESX",
                           "cuda_visible_devices", "OMP"}) {
    EXPECT_FALSE(is_recorded_env(name)) << name;
  }
}

}  // namespace
}  // namespace envlock::scanner
