#include "scanner/host/os_probe.hpp"

#include <sys/utsname.h>

#include "base/text.hpp"
#include "scanner/native/elf_reader.hpp"
#include "scanner/native/elf_versions.hpp"
#include "scanner/native/library_resolver.hpp"

namespace envlock::scanner {

namespace {

constexpr std::uint64_t kSmallFile = 64 << 10;

bool is_version_char(char c) { return (c >= '0' && c <= '9') || c == '.'; }

/// The dotted version starting at `pos`, without a trailing '.'.
std::string version_at(std::string_view s, std::size_t pos) {
  std::size_t end = pos;
  while (end < s.size() && end - pos < 32 && is_version_char(s[end])) ++end;
  std::string_view v = s.substr(pos, end - pos);
  while (!v.empty() && v.back() == '.') v.remove_suffix(1);
  if (v.empty() || v.front() == '.' || v.find('.') == std::string_view::npos) return "";
  return std::string(v);
}

// os-release and uname text are trimmed of these only (not \v or \f).
constexpr std::string_view kSpace = " \t\n\r";

/// "libc-2.31.so" -> "2.31" (glibc before 2.34 named the file after its version).
std::string libc_file_version(std::string_view name) {
  if (!name.starts_with("libc-") || !name.ends_with(".so")) return "";
  std::string_view v = name.substr(5, name.size() - 8);
  return version_at(v, 0) == v ? std::string(v) : "";
}

}  // namespace

std::map<std::string, std::string> parse_os_release(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view raw : Lines(text)) {
    std::string line(trim(raw, kSpace));
    if (line.empty() || line.front() == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string key = line.substr(0, eq);
    bool good_key = std::all_of(key.begin(), key.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!good_key) continue;
    std::string value;
    char quote = 0;
    bool ok = true;
    for (std::size_t k = eq + 1; k < line.size(); ++k) {
      char c = line[k];
      if (quote == '\'') {
        if (c == '\'') quote = 0;
        else value.push_back(c);
      } else if (c == '\\' && k + 1 < line.size() &&
                 (quote == 0 || std::string_view("$\"\\`").find(line[k + 1]) != std::string_view::npos)) {
        value.push_back(line[++k]);
      } else if (quote == '"') {
        if (c == '"') quote = 0;
        else value.push_back(c);
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == ' ' || c == '\t') {
        ok = false;  // unquoted whitespace is not a valid assignment
        break;
      } else {
        value.push_back(c);
      }
    }
    if (ok && quote == 0) out[key] = value;
  }
  return out;
}

std::string glibc_banner_version(std::string_view libc_bytes, std::size_t limit) {
  constexpr std::string_view kMarker = "release version ";
  for (auto pos = libc_bytes.find(kMarker); pos != std::string_view::npos && pos < limit;
       pos = libc_bytes.find(kMarker, pos + 1)) {
    std::string v = version_at(libc_bytes, pos + kMarker.size());
    if (!v.empty()) return v;
  }
  return "";
}

std::string gcc_comment_version(std::string_view bytes, std::size_t limit) {
  constexpr std::string_view kMarker = "GCC: (";
  std::string best;
  for (auto pos = bytes.find(kMarker); pos != std::string_view::npos && pos < limit;
       pos = bytes.find(kMarker, pos + 1)) {
    // "GCC: (Debian 12.2.0-14) 12.2.0": the version follows the closing ") ".
    auto close = bytes.find(") ", pos);
    auto nul = bytes.find('\0', pos);
    if (close == std::string_view::npos || (nul != std::string_view::npos && nul < close)) continue;
    std::string v = version_at(bytes, close + 2);
    if (!v.empty() && (best.empty() || compare_dotted(v, best) > 0)) best = v;
  }
  return best;
}

namespace {

// Hands `scan` the whole of `path` in overlapping windows, streamed through
// the filesystem's reusable buffer instead of a copy of a 2 MB library: a
// match starting before the `limit` it is given lies whole in its window.
// An image keeps only what the ELF reader needs of a library and cannot
// stream it; its kept prefix is searched instead.
template <class Scan>
void scan_file(const FileSystem& fs, const std::string& path, Scan&& scan) {
  constexpr std::size_t kOverlap = 512;  // longer than any banner we look for
  std::string window;
  auto streamed = fs.read_chunks(path, [&](const char* data, std::size_t n) {
    window.append(data, n);
    if (window.size() > kOverlap) {
      scan(std::string_view(window), window.size() - kOverlap);
      window.erase(0, window.size() - kOverlap);
    }
  });
  if (streamed) {
    scan(std::string_view(window), std::string_view::npos);
  } else if (auto prefix = fs.read_prefix(path, kElfPrefixBytes)) {
    scan(std::string_view(*prefix), std::string_view::npos);
  }
}

// The banner lives in one section (the glibc banner in .rodata, compiler
// notes in .comment): when the section headers say where, only that section
// is read, a tenth of a 2 MB libc or a few bytes of libstdc++, instead of the
// whole file (copying it was the largest part of a cached scan). Without
// readable headers the whole file streams through `scan`.
constexpr std::uint64_t kMaxSectionScan = 16ull << 20;  // a libc's .rodata is ~150 KB

template <class Scan>
void scan_section(const FileSystem& fs, const std::string& path, std::string_view section, Scan&& scan) {
  SectionSearch found = find_elf_section(fs, path, section);
  if (found.headers_read && !found.range) return;  // no such section: nothing to find
  if (found.range && found.range->size <= kMaxSectionScan) {
    auto bytes = fs.read_at(path, found.range->offset, found.range->size);
    if (bytes && bytes->size() == found.range->size) {
      scan(std::string_view(*bytes), std::string_view::npos);
      return;
    }
  }
  scan_file(fs, path, scan);
}

}  // namespace

void probe_os(const FileSystem& fs, lockfile::Fingerprint& fp) {
  lockfile::Os os;
  auto diagnose = [&](const std::string& subject, const std::string& message) {
    fp.diagnostics.push_back({subject, message});
  };

  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    if (!fs.exists(path)) continue;
    auto text = fs.read(path, kSmallFile);
    if (!text) {
      diagnose(path, text.error().message);
      continue;
    }
    auto fields = parse_os_release(*text);
    os.id = fields["ID"];
    os.version_id = fields["VERSION_ID"];
    break;
  }

  if (fs.is_live()) {
    auto release = fs.read("/proc/sys/kernel/osrelease", 4096);
    if (release) os.kernel = std::string(trim(*release, kSpace));
  }

  LibraryResolver resolver(fs, {});
  std::string libc = resolver.find_system("libc.so.6", 0, 0);
  const ElfInfo* libc_info = nullptr;
  if (!libc.empty()) {
    std::string error;
    libc_info = resolver.parsed(libc, &error);
    if (!libc_info) diagnose(libc, error);
  }
  if (libc_info) {
    os.arch = machine_name(libc_info->machine, libc_info->elf_class, libc_info->little_endian);
    os.glibc = libc_file_version(base_name(resolver.identity(libc)));
    if (os.glibc.empty()) {
      scan_section(fs, libc, ".rodata", [&](std::string_view window, std::size_t limit) {
        if (os.glibc.empty()) os.glibc = glibc_banner_version(window, limit);
      });
    }
    if (os.glibc.empty()) os.glibc = highest_version(libc_info->version_defs, "GLIBC_");
  }
  if (os.arch.empty() && fs.is_live()) {
    struct utsname u;
    if (::uname(&u) == 0) os.arch = u.machine;
  }

  std::string cxx = libc_info ? resolver.find_system("libstdc++.so.6", libc_info->elf_class, libc_info->machine)
                              : resolver.find_system("libstdc++.so.6", 0, 0);
  if (!cxx.empty()) {
    std::string error;
    if (const ElfInfo* info = resolver.parsed(cxx, &error)) {
      os.glibcxx_max = highest_version(info->version_defs, "GLIBCXX_");
      scan_section(fs, cxx, ".comment", [&](std::string_view window, std::size_t limit) {
        std::string v = gcc_comment_version(window, limit);
        if (!v.empty() && (os.libstdcxx.empty() || compare_dotted(v, os.libstdcxx) > 0)) os.libstdcxx = v;
      });
      if (os.libstdcxx.empty()) os.libstdcxx = so_version(base_name(resolver.identity(cxx)));
    } else {
      diagnose(cxx, error);
    }
  }
  fp.os = std::move(os);
}

}  // namespace envlock::scanner
