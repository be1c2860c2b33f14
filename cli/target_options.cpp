#include "cli/target_options.hpp"

#include <cstdlib>
#include <filesystem>

extern char** environ;

namespace envlock::cli {

void add_target_options(CLI::App& app, TargetOptions& o) {
  app.add_option("--python", o.python, "Live interpreter to scan (default python3)");
  app.add_option("--site", o.sites, "Site-packages directory (repeatable)");
  app.add_option("--root", o.root, "Root filesystem, venv or conda prefix (static, nothing runs)");
  app.add_option("--image", o.image, "docker save tarball, OCI layout dir or OCI archive");
  app.add_option("--image-ref", o.image_ref, "Tag or digest of the image inside --image");
  app.add_option("--platform", o.platform, "Platform of a multi-platform image (os/arch)");
  app.add_flag("--fast", o.fast, "Trust RECORD hashes; read no package file contents");
  app.add_flag("--no-cache", o.no_cache, "Ignore the incremental scan cache");
  app.add_flag("--rehash", o.rehash, "Hash every file again, trusting no cached digest (the cache is still written)");
  app.add_option("--rehash-after", o.rehash_after_days,
                 "Days after which a cached digest is taken again (default 7; 0: always)");
}

namespace {

// Scanner paths are absolute inside the target; on the command line a path is
// relative to where envlock runs, as users expect of `--site .venv/lib/...`.
std::string absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  if (ec) return path;
  std::string out = abs.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

Result<scanner::ScanRequest> to_request(const TargetOptions& o) {
  scanner::ScanRequest req;
  int chosen = !o.python.empty() + !o.sites.empty() + !o.root.empty() + !o.image.empty();
  if (chosen > 1) {
    return fail("choose one target: --python, --site, --root or --image", ErrorKind::kUsage);
  }
  if (!o.image_ref.empty() && o.image.empty()) {
    return fail("--image-ref needs --image", ErrorKind::kUsage);
  }
  if (!o.sites.empty()) {
    req.kind = scanner::TargetKind::kSite;
    for (const auto& s : o.sites) req.sites.push_back(absolute(s));
  } else if (!o.root.empty()) {
    req.kind = scanner::TargetKind::kRoot;
    req.root = absolute(o.root);
  } else if (!o.image.empty()) {
    req.kind = scanner::TargetKind::kImage;
    req.image = absolute(o.image);
    req.image_ref = o.image_ref;
  } else {
    req.kind = scanner::TargetKind::kPython;
    req.python = o.python.empty() ? "python3" : o.python;
  }
  req.platform = o.platform;
  req.fast = o.fast;
  req.use_cache = !o.no_cache;
  req.rehash = o.rehash;
  if (o.rehash_after_days > 36'500) return fail("--rehash-after: at most 36500 days", ErrorKind::kUsage);
  req.rehash_after = std::chrono::seconds(std::int64_t{o.rehash_after_days} * 86'400);
  for (char** e = environ; e && *e; ++e) req.environ.emplace_back(*e);
  // For tests of the limit on the interpreter query (docs/cli.md); not an option users need.
  if (const char* ms = std::getenv("ENVLOCK_PYTHON_TIMEOUT_MS"); ms && *ms) {
    char* end = nullptr;
    long long v = std::strtoll(ms, &end, 10);
    if (*end != '\0' || v <= 0 || v > 3'600'000) {
      return fail("ENVLOCK_PYTHON_TIMEOUT_MS: expected milliseconds between 1 and 3600000", ErrorKind::kUsage);
    }
    req.python_timeout = std::chrono::milliseconds(v);
  }
  return req;
}

Result<lockfile::Fingerprint> scan_target(const TargetOptions& options) {
  auto req = ENVLOCK_TRY(to_request(options));
  return scanner::scan(req);
}

}  // namespace envlock::cli
