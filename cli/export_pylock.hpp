#pragma once
// PEP 751 pylock.toml: the standard lock file Python installers read.

#include <string>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::cli {

/// A pylock.toml (lock-version "1.0", created-by "envlock") for the exported
/// packages. Top level: requires-python "==X.Y.*" and, for a linux_<machine>
/// platform, one `environments` marker. Per package: name; version unless it
/// was installed from a source tree (vcs, local directory), where PEP 751
/// forbids it; requires-python when known; and the source the installer
/// recorded: vcs {type, url, commit-id}, directory {path, editable}, or
/// archive {url, hashes}. Index-installed packages carry no wheels/sdist
/// entries: an installed environment does not know its wheel URLs or hashes.
/// Fails as check_installable does.
Result<std::string> export_pylock(const lockfile::Fingerprint& fp);

/// `s` as a TOML basic string, quotes included: escapes, and ill-formed UTF-8
/// replaced by U+FFFD (TOML documents must be UTF-8).
std::string toml_string(std::string_view s);

}  // namespace envlock::cli
