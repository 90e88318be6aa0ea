// Decodes a fuzzer's input into choices. Reading past the end yields zeros, so
// every input, however short, is a valid program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace payintent::fuzz {

class byte_reader {
 public:
  byte_reader(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

  bool empty() const noexcept { return pos_ >= size_; }

  std::uint8_t byte() noexcept { return pos_ < size_ ? data_[pos_++] : 0; }

  // A value in [0, n), n >= 1.
  std::size_t pick(std::size_t n) noexcept { return byte() % n; }

  std::int64_t int64() noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
    return static_cast<std::int64_t>(v);
  }

  // Up to `max` bytes, length-prefixed.
  std::string_view text(std::size_t max) noexcept {
    std::size_t n = pick(max + 1);
    if (n > size_ - std::min(pos_, size_)) n = size_ - std::min(pos_, size_);
    std::string_view s(reinterpret_cast<const char*>(data_) + pos_, n);
    pos_ += n;
    return s;
  }

  // Everything not read yet.
  std::string_view rest() noexcept {
    if (pos_ >= size_) return {};
    std::string_view s(reinterpret_cast<const char*>(data_) + pos_, size_ - pos_);
    pos_ = size_;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Aborts with a message: a property the fuzzer found broken.
[[noreturn]] void fail(std::string_view what);

}  // namespace payintent::fuzz
