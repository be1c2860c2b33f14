#pragma once
// Decides which bytes of an ELF object an image scan keeps while the object
// streams past. The contract (wanted_files.hpp) promises read_prefix() the
// first kElfPrefixBytes; keeping all of them for every library of a large
// image costs hundreds of MB, while read_elf() only ever looks at the ELF and
// program headers, PT_INTERP, PT_DYNAMIC, the dynamic string table and the
// symbol-version tables. So the keeper retains those ranges and the image
// serves the bytes between them as zeros (section headers read as SHT_NULL,
// which read_elf ignores). The ranges are found with the reader's own decoder
// (scanner/native/elf_file.hpp): its dynamic-table read and version walks, which name
// each record before reading it.
//
// The string table usually sits before .dynamic in the file, so it is only
// known after it streamed by: the keeper holds everything up to the first
// executable segment (where linkers put .dynsym/.dynstr/.gnu.version_r) until
// the end of the file, then trims. When a needed range fell in a skipped gap
// the outcome says so and the caller re-reads the layer for a plain prefix.
//
// Libraries with megabytes of code have PT_DYNAMIC past the prefix; its
// bytes (and any other needed range there) are kept too, for read_at().

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/image/layer_tree.hpp"

namespace envlock::scanner {

/// Objects up to this size are kept whole: trimming would save little.
inline constexpr std::uint64_t kElfKeepWholeBytes = 64ull << 10;

class ElfKeeper {
 public:
  /// `file_size` from the tar header; `prefix_limit` caps everything kept.
  /// With `trim` false the keeper keeps the plain prefix.
  ElfKeeper(std::uint64_t file_size, std::uint64_t prefix_limit, bool trim = true);

  /// The next chunk of the file, in order.
  void feed(std::string_view chunk);

  struct Outcome {
    std::vector<KeptPiece> pieces;  ///< offset-sorted, disjoint
    std::uint64_t extent = 0;       ///< the prefix length the pieces stand for
    bool complete = true;           ///< false: a needed range of the prefix was not kept
  };
  /// Call once after the last chunk.
  Outcome finish();

  /// Bytes held right now (to account for peak memory).
  std::uint64_t held_bytes() const { return held_; }

 private:
  struct Range {
    std::uint64_t begin, end;
  };
  void plan();
  void store(std::uint64_t offset, std::string_view bytes);
  void copy_ranges(const std::vector<Range>& ranges, std::vector<KeptPiece>& out, bool& complete) const;

  std::uint64_t size_;
  std::uint64_t limit_;
  std::uint64_t pos_ = 0;
  std::uint64_t held_ = 0;
  bool planned_ = false;
  bool keep_all_ = false;
  std::vector<Range> keep_;  ///< what to store while streaming, sorted, merged
  std::vector<KeptPiece> pieces_;
};

}  // namespace envlock::scanner
