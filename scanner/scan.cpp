#include "scanner/scan.hpp"

#include <memory>

#include "scanner/interpreter_query.hpp"
#include "scanner/live_filesystem.hpp"
#include "scanner/package_catalog.hpp"
#include "scanner/python_probe.hpp"
#include "scanner/site_discovery.hpp"

namespace envlock::scanner {

namespace {

struct Target {
  std::unique_ptr<FileSystem> fs;
  lockfile::Python python;
  std::vector<std::string> site_dirs;
  std::string description;
  bool live_host = false;  ///< hardware, kernel and environment of this machine apply
};

Result<Target> open_target(const ScanRequest& req) {
  Target t;
  switch (req.kind) {
    case TargetKind::kPython: {
      auto facts = ENVLOCK_TRY(query_interpreter(req.python));
      t.fs = std::make_unique<LiveFileSystem>("/", true);
      t.python = std::move(facts.python);
      t.site_dirs = std::move(facts.sys_path);
      t.description = "python:" + t.python.executable;
      t.live_host = true;
      break;
    }
    case TargetKind::kSite: {
      t.fs = std::make_unique<LiveFileSystem>("/", true);
      for (const auto& s : req.sites) {
        if (!t.fs->is_dir(s)) return fail(s + ": not a directory", ErrorKind::kUsage);
        t.site_dirs.push_back(normalize_path(s));
      }
      t.site_dirs = expand_pth(*t.fs, t.site_dirs);
      t.description = "site:";
      for (std::size_t i = 0; i < req.sites.size(); ++i) t.description += (i ? "," : "") + req.sites[i];
      t.live_host = true;
      break;
    }
    case TargetKind::kRoot: {
      auto host = LiveFileSystem("/");
      if (!host.is_dir(req.root)) return fail(req.root + ": not a directory", ErrorKind::kUsage);
      // A venv or conda prefix names host paths (pyvenv.cfg's home); a root
      // filesystem is its own "/", so absolute links resolve inside it.
      bool prefix = host.is_file(join_path(req.root, "pyvenv.cfg")) ||
                    host.is_dir(join_path(req.root, "conda-meta"));
      std::string inside = prefix ? normalize_path(req.root) : "/";
      t.fs = std::make_unique<LiveFileSystem>(prefix ? "/" : req.root);
      auto found = ENVLOCK_TRY(discover_python(*t.fs, inside));
      t.python = std::move(found.python);
      t.site_dirs = expand_pth(*t.fs, found.site_dirs);
      t.description = "root:" + req.root;
      break;
    }
    case TargetKind::kImage:
      return fail("--image: container images are not supported by this build yet",
                  ErrorKind::kUsage);
  }
  return t;
}

}  // namespace

Result<lockfile::Fingerprint> scan(const ScanRequest& req) {
  auto target = ENVLOCK_TRY(open_target(req));
  lockfile::Fingerprint fp;
  fp.envlock.target = target.description;

  PythonProbeOptions python_options;
  python_options.fast = req.fast;
  auto package_files = probe_python_packages(*target.fs, target.site_dirs, python_options, fp);
  if (req.kind != TargetKind::kSite) {
    target.python.site_dirs = target.site_dirs;
    fp.python = target.python;
  }
  (void)package_files;
  lockfile::canonicalize(fp);
  return fp;
}

}  // namespace envlock::scanner
