#include "scanner/python_probe.hpp"

#include <algorithm>

#include "lockfile/sha256.hpp"
#include "scanner/file_hasher.hpp"
#include "scanner/package_catalog.hpp"
#include "scanner/record_parser.hpp"

namespace envlock::scanner {

namespace {

// RECORD stores urlsafe base64 of the raw digest; we hash to hex.
std::string b64_of_hex(const std::string& hex) { return urlsafe_b64(lockfile::hex_decode(hex)); }

bool is_bytecode(std::string_view path) {
  return path.ends_with(".pyc") && path.find("__pycache__/") != std::string_view::npos;
}

}  // namespace

std::vector<PackageFileRef> probe_python_packages(const FileSystem& fs,
                                                  const std::vector<std::string>& site_dirs,
                                                  const PythonProbeOptions& options,
                                                  lockfile::Fingerprint& fp) {
  Catalog catalog = read_catalog(fs, site_dirs);
  for (auto& d : catalog.diagnostics) fp.diagnostics.push_back(std::move(d));

  // One flat job list so that every core hashes, whatever the package sizes.
  struct Job {
    std::size_t entry, file;
  };
  std::vector<Job> jobs;
  std::vector<std::string> paths;
  if (!options.fast) {
    for (std::size_t e = 0; e < catalog.entries.size(); ++e) {
      const auto& files = catalog.entries[e].files;
      for (std::size_t f = 0; f < files.size(); ++f) {
        const auto& pf = files[f];
        // Rows without a hash (RECORD itself, byte-code pip did not hash) are not
        // content pip vouched for; sha256 rows are verified, other algorithms too
        // when nobody listed a hash (installed-files.txt).
        if (!pf.algorithm.empty() && pf.algorithm != "sha256") continue;
        if (pf.algorithm.empty() && catalog.entries[e].package.format == "dist-info") continue;
        jobs.push_back({e, f});
        paths.push_back(pf.path);
      }
    }
  }
  auto hashes = hash_files(fs, paths);
  std::vector<std::vector<std::string>> actual(catalog.entries.size());
  for (std::size_t e = 0; e < catalog.entries.size(); ++e) {
    actual[e].resize(catalog.entries[e].files.size());
  }
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    if (hashes[j]) {
      actual[jobs[j].entry][jobs[j].file] = "sha256=" + b64_of_hex(*hashes[j]);
    } else {
      actual[jobs[j].entry][jobs[j].file] = "missing";
    }
  }

  std::vector<PackageFileRef> owned;
  for (std::size_t e = 0; e < catalog.entries.size(); ++e) {
    auto& entry = catalog.entries[e];
    auto& pkg = entry.package;
    // Aggregate: one line per listed file with a hash, sorted by listed path, so
    // that a --fast scan (RECORD's hashes) and a full scan (real content) of an
    // untouched package give the same digest.
    std::vector<std::string> lines;
    for (std::size_t f = 0; f < entry.files.size(); ++f) {
      const auto& pf = entry.files[f];
      std::string recorded = pf.algorithm.empty() ? "" : pf.algorithm + "=" + pf.digest;
      std::string seen = options.fast ? recorded : actual[e][f];
      if (!options.fast && pf.algorithm == "sha256" && seen != recorded) {
        lockfile::FileProblem problem;
        problem.path = pf.listed;
        problem.package = pkg.name;
        problem.location = pkg.location;
        problem.problem = seen == "missing" ? "deleted" : "modified";
        problem.expected = recorded;
        problem.actual = seen == "missing" ? "" : seen;
        fp.integrity.push_back(std::move(problem));
      }
      if (seen.empty()) continue;
      lines.push_back(pf.listed + "," + seen + "\n");
    }
    std::sort(lines.begin(), lines.end());
    pkg.files.count = entry.files.size();
    if (!lines.empty()) {
      lockfile::Sha256 agg;
      for (const auto& l : lines) agg.update(l);
      pkg.files.digest = "sha256:" + agg.hex_final();
    }
    if (!entry.has_file_list && !options.fast) {
      lockfile::FileProblem problem;
      problem.path = entry.metadata_dir.empty() ? pkg.name : base_name(entry.metadata_dir);
      problem.package = pkg.name;
      problem.location = pkg.location;
      problem.problem = "unverifiable";
      fp.integrity.push_back(std::move(problem));
    }
    if (!pkg.shadowed) {
      for (const auto& pf : entry.files) {
        if (!is_bytecode(pf.path)) owned.push_back({pf.path, pkg.name});
      }
    }
    fp.packages.push_back(std::move(pkg));
  }
  return owned;
}

}  // namespace envlock::scanner
