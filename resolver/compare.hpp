#pragma once
// The comparison at the heart of `check` and `diff`: two fingerprints and a
// policy in, findings out. Pure: no I/O, no clock, deterministic order.

#include "lockfile/fingerprint.hpp"
#include "resolver/finding.hpp"
#include "resolver/policy.hpp"

namespace envlock::resolver {

/// Compares a target against a lock under a policy and returns the findings
/// (categories in docs/policy.md), sorted by sort_findings. Report::lock and
/// Report::target are left empty for the caller to fill.
///
/// A section absent on either side (no [python], no [os], no [hardware], no
/// [[native]] entries, an empty [env] or [cuda]) is not compared: a scan
/// that could not see a section does not make everything in it "missing".
/// Packages are matched by normalized name, using the copy that is not
/// shadowed. Dependency and wheel-tag problems are judged on the target; a
/// problem the lock has as well is reported as info.
Report compare(const lockfile::Fingerprint& lock, const lockfile::Fingerprint& target,
               const Policy& policy);

}  // namespace envlock::resolver
