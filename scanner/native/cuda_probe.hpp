#pragma once
// The [cuda] table: versions of the CUDA libraries among the native objects
// (runtime, cuBLAS, cuDNN, NCCL, cuFFT, cuSPARSE, ...), so a lock catches a
// cuDNN 8 -> 9 swap that no package version shows.

#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

/// For each known CUDA library among `natives`, fp.cuda[key] = its version,
/// e.g. "cudart" -> "12.1.105", "cudnn" -> "8.9.2". Sources, best first: the
/// version header next to the library (../include/cudnn_version.h, nccl.h,
/// cuda_runtime_api.h, ...) or in /usr/include and /usr/local/cuda/include,
/// used only when its major version agrees with the library's; then the
/// longest version in the file name, the symlink target's name, or the
/// soname. Several copies with different versions are listed together,
/// highest first ("12.1.105, 11.8.89").
void probe_cuda(const std::vector<lockfile::Native>& natives, const FileSystem& fs,
                lockfile::Fingerprint& fp);

/// The fp.cuda key for a library file name ("libcudnn_ops_infer.so.8" ->
/// "cudnn"), "" when it is no CUDA library.
std::string cuda_component(std::string_view file_name);

/// Parses "#define NAME value" lines of a C header into a version: the
/// component's macros (CUDNN_MAJOR/MINOR/PATCHLEVEL, ...) or CUDART_VERSION
/// 12010 -> "12.1". "" when the header lacks them.
std::string header_version(std::string_view component, std::string_view header_text);

}  // namespace envlock::scanner
