#pragma once
// Small text helpers every module uses on file contents and command output:
// trimming and line iteration, each written once here.

#include <cstddef>
#include <iterator>
#include <string_view>

namespace envlock {

/// What C's isspace() accepts in the "C" locale.
inline constexpr std::string_view kAsciiSpace = " \t\n\v\f\r";

/// `s` without leading and trailing bytes that are in `chars`.
std::string_view trim(std::string_view s, std::string_view chars = kAsciiSpace);
/// `s` without leading bytes that are in `chars`.
std::string_view trim_left(std::string_view s, std::string_view chars = kAsciiSpace);
/// `s` without trailing bytes that are in `chars`.
std::string_view trim_right(std::string_view s, std::string_view chars = kAsciiSpace);

/// The lines of `text` without their '\n' (a '\r' before it stays): empty
/// lines included, nothing after a final '\n'. Views into `text`, which must
/// outlive the loop: `for (std::string_view line : Lines(text))`.
class Lines {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string_view*;
    using reference = std::string_view;

    iterator() = default;
    std::string_view operator*() const { return line_; }
    iterator& operator++() {
      cut();
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      cut();
      return old;
    }
    bool operator==(const iterator& other) const {
      return done_ == other.done_ && (done_ || line_.data() == other.line_.data());
    }

   private:
    void cut() {
      if (rest_.empty()) {
        done_ = true;
        return;
      }
      const std::size_t nl = rest_.find('\n');
      line_ = rest_.substr(0, nl);
      rest_ = nl == std::string_view::npos ? std::string_view() : rest_.substr(nl + 1);
    }

    std::string_view rest_ = {};
    std::string_view line_ = {};
    bool done_ = true;
    friend class Lines;
  };

  explicit Lines(std::string_view text) : text_(text) {}
  iterator begin() const {
    iterator it;
    it.rest_ = text_;
    it.done_ = false;
    it.cut();
    return it;
  }
  iterator end() const { return iterator(); }

 private:
  std::string_view text_;
};

}  // namespace envlock
