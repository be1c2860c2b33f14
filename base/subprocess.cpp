#include "base/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/path.hpp"

namespace envlock {

namespace {

constexpr std::size_t kMaxOutput = 16u << 20;

std::string limit_text(std::chrono::milliseconds limit) {
  if (limit.count() % 1000 == 0) return std::to_string(limit.count() / 1000) + " s";
  return std::to_string(limit.count()) + " ms";
}

// True once the child has exited; it stays a zombie (WNOWAIT), so its pid, and
// with it the process group id, cannot be reused before we reap it.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno != EINTR;
  return info.si_pid == pid;
}

bool executable_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string find_command(const std::string& command, const std::string& path_value, const std::string& cwd) {
  if (command.empty()) return "";
  auto absolute = [&](const std::string& p) { return p.starts_with('/') ? p : join_path(cwd, p); };
  if (command.find('/') != std::string::npos) return normalize_path(absolute(command));
  std::size_t i = 0;
  while (i <= path_value.size()) {
    std::size_t j = std::min(path_value.find(':', i), path_value.size());
    std::string dir = j > i ? path_value.substr(i, j - i) : ".";  // an empty element is the cwd
    std::string candidate = normalize_path(absolute(join_path(dir, command)));
    if (executable_file(candidate)) return candidate;
    i = j + 1;
  }
  return "";
}

Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) return fail("run_process: empty command");
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return fail(argv[0] + ": pipe: " + std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]), ::close(out_pipe[1]);
    return fail(argv[0] + ": pipe: " + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  // A group of its own: at the limit, whatever it started dies with it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (const auto& e : options.env) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  pid_t pid;
  int rc = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]), ::close(err_pipe[0]);
    return fail(argv[0] + ": cannot run: " + std::strerror(rc));
  }
  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() + options.limit;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  std::string problem;
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      problem = "did not finish within " + limit_text(options.limit);
      break;
    }
    if (open_fds == 0) {
      // Both pipes are closed, which a program can do and keep running: the
      // limit still holds, so wait for its exit in short steps.
      if (has_exited(pid)) break;
      ::poll(nullptr, 0, static_cast<int>(std::min<std::int64_t>(left.count(), 10)));
      continue;
    }
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) {
      problem = std::string("poll: ") + std::strerror(errno);
      break;
    }
    for (int k = 0; k < 2 && n > 0; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(fds[k].fd, buf, sizeof buf);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
      } else {
        sinks[k]->append(buf, static_cast<std::size_t>(got));
        if (sinks[k]->size() > kMaxOutput) problem = "printed more than 16 MiB";
      }
    }
    if (!problem.empty()) break;
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  // The group id is the child's pid, still ours until it is reaped below:
  // nothing the program started outlives the query.
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!problem.empty()) return fail(argv[0] + ": " + problem);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace envlock
