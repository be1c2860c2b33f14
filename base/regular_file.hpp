#pragma once
// Reading a whole input file named on the command line or in a lock (a lock,
// a scan, a policy, a file list) safely: only a regular file, only up to a
// limit. Each caller words its own errors (their texts are part of
// docs/cli.md and tests), so the failure is a reason, not a message.

#include <sys/types.h>

#include <cstdint>
#include <string>

#include <tl/expected.hpp>

namespace envlock {

struct ReadFileError {
  enum class Reason {
    kStat,          ///< stat failed (`err`)
    kNotRegular,    ///< a directory, FIFO, device or socket (`mode`)
    kOpen,          ///< open failed (`err`)
    kFstat,         ///< fstat on the opened file failed (`err`)
    kTooLarge,      ///< stat or fstat gave a size over the limit (`size`)
    kRead,          ///< read failed (`err`)
    kGrewTooLarge,  ///< more than the limit was read: the file grew
  };
  Reason reason = Reason::kRead;
  int err = 0;
  mode_t mode = 0;
  std::uint64_t size = 0;
};

/// The contents of the regular file `path`, at most `max_bytes` of them.
/// stat comes before open (opening a device can act, a FIFO would wait for a
/// writer), and fstat after it refuses a path swapped in between; the open
/// is non-blocking and never makes a terminal the controlling one.
tl::expected<std::string, ReadFileError> read_regular_file(const std::string& path,
                                                            std::uint64_t max_bytes);

}  // namespace envlock
