#pragma once
// The policy: how much each kind of difference between a lock and a target
// matters. Read from a TOML file (docs/policy.md lists every key); with no
// file, default_policy() gives the values docs/policy.md documents.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "resolver/finding.hpp"
#include "resolver/specifier.hpp"

namespace envlock::resolver {

/// What to do with a finding of one kind. Words in the file: "block", "warn",
/// "info", "ignore". kInfo keeps a finding visible without warning about it.
enum class Action { kBlock, kWarn, kIgnore, kInfo };

/// How much of the Python version must match: exact (3.11.7), minor (3.11), major (3).
enum class VersionMatch { kExact, kMinor, kMajor, kIgnore };

/// Flags /proc/cpuinfo lists that describe the host (virtualization, timers,
/// power management, speculation mitigations), not instructions a program
/// can execute: the default of hardware.ignore-cpu-flags.
std::set<std::string> default_ignored_cpu_flags();

/// The severity a finding gets under an action; nullopt for kIgnore (no finding).
std::optional<Severity> severity_of(Action action);

/// "exact", "minor", "major", "ignore".
std::string_view to_string(VersionMatch match);

struct Policy {
  // [python]
  VersionMatch python_version = VersionMatch::kMinor;  ///< python.version
  Action python_changed = Action::kBlock;  ///< python.changed: implementation, version beyond the match level, abi, platform

  // [packages]
  Action packages_changed = Action::kBlock;  ///< packages.changed: other version or other content
  Action packages_missing = Action::kBlock;  ///< packages.missing
  Action packages_extra = Action::kWarn;     ///< packages.extra
  Action packages_broken = Action::kWarn;    ///< packages.broken: dependency-broken
  Action wheel_incompatible = Action::kWarn;  ///< packages.incompatible: wheel-incompatible
  /// packages.invalid: metadata-invalid (a Requires-Dist line that is not PEP 508)
  Action packages_invalid = Action::kWarn;
  /// packages.duplicate: package-duplicate (two metadata copies in one directory)
  Action packages_duplicate = Action::kWarn;
  std::set<std::string> ignore = {"pip", "setuptools", "wheel"};  ///< packages.ignore, normalized names
  std::map<std::string, SpecifierSet> allow;       ///< packages.allow, by normalized name
  std::map<std::string, std::string> allow_text;   ///< the specifier as written, for messages

  // [files]
  Action files_modified = Action::kBlock;     ///< files.modified: modified, deleted, unowned
  Action files_bytecode = Action::kInfo;      ///< files.bytecode: __pycache__ files no RECORD lists
  Action files_unverifiable = Action::kInfo;  ///< files.unverifiable: no RECORD to check against
  Action files_incomplete = Action::kBlock;   ///< files.incomplete: the integrity search hit a limit
  Action files_startup = Action::kBlock;      ///< files.startup: a new or changed start-up hook (.pth, sitecustomize)
  Action files_toplevel = Action::kWarn;      ///< files.toplevel: an unowned top-level entry new, changed or gone
  /// files.new-bytecode: a pyc Python would load that the lock never pinned
  Action files_new_bytecode = Action::kBlock;

  // [native]
  Action native_missing = Action::kBlock;  ///< native.missing
  Action native_changed = Action::kWarn;   ///< native.changed
  Action glibc = Action::kBlock;           ///< native.glibc: an object needs a newer GLIBC/GLIBCXX
  Action cuda_changed = Action::kWarn;     ///< native.cuda: CUDA library versions differ

  // [os]
  Action os_changed = Action::kWarn;  ///< os.changed: id, version-id, glibc, libstdc++
  Action os_arch = Action::kBlock;    ///< os.arch
  Action os_kernel = Action::kIgnore; ///< os.kernel: hosts differ in kernel all the time

  // [hardware]
  Action cpu_flags = Action::kBlock;  ///< hardware.cpu-flags: a locked flag the target lacks
  Action cpu_changed = Action::kInfo; ///< hardware.cpu: vendor or model differs
  Action gpu = Action::kWarn;         ///< hardware.gpu: count, model, compute capability
  Action gpu_driver = Action::kBlock; ///< hardware.gpu-driver: driver older than locked
  /// hardware.ignore-cpu-flags: flags that describe the host (virtualization,
  /// timers, speculation mitigations), not instructions a program can use.
  std::set<std::string> ignore_cpu_flags = default_ignored_cpu_flags();

  // [env]
  Action env_changed = Action::kWarn;  ///< env.changed
  std::set<std::string> env_ignore;    ///< env.ignore: names; "MKL_*" matches a prefix
};

/// The policy used when no file is given (docs/policy.md's values).
Policy default_policy();

/// Largest policy file load_policy_file reads.
inline constexpr std::uint64_t kMaxPolicyBytes = 1u << 20;

/// Parses a policy; keys absent from the text keep their defaults. Every key
/// is validated. Errors name the source and line:
///   "policy.toml:4: unknown key 'packages.chnged'"
///   "policy.toml:3: packages.changed: expected block, warn, info or ignore, got 'blok'"
///   "policy.toml:9: packages.allow.certifi: invalid specifier '>=1.0,,<2'"
///   "policy.toml:2:5: <toml syntax error>"
Result<Policy> parse_policy(std::string_view text, std::string_view source);

/// Reads and parses a policy file. Refuses what is not a regular file (FIFOs,
/// devices, directories) and files over kMaxPolicyBytes, naming the path.
Result<Policy> load_policy_file(const std::string& path);

}  // namespace envlock::resolver
