#pragma once
// Dependency consistency of one installed environment, as `pip check` sees
// it: every installed package's Requires-Dist must be satisfied by what is
// installed next to it.

#include <set>
#include <string>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "resolver/finding.hpp"

namespace envlock::resolver {

/// One unsatisfied requirement of one installed package.
struct BrokenDependency {
  const lockfile::Package* package = nullptr;    ///< the requiring package
  std::string requirement;  ///< without its marker, as packaging prints it: "pandas>=2"
  std::string dependency;                        ///< normalized name of the required project
  const lockfile::Package* installed = nullptr;  ///< the installed dependency; nullptr: missing
};

/// A package whose Requires-Dist holds a line that is not valid PEP 508.
struct InvalidRequirement {
  const lockfile::Package* package = nullptr;  ///< the package whose metadata it is
  std::string line;                            ///< the first such line, as written
};

/// Every unsatisfied requirement, pip check's pairs: for each installed
/// package not shadowed by an earlier site directory, each Requires-Dist
/// whose marker holds for fp's interpreter with extra "" (so requirements
/// that apply only under an extra are skipped: the installed state does not
/// record which extras were asked for) must name an installed project whose
/// version is in the specifier, pre-releases included. A package with one
/// line that is not valid PEP 508 (whatever its marker) has none of its
/// requirements checked, as pip check (23 and 24) drops the whole package
/// when parsing one line fails; each such package goes to `invalid` when
/// given. Unlike pip, the package still counts as installed for the
/// packages that require it (pip then says it "is not installed").
/// Ordered by package, then line. The pointers point into fp. With `only`,
/// just the packages whose normalized names it holds are checked.
std::vector<BrokenDependency> broken_dependencies(
    const lockfile::Fingerprint& fp, const std::set<std::string>* only = nullptr,
    std::vector<InvalidRequirement>* invalid = nullptr);

/// "numpy 1.26 requires pandas>=2, which is not installed" or
/// "numpy 1.26 requires pandas>=2, but pandas 1.5.3 is installed".
std::string describe(const BrokenDependency& broken);

}  // namespace envlock::resolver
