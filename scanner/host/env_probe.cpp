#include "scanner/host/env_probe.hpp"

#include <set>

namespace envlock::scanner {
namespace {

// Variables read by name. Each one changes which libraries load, which
// devices are used, or the arithmetic a framework does.
constexpr std::string_view kExact[] = {
    // the dynamic loader and the interpreter
    "LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONPATH", "PYTHONHOME", "PYTHONHASHSEED",
    "PYTHONNOUSERSITE",
    // where and which byte code is loaded (docs/integrity.md, byte code)
    "PYTHONPYCACHEPREFIX", "PYTHONOPTIMIZE",
    // CUDA and the container toolkit
    "CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "CUDA_HOME", "CUDA_PATH",
    "CUDA_LAUNCH_BLOCKING", "CUDA_MODULE_LOADING", "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_TF32_OVERRIDE", "CUBLAS_WORKSPACE_CONFIG", "CUBLASLT_WORKSPACE_SIZE",
    "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE", "TORCH_CUDA_ARCH_LIST",
    // thread pools of the numeric libraries
    "NUMEXPR_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
    // XLA
    "XLA_FLAGS",
};

// Families read by prefix.
constexpr std::string_view kPrefixes[] = {
    "OMP_", "KMP_", "GOMP_", "MKL_", "OPENBLAS_", "TF_", "PYTORCH_", "JAX_",
};

}  // namespace

bool is_recorded_env(std::string_view name) {
  for (auto e : kExact)
    if (name == e) return true;
  for (auto p : kPrefixes)
    if (name.size() > p.size() && name.starts_with(p)) return true;
  return false;
}

void probe_env(const std::vector<std::string>& environ_entries, lockfile::Fingerprint& fp) {
  std::set<std::string_view> seen;
  for (const auto& entry : environ_entries) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string_view name(entry.data(), eq);
    if (!seen.insert(name).second || !is_recorded_env(name)) continue;
    std::string_view value(entry.data() + eq + 1, entry.size() - eq - 1);
    if (value.size() > kMaxEnvValue) {
      fp.diagnostics.push_back({"env:" + std::string(name),
                                "value is " + std::to_string(value.size()) +
                                    " bytes, over the " + std::to_string(kMaxEnvValue) +
                                    "-byte limit; not recorded"});
      continue;
    }
    fp.env[std::string(name)] = std::string(value);
  }
}

}  // namespace envlock::scanner
