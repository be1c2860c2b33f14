#include "cli/export_formats.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "cli/export_cyclonedx.hpp"
#include "cli/export_pylock.hpp"
#include "cli/export_requirements.hpp"
#include "cli/render_escape.hpp"

namespace envlock::cli {

namespace {

constexpr std::array<std::pair<std::string_view, ExportFormat>, 3> kFormats = {{
    {"pylock", ExportFormat::kPylock},
    {"requirements", ExportFormat::kRequirements},
    {"cyclonedx", ExportFormat::kCycloneDx},
}};

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

Result<ExportFormat> parse_export_format(std::string_view word) {
  for (const auto& [name, format] : kFormats) {
    if (word == name) return format;
  }
  return fail("unknown export format '" + escape_terminal(word) +
                  "' (expected pylock, requirements or cyclonedx)",
              ErrorKind::kUsage);
}

Result<std::string> export_fingerprint(const lockfile::Fingerprint& fp, ExportFormat format) {
  switch (format) {
    case ExportFormat::kPylock: return export_pylock(fp);
    case ExportFormat::kRequirements: return export_requirements(fp);
    case ExportFormat::kCycloneDx: return export_cyclonedx(fp);
  }
  return export_requirements(fp);
}

std::vector<const lockfile::Package*> exported_packages(const lockfile::Fingerprint& fp) {
  std::vector<const lockfile::Package*> out;
  for (const auto& pkg : fp.packages) {
    // A conda package that is no Python distribution (openblas, libstdcxx)
    // has no PyPI name: pip could not install it from these files.
    if (!pkg.shadowed && pkg.format != "conda") out.push_back(&pkg);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
  return out;
}

bool is_valid_project_name(std::string_view name) {
  if (name.empty() || !is_ascii_alnum(name.front()) || !is_ascii_alnum(name.back())) return false;
  for (char c : name) {
    if (!is_ascii_alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool is_plain_version(std::string_view version) {
  if (version.empty()) return false;
  for (char c : version) {
    if (!is_ascii_alnum(c) && c != '.' && c != '!' && c != '+' && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

bool is_plain_url(std::string_view url) {
  if (url.empty()) return false;
  for (char c : url) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7f) return false;
  }
  return true;
}

Result<void> check_installable(const lockfile::Package& pkg, bool needs_version) {
  const std::string who = "cannot export package '" + escape_terminal(pkg.name) + "': ";
  if (!is_valid_project_name(pkg.name)) return fail(who + "not a valid project name");
  if (!pkg.direct_url.empty() && !is_plain_url(pkg.direct_url)) {
    return fail(who + "direct URL '" + escape_terminal(pkg.direct_url) +
                "' has spaces or control characters");
  }
  if (needs_version) {
    if (pkg.version.empty()) return fail(who + "it has no version");
    if (!is_plain_version(pkg.version)) {
      return fail(who + "version '" + escape_terminal(pkg.version) + "' is not a valid version");
    }
  }
  return {};
}

std::pair<std::string, std::string> split_archive_hash(std::string_view hash) {
  const std::size_t sep = hash.find_first_of("=:");
  if (sep == std::string_view::npos || sep == 0 || sep + 1 == hash.size()) return {};
  std::string algorithm(hash.substr(0, sep));
  std::string hex(hash.substr(sep + 1));
  for (char& c : algorithm) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!is_ascii_alnum(c)) return {};
  }
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return {};
  }
  return {algorithm, hex};
}

std::string export_header_comment(const lockfile::Fingerprint& fp) {
  std::string out = "# Exported by envlock " ENVLOCK_VERSION;
  if (!fp.envlock.target.empty()) out += " from " + escape_terminal(fp.envlock.target);
  out += "\n";
  if (!fp.envlock.digest.empty()) out += "# lock digest " + escape_terminal(fp.envlock.digest) + "\n";
  if (fp.python) {
    const auto& py = *fp.python;
    out += "# Python " + escape_terminal(py.version) + " (" + escape_terminal(py.implementation) +
           ", " + escape_terminal(py.platform) + ")\n";
  }
  return out;
}

}  // namespace envlock::cli
