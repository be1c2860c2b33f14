#pragma once
// The renderer of `envlock scan --format text`: a fingerprint as a person reads it.

#include <string>

#include "cli/render_options.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::cli {

/// A summary of `fp`: target and digest; Python (implementation, version,
/// ABI, platform, executable, prefix, site directories); the image when one
/// was scanned; OS, CPU, GPUs, CUDA and [env] when present; a package table
/// (name, version, installer, location; shadowed ones marked); native objects
/// with the libraries that did not resolve (up to 20 listed); integrity
/// problems (up to 50 listed); every diagnostic. Sections with nothing to say
/// are left out. All values escape_terminal'd; colour only when opts.color.
std::string render_scan(const lockfile::Fingerprint& fp, const RenderOptions& opts);

}  // namespace envlock::cli
