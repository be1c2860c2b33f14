#include "scanner/native/native_probe.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <thread>

#include "scanner/native/cuda_probe.hpp"
#include "scanner/native/elf_reader.hpp"
#include "scanner/native/elf_versions.hpp"
#include "scanner/native/library_resolver.hpp"

namespace envlock::scanner {

namespace {

/// Runs fn(0..n-1) on up to `threads` threads (0 = one per core).
template <class F>
void parallel_for(std::size_t n, unsigned threads, F&& fn) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  if (threads > n) threads = static_cast<unsigned>(n);
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    });
  for (auto& t : pool) t.join();
}

/// What the parallel phase learns about one file.
struct Scanned {
  std::string path;
  std::string owner;
  bool elf = false;
  Result<ElfInfo> info = fail("");
  std::string sha256;
  std::string hash_error;
};

void fill_from_info(lockfile::Native& n, const ElfInfo& info) {
  n.soname = info.soname;
  n.needed = info.needed;
  n.version_needs = info.version_needs;
  n.glibc_max = highest_version(info.version_needs, "GLIBC_");
}

void add_diagnostic(lockfile::Fingerprint& fp, std::set<std::string>& seen, const std::string& subject,
                    const std::string& message) {
  if (seen.insert(subject + '\n' + message).second) fp.diagnostics.push_back({subject, message});
}

}  // namespace

void probe_native(const FileSystem& fs, const std::vector<NativeCandidate>& candidates,
                  const NativeOptions& opts, lockfile::Fingerprint& fp) {
  std::set<std::string> seen_diagnostics;
  // One entry per path, in path order, so the closures run in a stable order.
  std::map<std::string, std::string> owners;
  // A RECORD row may climb into /dev ("../../../../dev/zero"): such a path is
  // never opened, not even to look at its first bytes.
  for (const auto& c : candidates)
    if (!is_pseudo_path(c.path)) owners.emplace(c.path, c.owner);
  std::vector<Scanned> files;
  files.reserve(owners.size());
  for (const auto& [path, owner] : owners) {
    Scanned s;
    s.path = path;
    s.owner = owner;
    files.push_back(std::move(s));
  }

  parallel_for(files.size(), opts.threads, [&](std::size_t i) {
    Scanned& s = files[i];
    // An image keeps content only of files whose first bytes are ELF, so an
    // unreadable candidate there is simply not ELF; on a live host the package
    // probe, which hashes every file, reports read errors.
    auto head = fs.read_prefix(s.path, 64);
    if (!head || !looks_like_elf(*head)) return;
    s.elf = true;
    s.info = read_elf_file(fs, s.path);
    if (!opts.hash) return;
    auto sha = fs.sha256(s.path);
    if (sha) s.sha256 = *sha;
    else s.hash_error = sha.error().message;
  });

  LibraryResolver resolver(fs, opts.ld_library_path);
  if (!resolver.cache_error().empty())
    add_diagnostic(fp, seen_diagnostics, "/etc/ld.so.cache", resolver.cache_error());

  std::vector<lockfile::Native> out;
  std::set<std::string> package_real;  // identities of the shipped objects
  for (auto& s : files) {
    if (!s.elf) continue;
    package_real.insert(resolver.identity(s.path));
    resolver.remember(s.path, s.info);
  }

  // System objects reached from the packages, by identity, in discovery order.
  std::map<std::string, std::string> system_path;  // real -> path as first found
  std::deque<std::string> pending;
  auto note_closure = [&](const std::vector<LoadedObject>& objects) {
    for (std::size_t k = 1; k < objects.size(); ++k) {
      const auto& o = objects[k];
      if (o.path.empty()) continue;
      if (!o.error.empty()) add_diagnostic(fp, seen_diagnostics, o.path, o.error);
      if (package_real.count(o.real) || system_path.count(o.real)) continue;
      system_path.emplace(o.real, o.path);
      pending.push_back(o.path);
    }
  };
  auto native_for = [&](const std::string& path, const std::string& owner) {
    lockfile::Native n;
    n.path = path;
    n.owner = owner;
    auto objects = resolver.load_closure(path);
    if (!objects) {
      add_diagnostic(fp, seen_diagnostics, path, objects.error().message);
      return n;
    }
    fill_from_info(n, objects->front().info);
    n.resolved = objects->front().resolved;
    note_closure(*objects);
    return n;
  };

  for (const auto& s : files) {
    if (!s.elf) continue;
    lockfile::Native n = native_for(s.path, s.owner);
    n.sha256 = s.sha256;
    if (!s.hash_error.empty()) add_diagnostic(fp, seen_diagnostics, s.path, s.hash_error);
    out.push_back(std::move(n));
  }
  // Each system library gets the closure ld.so would load for it alone, which
  // may reach libraries the packages' closures did not.
  std::size_t first_system = out.size();
  while (!pending.empty()) {
    std::string path = pending.front();
    pending.pop_front();
    out.push_back(native_for(path, "system"));
  }
  if (opts.hash) {
    std::vector<std::string> errors(out.size());
    parallel_for(out.size() - first_system, opts.threads, [&](std::size_t i) {
      auto& n = out[first_system + i];
      auto sha = fs.sha256(n.path);
      if (sha) n.sha256 = *sha;
      else errors[first_system + i] = sha.error().message;
    });
    for (std::size_t i = first_system; i < out.size(); ++i)
      if (!errors[i].empty()) add_diagnostic(fp, seen_diagnostics, out[i].path, errors[i]);
  }

  for (auto& n : out) fp.native.push_back(std::move(n));
  std::stable_sort(fp.native.begin(), fp.native.end(),
                   [](const auto& a, const auto& b) { return a.path < b.path; });
  probe_cuda(fp.native, fs, fp);
}

}  // namespace envlock::scanner
