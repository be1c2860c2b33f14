// envlock: the driver. Parses, dispatches to the command table, and converts
// an Error into a message and an exit code exactly once.

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "cli/exit_code.hpp"

namespace {

using envlock::cli::Command;

constexpr Command kCommands[] = {
    {"scan", "Fingerprint a target and print it", envlock::cli::setup_scan},
    {"lock", "Write a target's fingerprint to a hashed lockfile", envlock::cli::setup_lock},
    {"check", "Compare a target against a lock; exit 1 when the policy blocks",
     envlock::cli::setup_check},
    {"diff", "Compare two locks or scans", envlock::cli::setup_diff},
    {"verify", "Check a lock's digest and signature (no scan)", envlock::cli::setup_verify},
    {"export", "Export a lock as pylock.toml, requirements.txt or CycloneDX",
     envlock::cli::setup_export},
    {"keygen", "Write an Ed25519 key pair for signing locks", envlock::cli::setup_keygen},
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"envlock: lock an ML environment's fingerprint and gate deployments on it",
               "envlock"};
  app.set_version_flag("--version", "envlock " ENVLOCK_VERSION);
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, envlock::cli::CommandRun>> runs;
  for (const auto& cmd : kCommands) {
    CLI::App* sub = app.add_subcommand(cmd.name, cmd.help);
    runs.emplace_back(sub, cmd.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "envlock: error: " << e.what() << "\n";
    return envlock::cli::kExitInvalid;
  }
  for (auto& [sub, run] : runs) {
    if (!sub->parsed()) continue;
    auto result = run();
    std::cout.flush();
    if (!result) {
      std::cerr << "envlock: error: " << result.error().message << "\n";
      return envlock::cli::exit_code_for(result.error());
    }
    return *result;
  }
  return envlock::cli::kExitInvalid;
}
