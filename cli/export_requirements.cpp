#include "cli/export_requirements.hpp"

#include "cli/export_formats.hpp"

namespace envlock::cli {

namespace {

bool has_vcs_scheme(std::string_view url) {
  const std::size_t plus = url.find('+');
  const std::size_t colon = url.find(':');
  return plus != std::string_view::npos && colon != std::string_view::npos && plus < colon;
}

}  // namespace

std::string requirement_line(const lockfile::Package& pkg) {
  if (pkg.direct_url.empty()) return pkg.name + "==" + pkg.version;
  std::string url = pkg.direct_url;
  if (pkg.direct_kind == "vcs") {
    if (!has_vcs_scheme(url)) url = "git+" + url;
    if (!pkg.direct_hash.empty()) url += "@" + pkg.direct_hash;
  } else if (pkg.direct_kind == "archive" && url.find('#') == std::string::npos) {
    const auto [algorithm, hex] = split_archive_hash(pkg.direct_hash);
    if (!algorithm.empty()) url += "#" + algorithm + "=" + hex;
  }
  return pkg.name + " @ " + url;
}

Result<std::string> export_requirements(const lockfile::Fingerprint& fp) {
  std::string out = export_header_comment(fp);
  for (const lockfile::Package* pkg : exported_packages(fp)) {
    if (auto ok = check_installable(*pkg, pkg->direct_url.empty()); !ok) {
      return tl::unexpected(ok.error());
    }
    // direct_hash lands on the line too; it must be as plain as the URL.
    if (!pkg->direct_url.empty() && !pkg->direct_hash.empty() && !is_plain_url(pkg->direct_hash)) {
      return fail("cannot export package '" + pkg->name +
                  "': direct URL hash has spaces or control characters");
    }
    out += requirement_line(*pkg) + "\n";
  }
  return out;
}

}  // namespace envlock::cli
