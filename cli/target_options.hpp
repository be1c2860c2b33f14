#pragma once
// The target options every scanning command shares (docs/cli.md "Targets").

#include <CLI/CLI.hpp>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"
#include "scanner/scan.hpp"

namespace envlock::cli {

struct TargetOptions {
  std::string python;
  std::vector<std::string> sites;
  std::string root;
  std::string image;
  std::string image_ref;
  std::string platform = "linux/amd64";
  bool fast = false;
  bool no_cache = false;
  bool rehash = false;
  unsigned rehash_after_days = 7;
};

void add_target_options(CLI::App& app, TargetOptions& options);

/// Builds the scan request; more than one target is a usage error.
Result<scanner::ScanRequest> to_request(const TargetOptions& options);

/// Scans the chosen target (default `--python python3`).
Result<lockfile::Fingerprint> scan_target(const TargetOptions& options);

}  // namespace envlock::cli
