#include "scanner/scan.hpp"

#include <unistd.h>

#include <climits>
#include <memory>
#include <optional>

#include "scanner/cache/cache_file.hpp"
#include "scanner/cache/cached_filesystem.hpp"
#include "scanner/host/cpu_probe.hpp"
#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/host/env_probe.hpp"
#include "scanner/host/gpu_probe.hpp"
#include "scanner/cache/hash_cache.hpp"
#include "scanner/image/image_filesystem.hpp"
#include "scanner/python/interpreter_cache.hpp"
#include "scanner/python/interpreter_query.hpp"
#include "scanner/native/native_probe.hpp"
#include "scanner/host/os_probe.hpp"
#include "scanner/python/package_catalog.hpp"
#include "scanner/python/python_probe.hpp"
#include "scanner/python/site_discovery.hpp"
#include "scanner/python/sys_path.hpp"
#include "scanner/cache/wall_clock.hpp"

namespace envlock::scanner {

namespace {

struct Target {
  std::unique_ptr<FileSystem> fs;
  lockfile::Python python;
  std::vector<std::string> site_dirs;
  std::string description;
  std::optional<lockfile::Image> image;
  std::vector<std::string> environ;  ///< the target's environment: live process or image config
  std::vector<std::string> notes;    ///< what opening it chose or tolerated (images)
};

// The variables ld.so reads from the environment, for live targets and images.
std::vector<std::string> ld_library_path(const std::vector<std::string>& environ) {
  std::vector<std::string> out;
  for (const auto& e : environ) {
    if (!e.starts_with("LD_LIBRARY_PATH=")) continue;
    std::string_view v = std::string_view(e).substr(16);
    std::size_t i = 0;
    while (i <= v.size()) {
      std::size_t j = v.find_first_of(":;", i);
      if (j == std::string_view::npos) j = v.size();
      // An empty element means the current directory to ld.so; a scan has none.
      if (j > i) out.emplace_back(v.substr(i, j - i));
      i = j + 1;
    }
  }
  return out;
}

std::string working_directory() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string("/");
}

Result<Target> open_target(const ScanRequest& req) {
  Target t;
  switch (req.kind) {
    case TargetKind::kPython: {
      // Starting Python is most of a --fast scan; an unchanged interpreter in an
      // unchanged environment answers from the cache (interpreter_cache.hpp).
      InterpreterCache cache(req.use_cache ? cache_directory() : "");
      auto cached = req.rehash ? std::nullopt : cache.lookup(req.python, req.environ);
      InterpreterFacts facts;
      if (cached) {
        facts = std::move(*cached);
      } else {
        const std::int64_t started = wall_clock_ns();
        facts = ENVLOCK_TRY(query_interpreter(req.python, req.environ, req.python_timeout));
        cache.store(req.python, req.environ, facts, started);
      }
      t.fs = std::make_unique<DiskFileSystem>(DiskFileSystem::live_host());
      t.python = std::move(facts.python);
      // The query ran without PYTHONPATH (-I); a normal run puts it first,
      // so its directories are read here, as site directories are.
      t.python.pythonpath = pythonpath_entries(env_value(req.environ, "PYTHONPATH"), working_directory());
      t.site_dirs = live_sys_path(*t.fs, facts, t.python.pythonpath);
      for (const char* name : {"PYTHONHOME", "PYTHONPLATLIBDIR"}) {
        if (!env_value(req.environ, name).empty()) {
          t.notes.push_back(std::string(name) +
                            " is set; the interpreter was asked without it (-I), so the standard library "
                            "and site directories are those of a run without it");
        }
      }
      t.description = "python:" + t.python.executable;
      break;
    }
    case TargetKind::kSite: {
      t.fs = std::make_unique<DiskFileSystem>(DiskFileSystem::live_host());
      for (const auto& s : req.sites) {
        if (!t.fs->is_dir(s)) return fail(s + ": not a directory", ErrorKind::kUsage);
        t.site_dirs.push_back(normalize_path(s));
      }
      t.site_dirs = expand_pth(*t.fs, t.site_dirs);
      t.description = "site:";
      for (std::size_t i = 0; i < req.sites.size(); ++i)
        t.description += (i ? "," : "") + req.sites[i];
      break;
    }
    case TargetKind::kRoot: {
      auto host = DiskFileSystem("/");
      if (!host.is_dir(req.root)) return fail(req.root + ": not a directory", ErrorKind::kUsage);
      // Always confined: nothing outside DIR is read, whatever DIR holds. A
      // root filesystem is its own "/", so absolute links resolve inside it;
      // a venv or conda prefix keeps its host paths (its packages' locations
      // read as they do to its interpreter) and may not be left, so the base
      // interpreter a venv's pyvenv.cfg names is not part of the scan.
      bool prefix = host.is_file(join_path(req.root, "pyvenv.cfg")) ||
                    host.is_dir(join_path(req.root, "conda-meta"));
      std::string inside = prefix ? normalize_path(req.root) : "/";
      t.fs = std::make_unique<DiskFileSystem>(req.root, inside);
      auto found = ENVLOCK_TRY(discover_python(*t.fs, inside));
      t.python = std::move(found.python);
      t.site_dirs = expand_pth(*t.fs, found.site_dirs, found.stdlib);
      t.notes = std::move(found.notes);
      t.description = "root:" + req.root;
      break;
    }
    case TargetKind::kImage: {
      ImageOptions opts;
      opts.ref = req.image_ref;
      opts.platform = req.platform;
      opts.hash_files = !req.fast;
      auto opened = ENVLOCK_TRY(open_image(req.image, opts));
      t.fs = std::move(opened.fs);
      t.image = std::move(opened.identity);
      t.environ = std::move(opened.env);
      t.notes = std::move(opened.notes);
      // The image's PATH decides which python3 its containers run.
      auto found = ENVLOCK_TRY(discover_python(*t.fs, "/", env_value(t.environ, "PATH")));
      t.python = std::move(found.python);
      t.site_dirs = expand_pth(*t.fs, found.site_dirs, found.stdlib);
      for (auto& note : found.notes) t.notes.push_back(std::move(note));
      t.description = "image:" + req.image + (req.image_ref.empty() ? "" : "@" + req.image_ref);
      break;
    }
  }
  // Hardware, kernel and environment of this machine apply to a live target only.
  if (t.fs->is_live()) t.environ = req.environ;
  return t;
}

}  // namespace

Result<lockfile::Fingerprint> scan(const ScanRequest& req) {
  const std::int64_t started = wall_clock_ns();
  auto target = ENVLOCK_TRY(open_target(req));
  lockfile::Fingerprint fp;
  fp.envlock.target = target.description;
  fp.scan = lockfile::Scan{req.fast ? "fast" : "full"};
  // "platform linux/amd64 chosen from 3", a hardlink without its target: the
  // reader of the report should see what the scan decided on its own.
  for (auto& note : target.notes) fp.diagnostics.push_back({target.description, std::move(note)});

  PythonProbeOptions python_options;
  python_options.fast = req.fast;
  python_options.python_implementation = target.python.implementation;
  python_options.python_version = target.python.version;
  // The cache keys on real device/inode/ctime: live directory trees only.
  std::unique_ptr<HashCache> cache;
  if (req.use_cache && !req.fast && req.kind != TargetKind::kImage) {
    cache = std::make_unique<HashCache>(HashCache::default_file(), wall_clock_ns(),
                                        RehashPolicy{req.rehash, req.rehash_after});
    python_options.cache = cache.get();
  }
  // --fast on the live host's own paths (stat must be the host's): .dist-info
  // directories unchanged since an earlier scan are not read again.
  std::unique_ptr<PackageCache> package_cache;
  if (req.use_cache && req.fast && (req.kind == TargetKind::kPython || req.kind == TargetKind::kSite)) {
    package_cache = std::make_unique<PackageCache>(PackageCache::default_file(), started,
                                                   RehashPolicy{req.rehash, req.rehash_after});
    python_options.package_cache = package_cache.get();
  }
  const auto native_candidates =
      probe_python_packages(*target.fs, target.site_dirs, python_options, fp);
  if (package_cache) (void)package_cache->save();  // a cache that cannot be written only costs time
  if (req.kind != TargetKind::kSite) {
    target.python.site_dirs = target.site_dirs;
    fp.python = target.python;
  }
  if (target.image) fp.image = std::move(target.image);

  probe_os(*target.fs, fp);
  if (fp.python && fp.python->platform.empty() && fp.os && !fp.os->arch.empty()) {
    fp.python->platform = "linux_" + fp.os->arch;
  }

  NativeOptions native_options;
  native_options.hash = !req.fast;
  native_options.ld_library_path = ld_library_path(target.environ);
  if (cache) {
    probe_native(CachedFileSystem(*target.fs, *cache), native_candidates, native_options, fp);
    (void)cache->save();  // a cache that cannot be written only costs time
  } else {
    probe_native(*target.fs, native_candidates, native_options, fp);
  }

  if (target.fs->is_live()) {
    // Hardware belongs to the machine that runs the scan; only live targets have one.
    probe_cpu(*target.fs, fp);
    probe_gpus(*target.fs, fp);
  }
  if (!target.environ.empty()) probe_env(target.environ, fp);
  lockfile::canonicalize(fp);
  return fp;
}

}  // namespace envlock::scanner
