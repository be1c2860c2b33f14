// `envlock scan` and `envlock lock`: fingerprint a target; print it or write a lock.

#include "cli/command.hpp"
#include "cli/output.hpp"
#include "cli/render_options.hpp"
#include "cli/render_scan.hpp"
#include "cli/signing.hpp"
#include "cli/target_options.hpp"

#include "lockfile/json_codec.hpp"
#include "lockfile/lock_io.hpp"
#include "lockfile/signature.hpp"

namespace envlock::cli {

namespace {

struct ScanArgs {
  TargetOptions target;
  std::string format = "toml";
  std::string output;
};

struct LockArgs {
  TargetOptions target;
  std::string output;
  std::string sign_key;
};

}  // namespace

CommandRun setup_scan(CLI::App& sub) {
  auto args = std::make_shared<ScanArgs>();
  add_target_options(sub, args->target);
  sub.add_option("--format", args->format, "toml (default), json or text");
  sub.add_option("-o,--output", args->output, "Write to this file (atomically) instead of stdout");
  return [args]() -> Result<int> {
    if (args->format != "toml" && args->format != "json" && args->format != "text") {
      return fail("unknown format '" + args->format + "' for scan (expected toml, json or text)",
                  ErrorKind::kUsage);
    }
    auto fp = ENVLOCK_TRY(scan_target(args->target));
    std::string text;
    if (args->format == "text") {
      RenderOptions opts;
      opts.color = stdout_wants_color(args->output);
      text = render_scan(fp, opts);
    } else {
      // A scan carries its [envlock] stamp and digest too, so it can stand in
      // for a lock in `diff`.
      if (args->format == "json") {
        lockfile::stamp(fp);
        text = lockfile::to_ordered_json(fp, true).dump(2) + "\n";
      } else {
        text = lockfile::render_lock(fp);
      }
    }
    ENVLOCK_TRY(emit(args->output, text));
    return 0;
  };
}

CommandRun setup_lock(CLI::App& sub) {
  auto args = std::make_shared<LockArgs>();
  add_target_options(sub, args->target);
  sub.add_option("-o,--output", args->output, "Lockfile to write (atomically)")->required();
  sub.add_option("--sign", args->sign_key, "Sign with this private key (from envlock keygen)");
  return [args]() -> Result<int> {
    std::string key;
    if (!args->sign_key.empty()) key = ENVLOCK_TRY(read_private_key_file(args->sign_key));
    auto fp = ENVLOCK_TRY(scan_target(args->target));
    std::string text = lockfile::render_lock(fp);
    if (!key.empty()) text = ENVLOCK_TRY(lockfile::sign_lock_text(text, key, args->sign_key));
    ENVLOCK_TRY(lockfile::write_file_atomic(args->output, text));
    return 0;
  };
}

}  // namespace envlock::cli
