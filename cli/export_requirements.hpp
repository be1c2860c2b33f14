#pragma once
// A pip requirements file that pins what the fingerprint saw installed.

#include <string>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::cli {

/// A header comment (export_header_comment), then one line per exported
/// package sorted by name: "name==version", or for a package installed from a
/// direct URL "name @ url" (vcs: "name @ git+url@commit" when the URL has no
/// "vcs+" scheme, since direct_url.json keeps the VCS apart; archive:
/// "#sha256=<hex>" appended when the hash is known). No --hash options: a lock
/// records installed files, not the wheels they came from. Fails as
/// check_installable does.
Result<std::string> export_requirements(const lockfile::Fingerprint& fp);

/// The requirement line for one package (no newline), without checks.
std::string requirement_line(const lockfile::Package& pkg);

}  // namespace envlock::cli
