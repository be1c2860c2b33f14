#include "scanner/python/python_probe.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <unordered_set>

#include "base/sha256.hpp"
#include "scanner/python/bytecode.hpp"
#include "scanner/python/conda_meta.hpp"
#include "scanner/python/dpkg_files.hpp"
#include "scanner/python/editable_project.hpp"
#include "scanner/cache/file_hasher.hpp"
#include "scanner/python/package_catalog.hpp"
#include "scanner/python/record_parser.hpp"
#include "scanner/python/site_entries.hpp"
#include "scanner/python/unlisted_files.hpp"

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
void add_dpkg_objects(const Catalog& catalog, const DpkgFiles& dpkg,
                      std::vector<NativeCandidate>& out) {
  std::unordered_set<std::string_view> dirs;
  auto note_parent = [&](const std::string& path) {
    dirs.insert(std::string_view(path).substr(0, std::max<std::size_t>(1, path.rfind('/'))));
  };
  for (const auto& d : dpkg.listings)
    for (const auto& path : d.paths) note_parent(path);
  for (const auto& path : dpkg.other_paths) note_parent(path);
  auto add = [&](const std::string& path, const std::string& owner) {
    if (dirs.count(path) || is_bytecode(path) || !may_be_native(path)) return;
    out.push_back({path, owner});
  };
  for (const auto& d : dpkg.listings) {
    const auto& pkg = catalog.entries[d.entry].package;
    if (pkg.shadowed) continue;  // as for its listed files: another copy is imported
    for (const auto& path : d.paths) add(path, pkg.name);
  }
  for (const auto& path : dpkg.other_paths) add(path, "dpkg");
}

// Step 1. The packages of the site directories: the catalog (from the package
// cache where it may serve), with conda's and dpkg's file lists.
struct Packages {
  Catalog catalog;
  DpkgFiles dpkg;
  PackageCache* cache = nullptr;  ///< where this scan stores .dist-info summaries, if anywhere
};

Packages read_packages(const FileSystem& fs, const std::vector<std::string>& site_dirs,
                       const PythonProbeOptions& options, lockfile::Fingerprint& fp) {
  Packages out;
  // The package cache only ever serves --fast: a full scan reads every file
  // anyway. Nor conda prefixes: there a distribution's file list comes from
  // conda-meta, which the cache's stamps of the .dist-info do not cover.
  const auto conda = conda_prefixes(fs, site_dirs);
  out.cache = options.fast && conda.empty() ? options.package_cache : nullptr;
  out.catalog = read_catalog(fs, site_dirs, out.cache);
  fill_from_conda(fs, conda, out.catalog);
  for (auto& d : out.catalog.diagnostics) fp.diagnostics.push_back(std::move(d));
  out.dpkg = fill_from_dpkg(fs, out.catalog, options.dpkg_info_dir);
  return out;
}

// The digests of the listed files of every package, full scans only.
struct ListedHashes {
  std::vector<std::vector<std::size_t>> job_of;  ///< [entry][file] -> job; SIZE_MAX: not hashed
  std::vector<Check> checks;                     ///< per job
  std::vector<Result<FileDigest>> results;       ///< per job
};

// Step 2. Hashes every listed file that has a hash (or, for a list without
// hashes, is hashed for the aggregate), as one flat job list so that every
// core hashes, whatever the package sizes.
ListedHashes hash_listed_files(const FileSystem& fs, const Catalog& catalog,
                               const PythonProbeOptions& options, lockfile::Fingerprint& fp) {
  ListedHashes out;
  std::vector<HashRequest> requests;
  out.job_of.resize(catalog.entries.size());
  for (std::size_t e = 0; e < catalog.entries.size(); ++e) {
    const auto& entry = catalog.entries[e];
    out.job_of[e].assign(entry.files.size(), SIZE_MAX);
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
      out.job_of[e][f] = out.checks.size();
      out.checks.push_back(check);
      requests.push_back({pf.path, check == Check::kExtra ? pf.algorithm : ""});
    }
  }
  out.results = hash_files(fs, requests, options.cache);
  return out;
}

// One hashed listed file against its listed digest: "modified", "deleted" or
// "unverifiable" go to fp.integrity; a digest of an algorithm the filesystem
// cannot compute sets `unavailable_algorithm`. Returns the hash as seen, for
// the package's aggregate.
std::string compare_listed_digest(const FileSystem& fs, const lockfile::Package& pkg,
                                  const PackageFile& pf, Check check, const Result<FileDigest>& r,
                                  std::string& unavailable_algorithm, lockfile::Fingerprint& fp) {
  const std::string recorded = pf.algorithm.empty() ? "" : pf.algorithm + "=" + pf.digest;
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
      p.actual =
          pf.algorithm + "=" + (hex_form ? hex_encode(actual) : urlsafe_b64(actual));
      fp.integrity.push_back(std::move(p));
    }
  }
  return r ? "sha256=" + b64_of_hex(r->sha256) : "missing";
}

// Step 3a. The package's `files` summary (count, digest of what was seen,
// digest of the list as written) and its integrity problems.
void summarize_files(const FileSystem& fs, CatalogEntry& entry,
                     const std::vector<std::size_t>& job_of, const ListedHashes& hashes, bool fast,
                     lockfile::Fingerprint& fp) {
  auto& pkg = entry.package;
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
    std::string seen = fast ? recorded : "";
    if (std::size_t j = job_of[f]; j != SIZE_MAX) {
      seen = compare_listed_digest(fs, pkg, pf, hashes.checks[j], hashes.results[j],
                                   unavailable_algorithm, fp);
    }
    if (seen.empty()) continue;
    lines.push_back(pf.listed + "," + seen + "\n");
  }
  pkg.files.count = entry.files.size();
  pkg.files.digest = aggregate(lines);
  pkg.files.listed = aggregate(listed_lines);
  if ((!entry.has_file_list || !unavailable_algorithm.empty()) && !fast) {
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
}

// What the file lists tell the drop-in search (unlisted_files.hpp) and the
// site inventory (site_entries.hpp): who owns which names at the top of a
// site directory, and which files each package lists.
struct Ownership {
  TopLevelOwners top;
  std::vector<PackageListing> listings;
  PackageListing accounted;  ///< listed, owner of no directory
};

// What another package manager's list (dpkg's database, a conda package
// that is no Python distribution) accounts for at the top of a site directory.
void owns_in_site(const std::vector<std::string>& site_dirs, const std::string& path,
                  const std::string& who, TopLevelOwners& top) {
  for (const auto& site : site_dirs) {
    if (path.size() > site.size() + 1 && path.starts_with(site) && path[site.size()] == '/') {
      std::string_view rest = std::string_view(path).substr(site.size() + 1);
      top.names[site][std::string(rest.substr(0, rest.find('/')))].insert(who);
    }
  }
}

// Step 3b. What one package's file list owns. Returns its top-level names
// (a package cache summary keeps them).
std::vector<std::string> note_ownership(const CatalogEntry& entry, bool fast,
                                        const std::vector<std::string>& site_dirs, Ownership& own) {
  const auto& pkg = entry.package;
  // A zipped egg is one file in the directory that holds it: it owns its
  // name there, and has no package directory to search for drop-ins.
  const bool zipped_egg = pkg.format == "egg-zip";
  if (zipped_egg)
    own.top.names[parent_path(pkg.location)][base_name(pkg.location)].insert(pkg.name);
  const bool conda_only = pkg.format == "conda";
  if (entry.has_file_list && !fast && conda_only) {
    // A conda package that is no Python distribution accounts for its
    // files, but makes no directory a package directory: its `lib/` also
    // holds lib/pythonX.Y/site-packages, where pip's packages are no drop-ins.
    for (const auto& pf : entry.files) own.accounted.paths.push_back(pf.path);
  } else if (entry.has_file_list && !fast && !zipped_egg) {
    // Listings are for the drop-in search only.
    PackageListing listing{pkg.name, pkg.location, {}};
    for (const auto& pf : entry.files) listing.paths.push_back(pf.path);
    own.listings.push_back(std::move(listing));
    // A file list does not reliably name itself, nor RECORD's signatures;
    // they are accounted for without making the directory a package's.
    for (const char* file : {"RECORD", "installed-files.txt", "RECORD.jws", "RECORD.p7s"}) {
      if (!entry.metadata_dir.empty()) {
        own.accounted.paths.push_back(join_path(entry.metadata_dir, file));
      }
    }
  }
  const auto top_level = conda_only ? std::vector<std::string>{} : top_level_names(entry);
  for (const auto& name : top_level) own.top.names[pkg.location][name].insert(pkg.name);
  if (conda_only) {
    for (const auto& pf : entry.files) owns_in_site(site_dirs, pf.path, pkg.name, own.top);
  }
  return top_level;
}

// Step 3c. The package's listed files that may be native (byte code never is).
std::vector<std::string> native_files(const CatalogEntry& entry) {
  std::vector<std::string> native;
  for (const auto& pf : entry.files) {
    if (is_bytecode(pf.path) || !may_be_native(pf.path)) continue;
    native.push_back(pf.path);
  }
  return native;
}

// Step 3d. A --fast summary of what the .dist-info directory alone decides,
// for the next scan: not a package whose read gave a diagnostic, nor one
// without INSTALLER (Debian's, whose file list may come from dpkg's database
// instead).
void store_summary(PackageCache* cache, const CatalogEntry& entry,
                   const std::vector<std::string>& native,
                   const std::vector<std::string>& top_level) {
  const auto& pkg = entry.package;
  if (cache && entry.clean && pkg.format == "dist-info" && !pkg.installer.empty()) {
    cache->store(entry.metadata_dir, PackageSummary{pkg, entry.has_file_list, native, top_level});
  }
}

// Step 4. dpkg's lists, after the Python packages': the top-level names they
// own, their paths for the drop-in search (moved out of `dpkg`), and the
// paths no Python package lists, accounted for.
void note_dpkg_ownership(const Catalog& catalog, DpkgFiles& dpkg,
                         const std::vector<std::string>& site_dirs, Ownership& own) {
  for (const auto& d : dpkg.listings) {
    const auto& pkg = catalog.entries[d.entry].package;
    for (const auto& path : d.paths) owns_in_site(site_dirs, path, pkg.name, own.top);
  }
  for (const auto& path : dpkg.other_paths) owns_in_site(site_dirs, path, "dpkg", own.top);
  for (auto& d : dpkg.listings) {
    const auto& pkg = catalog.entries[d.entry].package;
    own.listings.push_back({pkg.name, pkg.location, std::move(d.paths)});
  }
  for (auto& p : dpkg.other_paths) own.accounted.paths.push_back(std::move(p));
}

// Step 5 (full scans). The drop-in search: files in package directories that
// no list names become integrity problems; each unowned one that is no FIFO
// or device ("other", never opened) goes to `unowned_object`.
void find_drop_ins(const FileSystem& fs, const std::vector<PackageListing>& listings,
                   const std::function<void(const std::string&)>& unowned_object,
                   lockfile::Fingerprint& fp) {
  const std::size_t first = fp.integrity.size();
  find_unlisted_files(fs, listings, fp.integrity, fp.diagnostics);
  for (std::size_t i = first; i < fp.integrity.size(); ++i) {
    const auto& p = fp.integrity[i];
    if (p.problem == "unowned" && p.actual != "other")
      unowned_object(join_path(p.location, p.path));
  }
}

}  // namespace

std::vector<NativeCandidate> probe_python_packages(const FileSystem& fs,
                                                   const std::vector<std::string>& site_dirs,
                                                   const PythonProbeOptions& options,
                                                   lockfile::Fingerprint& fp) {
  auto packages = read_packages(fs, site_dirs, options, fp);
  auto& catalog = packages.catalog;
  const auto hashes = hash_listed_files(fs, catalog, options, fp);

  std::vector<NativeCandidate> candidates;
  Ownership own;
  for (std::size_t e = 0; e < catalog.entries.size(); ++e) {
    auto& entry = catalog.entries[e];
    const auto& pkg = entry.package;
    if (pkg.direct_kind == "editable") {
      if (auto dir = file_url_path(pkg.direct_url)) own.top.trees[normalize_path(*dir)] = pkg.name;
    }
    if (entry.cached_native) {  // --fast, from the package cache: files summarized already
      for (const auto& name : entry.cached_top_level)
        own.top.names[pkg.location][name].insert(pkg.name);
      if (!pkg.shadowed) {
        for (auto& path : *entry.cached_native) candidates.push_back({std::move(path), pkg.name});
      }
      continue;
    }
    summarize_files(fs, entry, hashes.job_of[e], hashes, options.fast, fp);
    const auto top_level = note_ownership(entry, options.fast, site_dirs, own);
    auto native = native_files(entry);
    store_summary(packages.cache, entry, native, top_level);
    if (!pkg.shadowed) {
      for (auto& path : native) candidates.push_back({std::move(path), pkg.name});
    }
  }
  // Objects Python can load that no Python file list names (docs/native.md,
  // "Objects no file list names"): what dpkg installed, then what the
  // drop-in search and the site inventory find unowned (owner "").
  add_dpkg_objects(catalog, packages.dpkg, candidates);
  auto unowned_object = [&](const std::string& path) {
    if (may_be_native(path)) candidates.push_back({path, ""});
  };
  note_dpkg_ownership(catalog, packages.dpkg, site_dirs, own);
  own.listings.push_back(std::move(own.accounted));
  // --fast trusts the file lists as written; whether the disk still matches
  // them (drop-ins included) is the full scan's question. The walk lists every
  // package directory, which costs more than the rest of a --fast scan.
  if (!options.fast) find_drop_ins(fs, own.listings, unowned_object, fp);
  SiteEntryOptions site_options;
  site_options.hash_trees = !options.fast;
  site_options.unowned_file = unowned_object;
  record_site_entries(fs, site_dirs, own.top, site_options, fp);
  if (!options.fast) pin_unlisted_code(fs, catalog, options, fp);
  for (auto& e : catalog.entries) fp.packages.push_back(std::move(e.package));
  return candidates;
}

}  // namespace envlock::scanner
