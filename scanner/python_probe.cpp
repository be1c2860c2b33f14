#include "scanner/python_probe.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_set>

#include "base/sha256.hpp"
#include "scanner/bytecode.hpp"
#include "scanner/conda_meta.hpp"
#include "scanner/dpkg_files.hpp"
#include "scanner/editable_project.hpp"
#include "scanner/file_hasher.hpp"
#include "scanner/package_catalog.hpp"
#include "scanner/record_parser.hpp"
#include "scanner/site_entries.hpp"
#include "scanner/unlisted_files.hpp"

namespace envlock::scanner {

namespace {

// RECORD stores urlsafe base64 of the raw digest; we hash to hex.
std::string b64_of_hex(const std::string& hex) { return urlsafe_b64(hex_decode(hex)); }

bool is_bytecode(std::string_view path) {
  return path.ends_with(".pyc") && path.find("__pycache__/") != std::string_view::npos;
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// Raw bytes of a listed digest of `size` bytes: dpkg writes hex, RECORD
// urlsafe base64 without padding (padding and the standard alphabet are
// accepted too). nullopt when the text is neither.
std::optional<std::string> decode_digest(std::string_view text, std::size_t size, bool& hex_form) {
  hex_form = text.size() == 2 * size && is_hex(text);
  if (hex_form) return hex_decode(text);
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-' || c == '+') v = 62;
    else if (c == '_' || c == '/') v = 63;
    else return std::nullopt;
    acc = (acc << 6 | static_cast<std::uint32_t>(v)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(acc >> bits & 0xFF));
    }
  }
  return out;
}

enum class Check {
  kNone,         // hashed for the aggregate only (no hash listed)
  kSha256,       // listed sha256
  kExtra,        // listed under another algorithm envlock computes
  kUnsupported,  // listed under an algorithm envlock cannot compute
};

struct Job {
  std::size_t entry, file;
  Check check;
};

Check check_for(const PackageFile& pf) {
  if (pf.algorithm.empty()) return Check::kNone;
  if (pf.algorithm == "sha256") return Check::kSha256;
  return digest_size(pf.algorithm) != 0 ? Check::kExtra : Check::kUnsupported;
}

// Rows without a hash in RECORD (RECORD itself, byte-code pip did not hash) are
// not content pip vouched for; installed-files.txt has no hashes at all, so
// its files are hashed for the aggregate.
bool hashed(const PackageFile& pf, const CatalogEntry& entry) {
  return !pf.algorithm.empty() || entry.package.format != "dist-info";
}

lockfile::FileProblem problem_for(const lockfile::Package& pkg, std::string path,
                                  std::string problem) {
  lockfile::FileProblem p;
  p.path = std::move(path);
  p.package = pkg.name;
  p.location = pkg.location;
  p.problem = std::move(problem);
  return p;
}

// The listed file could not be hashed: gone, replaced by something that is not
// a file, or there but unreadable to us.
std::string why_unhashed(const FileSystem& fs, const std::string& path) {
  auto st = fs.lstat(path);
  if (!st) return "deleted";
  auto followed = fs.stat(path);
  if (!followed) return "deleted";  // a dangling symlink
  return followed->type == FileType::kRegular ? "unverifiable" : "modified";
}

// The names at the top of `site` that a package's files are under, and its
// metadata directory's (a Debian egg-info lists nothing, not even itself).
std::vector<std::string> top_level_names(const CatalogEntry& entry) {
  const std::string& site = entry.package.location;
  std::set<std::string> names;
  const std::string prefix = site == "/" ? "/" : site + "/";
  auto add = [&](const std::string& path) {
    if (!path.starts_with(prefix) || path.size() == prefix.size()) return;
    std::string_view rest = std::string_view(path).substr(prefix.size());
    names.emplace(rest.substr(0, rest.find('/')));
  };
  for (const auto& pf : entry.files) add(pf.path);
  if (!entry.metadata_dir.empty()) add(entry.metadata_dir);
  return {names.begin(), names.end()};
}

// "sha256:<hex>" over the sorted lines, "" for none.
std::string aggregate(std::vector<std::string>& lines) {
  if (lines.empty()) return "";
  std::sort(lines.begin(), lines.end());
  Sha256 agg;
  for (const auto& l : lines) agg.update(l);
  return "sha256:" + agg.hex_final();
}

// `path` relative to `base` when below it, else as it is (a RECORD may list
// sources outside the site directory).
std::string relative_to(const std::string& base, std::string path) {
  const std::string prefix = base == "/" ? "/" : base + "/";
  return path.starts_with(prefix) ? path.substr(prefix.size()) : path;
}

// The code Python runs that no file list vouches for: bytecode it would load
// instead of listed (or editable) sources, and editable projects' sources.
void pin_unlisted_code(const FileSystem& fs, Catalog& catalog, const PythonProbeOptions& options,
                       lockfile::Fingerprint& fp) {
  struct Owner {
    std::size_t entry;
    std::string location;  // what pinned paths are relative to
  };
  std::vector<Owner> owners;
  std::vector<BytecodeSource> sources;
  for (std::size_t e = 0; e < catalog.entries.size(); ++e) {
    auto& entry = catalog.entries[e];
    auto& pkg = entry.package;
    // Python imports the first copy of a name only; a shadowed copy's code never runs.
    // A conda package that is no Python distribution (the interpreter's own
    // standard library) lists and hashes its byte code itself.
    if (entry.cached_native || pkg.shadowed || pkg.format == "conda") continue;
    owners.push_back({e, pkg.location});
    pkg.bytecode_pinned = 0;
    for (const auto& pf : entry.files) {
      if (pf.path.ends_with(".py")) sources.push_back({pf.path, owners.size() - 1});
    }
    if (pkg.direct_kind != "editable") continue;
    auto dir = file_url_path(pkg.direct_url);
    if (!dir) continue;
    auto project = hash_editable_project(fs, *dir, options.cache);
    pkg.editable = project.summary;
    if (!project.complete) {
      // Not all of what the package imports could be pinned: the integrity
      // result is incomplete, which blocks by default (files.incomplete).
      lockfile::FileProblem p;
      p.path = *dir;
      p.package = pkg.name;
      p.location = pkg.location;
      p.problem = "incomplete";
      if (!project.diagnostics.empty()) p.detail = project.diagnostics.back().message;
      fp.integrity.push_back(std::move(p));
    }
    for (auto& d : project.diagnostics) fp.diagnostics.push_back(std::move(d));
    owners.push_back({e, *dir});
    for (auto& s : project.sources) sources.push_back({std::move(s), owners.size() - 1});
  }
  const auto target = bytecode_target(options.python_implementation, options.python_version);
  for (auto& pin : pin_bytecode(fs, sources, target, fp.diagnostics)) {
    const Owner& owner = owners[pin.owner];
    auto& pkg = catalog.entries[owner.entry].package;
    ++*pkg.bytecode_pinned;
    fp.bytecode.push_back(
        {relative_to(owner.location, std::move(pin.path)), pkg.name, owner.location, pin.sha256});
  }
}

// What dpkg installed below the site directories, as candidates for the
// native probe: a path the .deb of a Python package lists goes to that
// package (its md5sums may have left it out: a symlink, or no md5sums at
// all), any other .deb's to "dpkg". A .list names directories too; a path
// that is some listed path's parent is one and is left out.
void add_dpkg_objects(const Catalog& catalog, const DpkgFiles& dpkg, const PythonProbeOptions& options,
                      std::vector<PackageFileRef>& out) {
  std::unordered_set<std::string_view> dirs;
  auto note_parent = [&](const std::string& path) {
    dirs.insert(std::string_view(path).substr(0, std::max<std::size_t>(1, path.rfind('/'))));
  };
  for (const auto& d : dpkg.listings)
    for (const auto& path : d.paths) note_parent(path);
  for (const auto& path : dpkg.other_paths) note_parent(path);
  auto add = [&](const std::string& path, const std::string& owner) {
    if (dirs.count(path) || is_bytecode(path)) return;
    if (options.returned_files && !options.returned_files(path)) return;
    out.push_back({path, owner});
  };
  for (const auto& d : dpkg.listings) {
    const auto& pkg = catalog.entries[d.entry].package;
    if (pkg.shadowed) continue;  // as for its listed files: another copy is imported
    for (const auto& path : d.paths) add(path, pkg.name);
  }
  for (const auto& path : dpkg.other_paths) add(path, "dpkg");
}

}  // namespace

std::vector<PackageFileRef> probe_python_packages(const FileSystem& fs,
                                                  const std::vector<std::string>& site_dirs,
                                                  const PythonProbeOptions& options,
                                                  lockfile::Fingerprint& fp) {
  // The package cache only ever serves --fast: a full scan reads every file
  // anyway. Nor conda prefixes: there a distribution's file list comes from
  // conda-meta, which the cache's stamps of the .dist-info do not cover.
  const auto conda = conda_prefixes(fs, site_dirs);
  PackageCache* package_cache =
      options.fast && options.returned_files && conda.empty() ? options.package_cache : nullptr;
  Catalog catalog = read_catalog(fs, site_dirs, package_cache);
  fill_from_conda(fs, conda, catalog);
  for (auto& d : catalog.diagnostics) fp.diagnostics.push_back(std::move(d));
  auto dpkg = fill_from_dpkg(fs, catalog, options.dpkg_info_dir);

  // One flat job list so that every core hashes, whatever the package sizes.
  std::vector<Job> jobs;
  std::vector<HashRequest> requests;
  std::vector<std::vector<std::size_t>> job_of(catalog.entries.size());
  for (std::size_t e = 0; e < catalog.entries.size(); ++e) {
    const auto& entry = catalog.entries[e];
    job_of[e].assign(entry.files.size(), SIZE_MAX);
    if (options.fast) continue;
    for (std::size_t f = 0; f < entry.files.size(); ++f) {
      const auto& pf = entry.files[f];
      if (!hashed(pf, entry)) continue;
      Check check = check_for(pf);
      // A RECORD may name any path ("../../../../proc/kcore"); reading the
      // kernel's pseudo filesystems can be endless.
      if (is_pseudo_path(pf.path)) {
        if (check != Check::kNone) {
          auto p = problem_for(entry.package, pf.listed, "unverifiable");
          p.expected = pf.algorithm + "=" + pf.digest;
          fp.integrity.push_back(std::move(p));
        }
        continue;
      }
      job_of[e][f] = jobs.size();
      jobs.push_back({e, f, check});
      requests.push_back({pf.path, check == Check::kExtra ? pf.algorithm : ""});
    }
  }
  auto results = hash_files(fs, requests, options.cache);

  std::vector<PackageFileRef> owned;
  TopLevelOwners top;
  // What another package manager's list (dpkg's database, a conda package
  // that is no Python distribution) accounts for at the top of a site directory.
  auto owns_in_site = [&](const std::string& path, const std::string& who) {
    for (const auto& site : site_dirs) {
      if (path.size() > site.size() + 1 && path.starts_with(site) && path[site.size()] == '/') {
        std::string_view rest = std::string_view(path).substr(site.size() + 1);
        top.names[site][std::string(rest.substr(0, rest.find('/')))].insert(who);
      }
    }
  };
  std::vector<PackageListing> listings;
  PackageListing accounted;  // listed, owner of no directory
  for (std::size_t e = 0; e < catalog.entries.size(); ++e) {
    auto& entry = catalog.entries[e];
    auto& pkg = entry.package;
    if (pkg.direct_kind == "editable") {
      if (auto dir = file_url_path(pkg.direct_url)) top.trees[normalize_path(*dir)] = pkg.name;
    }
    if (entry.cached_native) {  // --fast, from the package cache: files summarized already
      for (const auto& name : entry.cached_top_level) top.names[pkg.location][name].insert(pkg.name);
      if (!pkg.shadowed) {
        for (auto& path : *entry.cached_native) owned.push_back({std::move(path), pkg.name});
      }
      continue;
    }
    std::string unavailable_algorithm;  // a listed digest the filesystem cannot compute
    // Aggregate: one line per listed file with a hash, sorted by listed path, so
    // that a --fast scan (RECORD's hashes) and a full scan (real content) of an
    // untouched package give the same digest.
    std::vector<std::string> lines;
    // The list as written, which both modes read: what a --fast side is
    // compared on (a file that already differed from its RECORD at lock time
    // gives another `digest` in each mode, but the same `listed`).
    std::vector<std::string> listed_lines;
    for (std::size_t f = 0; f < entry.files.size(); ++f) {
      const auto& pf = entry.files[f];
      std::string recorded = pf.algorithm.empty() ? "" : pf.algorithm + "=" + pf.digest;
      if (!recorded.empty()) listed_lines.push_back(pf.listed + "," + recorded + "\n");
      std::string seen = options.fast ? recorded : "";
      if (std::size_t j = job_of[e][f]; j != SIZE_MAX) {
        const auto& r = results[j];
        const Check check = jobs[j].check;
        seen = r ? "sha256=" + b64_of_hex(r->sha256) : "missing";
        if (!r && check != Check::kNone) {
          auto p = problem_for(pkg, pf.listed, why_unhashed(fs, pf.path));
          p.expected = recorded;
          fp.integrity.push_back(std::move(p));
        } else if (check == Check::kUnsupported) {
          auto p = problem_for(pkg, pf.listed, "unverifiable");
          p.expected = recorded;
          fp.integrity.push_back(std::move(p));
        } else if (check == Check::kExtra && r->extra_unavailable) {
          unavailable_algorithm = pf.algorithm;
        } else if (check != Check::kNone) {
          std::string actual = check == Check::kSha256 ? hex_decode(r->sha256) : r->extra;
          bool hex_form = false;
          auto expected = decode_digest(pf.digest, actual.size(), hex_form);
          if (expected != actual) {
            auto p = problem_for(pkg, pf.listed, "modified");
            p.expected = recorded;
            p.actual = pf.algorithm + "=" +
                       (hex_form ? hex_encode(actual) : urlsafe_b64(actual));
            fp.integrity.push_back(std::move(p));
          }
        }
      }
      if (seen.empty()) continue;
      lines.push_back(pf.listed + "," + seen + "\n");
    }
    pkg.files.count = entry.files.size();
    pkg.files.digest = aggregate(lines);
    pkg.files.listed = aggregate(listed_lines);
    if ((!entry.has_file_list || !unavailable_algorithm.empty()) && !options.fast) {
      // One problem for the whole package: integrity could not be checked.
      auto p = problem_for(pkg, entry.metadata_dir.empty() ? pkg.name : base_name(entry.metadata_dir),
                           "unverifiable");
      // An image streams a SHA-256 of every file but keeps no package file's
      // content, so dpkg's MD5s cannot be computed there (docs/images.md).
      if (!unavailable_algorithm.empty())
        p.detail = "its file list's " + unavailable_algorithm +
                   " digests cannot be computed here (an image keeps a SHA-256 of every file, "
                   "not its content)";
      fp.integrity.push_back(std::move(p));
    }
    // A zipped egg is one file in the directory that holds it: it owns its
    // name there, and has no package directory to search for drop-ins.
    const bool zipped_egg = pkg.format == "egg-zip";
    if (zipped_egg) top.names[parent_path(pkg.location)][base_name(pkg.location)].insert(pkg.name);
    const bool conda_only = pkg.format == "conda";
    if (entry.has_file_list && !options.fast && conda_only) {
      // A conda package that is no Python distribution accounts for its
      // files, but makes no directory a package directory: its `lib/` also
      // holds lib/pythonX.Y/site-packages, where pip's packages are no drop-ins.
      for (const auto& pf : entry.files) accounted.paths.push_back(pf.path);
    } else if (entry.has_file_list && !options.fast && !zipped_egg) {
      // Listings are for the drop-in search only.
      PackageListing listing{pkg.name, pkg.location, {}};
      for (const auto& pf : entry.files) listing.paths.push_back(pf.path);
      listings.push_back(std::move(listing));
      // A file list does not reliably name itself, nor RECORD's signatures;
      // they are accounted for without making the directory a package's.
      for (const char* own : {"RECORD", "installed-files.txt", "RECORD.jws", "RECORD.p7s"}) {
        if (!entry.metadata_dir.empty()) {
          accounted.paths.push_back(join_path(entry.metadata_dir, own));
        }
      }
    }
    const auto top_level = conda_only ? std::vector<std::string>{} : top_level_names(entry);
    for (const auto& name : top_level) top.names[pkg.location][name].insert(pkg.name);
    if (conda_only) {
      for (const auto& pf : entry.files) owns_in_site(pf.path, pkg.name);
    }
    std::vector<std::string> native;
    for (const auto& pf : entry.files) {
      if (is_bytecode(pf.path)) continue;
      if (options.returned_files && !options.returned_files(pf.path)) continue;
      native.push_back(pf.path);
    }
    // Only what the .dist-info directory alone decides: not a package whose
    // read gave a diagnostic, nor one without INSTALLER (Debian's, whose file
    // list may come from dpkg's database instead).
    if (package_cache && entry.clean && pkg.format == "dist-info" && !pkg.installer.empty()) {
      package_cache->store(entry.metadata_dir,
                           PackageSummary{pkg, entry.has_file_list, native, top_level});
    }
    if (!pkg.shadowed) {
      for (auto& path : native) owned.push_back({std::move(path), pkg.name});
    }
  }
  // Objects Python can load that no Python file list names (docs/native.md,
  // "Objects no file list names"): what dpkg installed, then what the
  // drop-in search and the site inventory find unowned (owner "").
  add_dpkg_objects(catalog, dpkg, options, owned);
  auto unowned_object = [&](const std::string& path) {
    if (options.returned_files && !options.returned_files(path)) return;
    owned.push_back({path, ""});
  };
  for (const auto& d : dpkg.listings) {
    const auto& pkg = catalog.entries[d.entry].package;
    for (const auto& path : d.paths) owns_in_site(path, pkg.name);
  }
  for (const auto& path : dpkg.other_paths) owns_in_site(path, "dpkg");
  for (auto& d : dpkg.listings) {
    const auto& pkg = catalog.entries[d.entry].package;
    listings.push_back({pkg.name, pkg.location, std::move(d.paths)});
  }
  for (auto& p : dpkg.other_paths) accounted.paths.push_back(std::move(p));
  listings.push_back(std::move(accounted));
  // --fast trusts the file lists as written; whether the disk still matches
  // them (drop-ins included) is the full scan's question. The walk lists every
  // package directory, which costs more than the rest of a --fast scan.
  if (!options.fast) {
    const std::size_t first = fp.integrity.size();
    find_unlisted_files(fs, listings, fp.integrity, fp.diagnostics);
    for (std::size_t i = first; i < fp.integrity.size(); ++i) {
      const auto& p = fp.integrity[i];
      // A FIFO or device ("other") is never opened.
      if (p.problem == "unowned" && p.actual != "other") unowned_object(join_path(p.location, p.path));
    }
  }
  SiteEntryOptions site_options;
  site_options.hash_trees = !options.fast;
  site_options.unowned_file = unowned_object;
  record_site_entries(fs, site_dirs, top, site_options, fp);
  if (!options.fast) pin_unlisted_code(fs, catalog, options, fp);
  for (auto& entry : catalog.entries) fp.packages.push_back(std::move(entry.package));
  return owned;
}

}  // namespace envlock::scanner
