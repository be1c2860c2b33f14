#include "base/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace envlock {

namespace {

using Reason = ReadFileError::Reason;

tl::unexpected<ReadFileError> failure(Reason reason, int err = 0, mode_t mode = 0,
                                      std::uint64_t size = 0) {
  return tl::unexpected(ReadFileError{reason, err, mode, size});
}

}  // namespace

tl::expected<std::string, ReadFileError> read_regular_file(const std::string& path,
                                                            std::uint64_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return failure(Reason::kStat, errno);
  if (!S_ISREG(st.st_mode)) return failure(Reason::kNotRegular, 0, st.st_mode);
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return failure(Reason::kTooLarge, 0, st.st_mode, static_cast<std::uint64_t>(st.st_size));
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return failure(Reason::kOpen, errno);
  auto give_up = [fd](ReadFileError e) {
    ::close(fd);
    return tl::unexpected(e);
  };
  if (::fstat(fd, &st) != 0) return give_up({Reason::kFstat, errno, 0, 0});
  if (!S_ISREG(st.st_mode)) return give_up({Reason::kNotRegular, 0, st.st_mode, 0});
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) return give_up({Reason::kTooLarge, 0, st.st_mode, size});
  // One byte past the size (and past the limit at most) tells a file that
  // grew since fstat from one that did not.
  std::string data(static_cast<std::size_t>(size) + 1, '\0');
  std::size_t have = 0;
  while (true) {
    if (have == data.size()) {
      if (data.size() > max_bytes) break;
      data.resize(static_cast<std::size_t>(std::min<std::uint64_t>(data.size() * 2, max_bytes + 1)));
    }
    const ssize_t n = ::read(fd, data.data() + have, data.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return give_up({Reason::kRead, errno, 0, 0});
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (have > max_bytes) return failure(Reason::kGrewTooLarge);
  data.resize(have);
  return data;
}

}  // namespace envlock
