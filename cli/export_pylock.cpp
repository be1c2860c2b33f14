#include "cli/export_pylock.hpp"

#include <array>
#include <cstdint>

#include "base/percent_encoding.hpp"
#include "cli/export_formats.hpp"
#include "cli/render_escape.hpp"

namespace envlock::cli {

namespace {

// "3.11.7" -> "==3.11.*"; empty when the version does not start X.Y.
std::string requires_python_for(std::string_view version) {
  std::size_t dots = 0;
  std::size_t end = 0;
  for (; end < version.size(); ++end) {
    const char c = version[end];
    if (c == '.') {
      if (++dots == 2) break;
    } else if (c < '0' || c > '9') {
      break;
    }
  }
  const std::string_view major_minor = version.substr(0, end);
  if (dots == 0 || major_minor.front() == '.' || major_minor.back() == '.') return "";
  return "==" + std::string(major_minor) + ".*";
}

// "linux_x86_64" -> "sys_platform == 'linux' and platform_machine == 'x86_64'".
std::string environment_marker(std::string_view platform) {
  constexpr std::string_view kLinux = "linux_";
  if (platform.substr(0, kLinux.size()) != kLinux || platform.size() == kLinux.size()) return "";
  const std::string_view machine = platform.substr(kLinux.size());
  for (char c : machine) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return "";
  }
  return "sys_platform == 'linux' and platform_machine == '" + std::string(machine) + "'";
}

// PEP 610 records the VCS apart from the URL; a "git+" style prefix, when the
// scanner kept one, names it.
std::pair<std::string, std::string> split_vcs_url(std::string_view url) {
  constexpr std::array<std::string_view, 4> kVcs = {"git", "hg", "svn", "bzr"};
  for (std::string_view vcs : kVcs) {
    if (url.size() > vcs.size() + 1 && url.substr(0, vcs.size()) == vcs && url[vcs.size()] == '+') {
      return {std::string(vcs), std::string(url.substr(vcs.size() + 1))};
    }
  }
  return {"git", std::string(url)};
}

std::string package_entry(const lockfile::Package& pkg) {
  std::string out = "\n[[packages]]\nname = " + toml_string(pkg.name) + "\n";
  const bool source_tree = !pkg.direct_url.empty() &&
                           (pkg.direct_kind == "vcs" || pkg.direct_kind == "dir" ||
                            pkg.direct_kind == "editable");
  if (!source_tree && !pkg.version.empty()) out += "version = " + toml_string(pkg.version) + "\n";
  if (!pkg.requires_python.empty()) {
    out += "requires-python = " + toml_string(pkg.requires_python) + "\n";
  }
  if (pkg.direct_url.empty()) return out;
  if (pkg.direct_kind == "vcs") {
    const auto [vcs, url] = split_vcs_url(pkg.direct_url);
    out += "vcs = { type = " + toml_string(vcs) + ", url = " + toml_string(url) +
           ", commit-id = " + toml_string(pkg.direct_hash) + " }\n";
  } else if (pkg.direct_kind == "dir" || pkg.direct_kind == "editable") {
    std::string_view path = pkg.direct_url;
    constexpr std::string_view kFile = "file://";
    if (path.substr(0, kFile.size()) == kFile) path.remove_prefix(kFile.size());
    out += "directory = { path = " + toml_string(percent_decode(path)) +
           (pkg.direct_kind == "editable" ? ", editable = true" : "") + " }\n";
  } else if (pkg.direct_kind == "archive") {
    // PEP 751 requires hashes for an archive; without one the source stays out.
    const auto [algorithm, hex] = split_archive_hash(pkg.direct_hash);
    if (!algorithm.empty()) {
      out += "archive = { url = " + toml_string(pkg.direct_url) + ", hashes = { " + algorithm +
             " = " + toml_string(hex) + " } }\n";
    }
  }
  return out;
}

}  // namespace

std::string toml_string(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  while (!s.empty()) {
    const Utf8Unit u = decode_utf8(s);
    s.remove_prefix(u.length);
    const char32_t cp = u.valid ? u.code_point : 0xfffd;
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (cp < 0x20 || cp == 0x7f) {
          out += "\\u00";
          out += kHex[cp >> 4];
          out += kHex[cp & 0xf];
        } else {
          append_utf8(out, cp);
        }
    }
  }
  out += '"';
  return out;
}

Result<std::string> export_pylock(const lockfile::Fingerprint& fp) {
  std::string out = export_header_comment(fp);
  out += "lock-version = \"1.0\"\n";
  if (fp.python) {
    const std::string marker = environment_marker(fp.python->platform);
    if (!marker.empty()) out += "environments = [" + toml_string(marker) + "]\n";
    const std::string requires_python = requires_python_for(fp.python->version);
    if (!requires_python.empty()) out += "requires-python = " + toml_string(requires_python) + "\n";
  }
  out += "created-by = \"envlock\"\n";
  for (const lockfile::Package* pkg : exported_packages(fp)) {
    if (auto ok = check_installable(*pkg, pkg->direct_url.empty()); !ok) {
      return tl::unexpected(ok.error());
    }
    if (pkg->direct_kind == "vcs" && pkg->direct_hash.empty()) {
      return fail("cannot export package '" + pkg->name +
                  "': installed from version control without a commit id");
    }
    out += package_entry(*pkg);
  }
  return out;
}

}  // namespace envlock::cli
