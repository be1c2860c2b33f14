// `envlock check` and `envlock diff`: compare, render the findings, exit 1 when blocked.

#include "cli/command.hpp"
#include "cli/exit_code.hpp"
#include "cli/lock_source.hpp"
#include "cli/output.hpp"
#include "cli/report_format.hpp"
#include "cli/target_options.hpp"
#include "resolver/compare.hpp"
#include "resolver/policy.hpp"

namespace envlock::cli {

namespace {

struct ReportArgs {
  std::string policy;
  std::string format = "text";
  std::string output;
  bool verbose = false;
};

struct CheckArgs {
  TargetOptions target;
  ReportArgs report;
  std::string lock;
  std::string pubkey;
};

struct DiffArgs {
  ReportArgs report;
  std::string a, b;
};

void add_report_options(CLI::App& sub, ReportArgs& r) {
  sub.add_option("--policy", r.policy, "Policy file (TOML); defaults per docs/policy.md");
  sub.add_option("--format", r.format, "text, json, junit, markdown, sarif or html");
  sub.add_option("-o,--output", r.output, "Write the report to this file instead of stdout");
  sub.add_flag("-v,--verbose", r.verbose, "List the scan's diagnostics in the text report");
}

Result<resolver::Policy> policy_for(const ReportArgs& r) {
  if (r.policy.empty()) return resolver::default_policy();
  return resolver::load_policy_file(r.policy);
}

Result<int> finish(resolver::Report report, const ReportArgs& r, ReportFormat format) {
  RenderOptions opts;
  opts.color = stdout_wants_color(r.output);
  opts.verbose = r.verbose;
  ENVLOCK_TRY(emit(r.output, render_report(report, format, opts)));
  return report.blocked() ? kExitBlocked : kExitPass;
}

}  // namespace

CommandRun setup_check(CLI::App& sub) {
  auto args = std::make_shared<CheckArgs>();
  sub.add_option("--lock", args->lock, "Lockfile path or http(s) URL")->required();
  sub.add_option("--pubkey", args->pubkey, "Require a valid signature by this public key");
  add_target_options(sub, args->target);
  add_report_options(sub, args->report);
  return [args]() -> Result<int> {
    // Cheap validation first: a bad format or policy must not cost a scan.
    auto format = ENVLOCK_TRY(parse_report_format(args->report.format));
    auto policy = ENVLOCK_TRY(policy_for(args->report));
    auto lock = ENVLOCK_TRY(load_lock(args->lock, args->pubkey, LockUse::kLock));
    auto target = ENVLOCK_TRY(scan_target(args->target));
    auto report = resolver::compare(lock.fingerprint, target, policy);
    report.lock = lock.name;
    report.target = target.envlock.target;
    report.diagnostics = target.diagnostics;
    return finish(std::move(report), args->report, format);
  };
}

CommandRun setup_diff(CLI::App& sub) {
  auto args = std::make_shared<DiffArgs>();
  sub.add_option("A", args->a, "Lock or scan output (the reference)")->required();
  sub.add_option("B", args->b, "Lock or scan output (compared against A)")->required();
  add_report_options(sub, args->report);
  return [args]() -> Result<int> {
    auto format = ENVLOCK_TRY(parse_report_format(args->report.format));
    auto policy = ENVLOCK_TRY(policy_for(args->report));
    auto a = ENVLOCK_TRY(load_lock(args->a));
    auto b = ENVLOCK_TRY(load_lock(args->b));
    auto report = resolver::compare(a.fingerprint, b.fingerprint, policy);
    report.lock = a.name;
    report.target = b.name;
    report.diagnostics = b.fingerprint.diagnostics;
    return finish(std::move(report), args->report, format);
  };
}

}  // namespace envlock::cli
