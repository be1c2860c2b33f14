#pragma once
// [env]: the environment variables that change how a model loads or what
// numbers it computes, recorded by name and value. The cli passes the live
// process environment; for a container image, the image config's Env.
// The list and the reason for each entry are in docs/hardware.md.

#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"

namespace envlock::scanner {

/// Longest value recorded; a longer one becomes a diagnostic instead.
inline constexpr std::size_t kMaxEnvValue = 32 << 10;

/// True when a variable of this name is recorded: an exact name
/// (LD_LIBRARY_PATH, CUDA_VISIBLE_DEVICES, ...) or a prefix family
/// (MKL_*, OPENBLAS_*, OMP_*, TF_*, PYTORCH_*, ...).
bool is_recorded_env(std::string_view name);

/// Sets fp.env[name] = value for every recorded "NAME=VALUE" entry. Entries
/// without '=' or with an empty name are ignored; when a name repeats, the
/// first wins, as getenv() answers. A value over kMaxEnvValue bytes is not
/// recorded and adds a diagnostic. Other fp.env entries are left alone.
void probe_env(const std::vector<std::string>& environ_entries, lockfile::Fingerprint& fp);

}  // namespace envlock::scanner
