// An append-only sequence stored in fixed-size chunks: push_back never moves existing elements (stable
// references, no reallocation copy of the day's history) and allocates once per kChunk elements. Used for
// the private/public streams and the order table, whose elements are ~1 KB CTP structs: std::vector would
// copy the whole history on growth, std::deque (libstdc++) allocates one node per element of this size.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace shandian::sim::detail {

template <class T, std::size_t kChunk = 256>
class ChunkedLog {
 public:
  ChunkedLog() = default;
  ChunkedLog(ChunkedLog&&) noexcept = default;
  ChunkedLog& operator=(ChunkedLog&&) noexcept = default;
  ChunkedLog(const ChunkedLog&) = delete;
  ChunkedLog& operator=(const ChunkedLog&) = delete;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  T& push_back(const T& value) {
    T& slot = grow();
    slot = value;
    return slot;
  }
  T& emplace_back() {
    T& slot = grow();
    slot = T{};  // a fresh element, like vector::emplace_back()
    return slot;
  }

  [[nodiscard]] T& operator[](std::size_t i) noexcept { return chunks_[i / kChunk][i % kChunk]; }
  [[nodiscard]] const T& operator[](std::size_t i) const noexcept { return chunks_[i / kChunk][i % kChunk]; }
  [[nodiscard]] T& back() noexcept { return (*this)[size_ - 1]; }

 private:
  T& grow() {
    if (size_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<T[]>(kChunk));
    T& slot = (*this)[size_];  // chunks are value-initialized when allocated
    ++size_;
    return slot;
  }

  std::vector<std::unique_ptr<T[]>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace shandian::sim::detail
