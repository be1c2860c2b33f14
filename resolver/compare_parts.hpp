#pragma once
// Internal to compare*.cpp: the pieces compare() is made of, one per part of
// the fingerprint, and the small helpers they share. Not a public API.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "resolver/finding.hpp"
#include "resolver/policy.hpp"

namespace envlock::resolver::detail {

/// Appends a finding unless the action is kIgnore.
void add_finding(std::vector<Finding>& out, Action action, std::string_view category,
                 std::string subject, std::optional<std::string> lock,
                 std::optional<std::string> target, std::string message);

/// Compares dotted numeric versions ("2.17" < "2.34", "535.104.05" <
/// "580.65"): component by component by value, a missing component counts as
/// zero; text after a component's digits breaks ties lexicographically.
int compare_dotted(std::string_view a, std::string_view b);

/// Where a site directory is, independent of where the environment lives:
/// "$prefix/lib/python3.11/site-packages" for a site below [python] prefix
/// (a venv validated in /home/x/venv and served from /opt/venv), the path
/// itself otherwise.
std::string site_key(const lockfile::Fingerprint& fp, const std::string& location);

/// [[site-entries]]: startup-hook, and file-modified for unowned top-level entries.
void compare_site_entries(const lockfile::Fingerprint& lock, const lockfile::Fingerprint& target,
                          const Policy& policy, std::vector<Finding>& out);

/// [[native]] and [cuda]: native-missing, native-changed, glibc, cuda.
void compare_native(const lockfile::Fingerprint& lock, const lockfile::Fingerprint& target,
                    const Policy& policy, std::vector<Finding>& out);

/// [[bytecode]] and editable projects: file-modified for pinned byte code
/// that changed (files.modified) or that the lock never saw
/// (files.new-bytecode), and for an editable project whose sources changed.
/// Only where both scans looked (full scans) and the version is the same.
void compare_code(const lockfile::Fingerprint& lock, const lockfile::Fingerprint& target,
                  const Policy& policy, std::vector<Finding>& out);

/// [os], [hardware] and [env]: os, cpu-flag, cpu, gpu, env.
void compare_host(const lockfile::Fingerprint& lock, const lockfile::Fingerprint& target,
                  const Policy& policy, std::vector<Finding>& out);

}  // namespace envlock::resolver::detail
